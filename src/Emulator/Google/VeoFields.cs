using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Google;

/// <summary>Typed reads of proto-JSON fields with Google's error messages (<c>Invalid value at 'x' (TYPE_INT32), …</c>).</summary>
internal static class VeoFields
{
    /// <summary>Fails on the first member not in <paramref name="allowed"/>, as proto-JSON does.</summary>
    public static void RejectUnknown(JsonObject value, string? at, params string[] allowed)
    {
        foreach (var (name, _) in value)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw at is null
                    ? new GoogleErrorException(400, "INVALID_ARGUMENT", $"Invalid JSON payload received. Unknown name \"{name}\": Cannot find field.")
                    : GoogleErrorException.UnknownField(name, at);
            }
        }
    }

    public static string Join(string? at, string name) => at is null ? name : at + "." + name;

    public static JsonObject? Object(JsonObject parent, string name, string? at)
    {
        var node = parent[name];
        return node switch
        {
            null => null,
            JsonObject value => value,
            _ => throw new GoogleErrorException(400, "INVALID_ARGUMENT", $"Invalid value at '{Join(at, name)}', expected an object: {node.ToJsonString()}"),
        };
    }

    public static string? String(JsonObject parent, string name, string? at)
    {
        var node = parent[name];
        if (node is null)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.String
            ? node.GetValue<string>()
            : throw GoogleErrorException.InvalidValue(Join(at, name), "TYPE_STRING", node);
    }

    public static bool? Bool(JsonObject parent, string name, string? at)
    {
        var node = parent[name];
        return node?.GetValueKind() switch
        {
            null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw GoogleErrorException.InvalidValue(Join(at, name), "TYPE_BOOL", node),
        };
    }

    /// <summary>An integer as a JSON number or, as proto-JSON also allows, a numeric string.</summary>
    public static long? Integer(JsonObject parent, string name, string? at, string protoType, long min, long max)
    {
        var node = parent[name];
        if (node is null)
        {
            return null;
        }

        long value = 0;
        var ok = node.GetValueKind() switch
        {
            JsonValueKind.Number => node.AsValue().TryGetValue(out value) || TryIntegral(node.GetValue<double>(), out value),
            JsonValueKind.String => long.TryParse(node.GetValue<string>(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
        return ok && value >= min && value <= max ? value : throw GoogleErrorException.InvalidValue(Join(at, name), protoType, node);
    }

    private static bool TryIntegral(double number, out long value)
    {
        value = (long)number;
        return number == Math.Floor(number) && Math.Abs(number) < 9e15;
    }

    /// <summary>Bytes in standard or URL-safe base64, padded or not, as proto-JSON reads them.</summary>
    public static byte[] Base64(string text, string at)
    {
        var normalised = text.Trim().Replace('-', '+').Replace('_', '/');
        normalised = normalised.PadRight(normalised.Length + ((4 - (normalised.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(normalised);
        }
        catch (FormatException)
        {
            var shown = text.Length > 40 ? text[..40] + "…" : text;
            throw new GoogleErrorException(400, "INVALID_ARGUMENT", $"Invalid value at '{at}' (TYPE_BYTES), Base64 decoding failed for \"{shown}\"");
        }
    }

    /// <summary>One of <paramref name="allowed"/>, or 400 naming the field and the supported values.</summary>
    public static string? OneOf(JsonObject parent, string name, string? at, params string[] allowed)
    {
        var value = String(parent, name, at);
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
        {
            throw GoogleErrorException.InvalidArgument(
                $"Unsupported value for '{Join(at, name)}': \"{value}\". Supported values are: {string.Join(", ", allowed.Select(a => $"\"{a}\""))}.");
        }

        return value;
    }
}
