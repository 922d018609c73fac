using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Fal;

/// <summary>
/// Reads a model input the way fal's pydantic models do: every field is checked and all errors are reported together
/// (422, <c>{"detail":[{loc,msg,type,…}]}</c>, pydantic's wording). Fields the model doesn't declare are ignored, as
/// pydantic ignores extra fields; declared fields are strict about JSON types (no "true" for a boolean, no 4 for "4").
/// </summary>
internal sealed class FalInput(JsonObject body)
{
    private readonly List<JsonObject> _errors = [];

    public JsonObject Body { get; } = body;

    public bool HasErrors => _errors.Count > 0;

    public void ThrowIfInvalid()
    {
        if (_errors.Count > 0)
        {
            throw FalErrorException.Validation(_errors);
        }
    }

    public void Add(string type, string message, object[] location, JsonNode? input = null, JsonObject? context = null) =>
        _errors.Add(FalErrorException.Error(type, message, location, input, context));

    /// <summary>A required string (at least <paramref name="minLength"/> characters); null after recording an error.</summary>
    public string? RequiredString(string name, int minLength = 1, int? maxLength = null)
    {
        if (Body[name] is null)
        {
            Add("missing", "Field required", [name]);
            return null;
        }

        return OptionalString(name, minLength, maxLength);
    }

    public string? OptionalString(string name, int minLength = 0, int? maxLength = null)
    {
        var node = Body[name];
        if (node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            Add("string_type", "Input should be a valid string", [name], node);
            return null;
        }

        var text = node.GetValue<string>();
        if (text.Length < minLength)
        {
            Add("string_too_short", $"String should have at least {minLength} character{(minLength == 1 ? "" : "s")}", [name], node,
                new JsonObject { ["min_length"] = minLength });
            return null;
        }

        if (maxLength is { } max && text.Length > max)
        {
            Add("string_too_long", $"String should have at most {max} characters", [name], node, new JsonObject { ["max_length"] = max });
            return null;
        }

        return text;
    }

    /// <summary>A string literal field (pydantic <c>Literal["a", "b"]</c>), <paramref name="fallback"/> when absent.</summary>
    public string Literal(string name, IReadOnlyList<string> allowed, string fallback)
    {
        var node = Body[name];
        if (node is null)
        {
            return fallback;
        }

        if (node.GetValueKind() == JsonValueKind.String && allowed.Contains(node.GetValue<string>()))
        {
            return node.GetValue<string>();
        }

        var expected = Expected(allowed);
        Add("literal_error", $"Input should be {expected}", [name], node, new JsonObject { ["expected"] = expected });
        return fallback;
    }

    public bool Bool(string name, bool fallback)
    {
        var node = Body[name];
        if (node is null)
        {
            return fallback;
        }

        if (node.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return node.GetValue<bool>();
        }

        Add("bool_type", "Input should be a valid boolean", [name], node);
        return fallback;
    }

    public long? Int(string name)
    {
        var node = Body[name];
        if (node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number)
        {
            Add("int_type", "Input should be a valid integer", [name], node);
            return null;
        }

        var value = node.GetValue<JsonElement>();
        if (value.TryGetInt64(out var integer))
        {
            return integer;
        }

        if (value.TryGetDouble(out var real) && Math.Abs(real) < 9e15 && real == Math.Floor(real))
        {
            return (long)real;
        }

        Add("int_from_float", "Input should be a valid integer, got a number with a fractional part", [name], node);
        return null;
    }

    /// <summary>A list of strings with <paramref name="min"/>..<paramref name="max"/> items; null when absent or invalid.</summary>
    public List<string>? StringList(string name, bool required, int min, int max)
    {
        var node = Body[name];
        if (node is null)
        {
            if (required)
            {
                Add("missing", "Field required", [name]);
            }

            return null;
        }

        if (node is not JsonArray array)
        {
            Add("list_type", "Input should be a valid list", [name], node);
            return null;
        }

        var items = new List<string>();
        var ok = true;
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is { } item && item.GetValueKind() == JsonValueKind.String)
            {
                items.Add(item.GetValue<string>());
            }
            else
            {
                Add("string_type", "Input should be a valid string", [name, i], array[i]);
                ok = false;
            }
        }

        if (array.Count < min)
        {
            Add("too_short", $"List should have at least {min} item{(min == 1 ? "" : "s")} after validation, not {array.Count}", [name], node,
                new JsonObject { ["field_type"] = "List", ["min_length"] = min, ["actual_length"] = array.Count });
            return null;
        }

        if (array.Count > max)
        {
            Add("too_long", $"List should have at most {max} item{(max == 1 ? "" : "s")} after validation, not {array.Count}", [name], node,
                new JsonObject { ["field_type"] = "List", ["max_length"] = max, ["actual_length"] = array.Count });
            return null;
        }

        return ok ? items : null;
    }

    /// <summary>pydantic's list of literal values: <c>'a', 'b' or 'c'</c>.</summary>
    public static string Expected(IReadOnlyList<string> allowed)
    {
        var quoted = allowed.Select(a => "'" + a + "'").ToList();
        return quoted.Count == 1 ? quoted[0] : string.Join(", ", quoted[..^1]) + " or " + quoted[^1];
    }

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
