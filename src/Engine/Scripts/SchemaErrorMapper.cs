using System.Collections.Immutable;
using System.Globalization;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// Turns NJsonSchema's validation errors into diagnostics a person understands: placed at
/// the YAML node, naming the key and the scene/character it belongs to, one per node.
/// </summary>
internal sealed class SchemaErrorMapper(SchemaJson json, SourceFile file, bool isInclude)
{
    private static readonly Dictionary<string, string> s_stepNouns = new(StringComparer.Ordinal)
    {
        ["scenes"] = "scene",
        ["continuations"] = "continuation",
        ["edits"] = "edit",
        ["cut"] = "cut",
    };

    // First finding per node wins; missing keys of one mapping are merged into one finding.
    private readonly Dictionary<YNode, Finding> _findings = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<YNode, List<string>> _missing = new(ReferenceEqualityComparer.Instance);
    private int _order;

    public void Add(ValidationError error)
    {
        switch (error)
        {
            case ChildSchemaValidationError child when error.Kind is ValidationErrorKind.NotAnyOf or ValidationErrorKind.NotOneOf:
                var best = BestBranch(child);
                if (best is null)
                {
                    Map(error);
                    break;
                }

                foreach (var e in best)
                {
                    Add(e);
                }

                break;
            case ChildSchemaValidationError child:
                // Array items and additional properties: the wrapper only says "something inside failed".
                foreach (var e in child.Errors.Values.SelectMany(v => v))
                {
                    Add(e);
                }

                break;
            default:
                Map(error);
                break;
        }
    }

    public ImmutableArray<Diagnostic> Build()
    {
        var list = new List<(Finding Finding, Diagnostic Diagnostic)>();
        foreach (var (node, finding) in _findings)
        {
            var diagnostic = finding.Diagnostic;
            if (_missing.TryGetValue(node, out var keys) && finding.Descriptor == DiagnosticCodes.MissingKey)
            {
                diagnostic = diagnostic with { Message = MissingMessage(finding.Owner!, keys) };
            }

            list.Add((finding, diagnostic));
        }

        return [.. list
            .OrderBy(x => x.Diagnostic.Location.Line)
            .ThenBy(x => x.Diagnostic.Location.Column)
            .ThenBy(x => x.Finding.Order)
            .Select(x => x.Diagnostic)];
    }

    /// <summary>For a failed anyOf/oneOf, the branch that came closest: fewest errors, preferring branches of the right type.</summary>
    private static ICollection<ValidationError>? BestBranch(ChildSchemaValidationError child)
    {
        ICollection<ValidationError>? best = null;
        var bestScore = int.MaxValue;
        foreach (var branch in child.Errors.Values)
        {
            if (branch.Count == 0)
            {
                continue;
            }

            var typeMismatch = branch.Any(e => ReferenceEquals(e.Token, child.Token) && IsTypeError(e.Kind));
            var score = (typeMismatch ? 1000 : 0) + branch.Count;
            if (score < bestScore)
            {
                best = branch;
                bestScore = score;
            }
        }

        return best;
    }

    private static bool IsTypeError(ValidationErrorKind kind) => kind is ValidationErrorKind.StringExpected
        or ValidationErrorKind.NumberExpected or ValidationErrorKind.IntegerExpected or ValidationErrorKind.BooleanExpected
        or ValidationErrorKind.ObjectExpected or ValidationErrorKind.ArrayExpected or ValidationErrorKind.NullExpected
        or ValidationErrorKind.NoTypeValidates;

    private void Map(ValidationError error)
    {
        var token = error.Token ?? json.Resolve(error.Path) ?? json.Root;
        var schema = error.Schema?.ActualSchema;
        switch (error.Kind)
        {
            case ValidationErrorKind.NoAdditionalPropertiesAllowed:
                UnknownKey(error, token, schema);
                return;
            case ValidationErrorKind.PropertyRequired:
                Missing(token, error.Property ?? "?");
                return;
        }

        var value = token is JProperty p ? p.Value : token;
        if (error.Kind == ValidationErrorKind.NotInEnumeration && IsRootReel(value))
        {
            Report(value, DiagnosticCodes.NotAllowed, $"unsupported script format 'reel: {Raw(value)}'; this version of Reel reads 'reel: 1'");
            return;
        }

        var subject = Subject(value) + Context(value);
        switch (error.Kind)
        {
            case ValidationErrorKind.StringExpected:
            case ValidationErrorKind.NumberExpected:
            case ValidationErrorKind.IntegerExpected:
            case ValidationErrorKind.BooleanExpected:
            case ValidationErrorKind.ObjectExpected:
            case ValidationErrorKind.ArrayExpected:
            case ValidationErrorKind.NullExpected:
                Report(value, DiagnosticCodes.WrongType, TypeMessage(value, subject, Expected(error.Kind)));
                break;
            case ValidationErrorKind.NoTypeValidates when error is MultiTypeValidationError multi:
                var expected = multi.Errors.Keys.OrderBy(TypeOrder).Select(k => Expected(k)).ToList();
                Report(value, DiagnosticCodes.WrongType, TypeMessage(value, subject, JoinOr(expected.Select((e, i) => i == 0 ? e : StripArticle(e)))));
                break;
            case ValidationErrorKind.NotInEnumeration:
                var allowed = schema?.Enumeration.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "null").ToList() ?? [];
                var got = Raw(value);
                var close = Suggestions.Closest(got, allowed);
                Report(value, DiagnosticCodes.NotAllowed, $"{subject} must be one of: {string.Join(", ", allowed)} (got '{got}'{(close is null ? "" : $"; did you mean '{close}'?")})");
                break;
            case ValidationErrorKind.PatternMismatch:
                Report(value, DiagnosticCodes.NotAllowed, PatternMessage(value, schema));
                break;
            case ValidationErrorKind.NumberTooSmall:
            case ValidationErrorKind.NumberTooBig:
            case ValidationErrorKind.IntegerTooBig:
                Report(value, DiagnosticCodes.OutOfRange, $"{subject} must be {Range(schema?.Minimum, schema?.Maximum)} (got {Raw(value)})");
                break;
            case ValidationErrorKind.TooFewItems:
            case ValidationErrorKind.TooManyItems:
                Report(value, DiagnosticCodes.OutOfRange, CountMessage(subject, schema?.MinItems ?? 0, schema?.MaxItems ?? 0, ((JArray)value).Count, "item"));
                break;
            case ValidationErrorKind.StringTooShort:
            case ValidationErrorKind.StringTooLong:
                Report(value, DiagnosticCodes.OutOfRange, CountMessage(subject, schema?.MinLength ?? 0, schema?.MaxLength ?? 0, value.ToString().Length, "character"));
                break;
            case ValidationErrorKind.TooFewProperties:
            case ValidationErrorKind.TooManyProperties:
                Report(value, DiagnosticCodes.OutOfRange, CountMessage(subject, schema?.MinProperties ?? 0, schema?.MaxProperties ?? 0, ((JObject)value).Count, "key"));
                break;
            case ValidationErrorKind.ItemsNotUnique:
                var (duplicate, dupValue) = FirstDuplicate(value);
                Report(duplicate ?? value, DiagnosticCodes.OtherSchemaViolation, dupValue is null
                    ? $"{subject} must not repeat a value"
                    : $"{subject} lists '{dupValue}' more than once");
                break;
            default:
                Report(value, DiagnosticCodes.OtherSchemaViolation, $"{subject} is not valid here ({Humanize(error.Kind)})");
                break;
        }
    }

    private void UnknownKey(ValidationError error, JToken token, JsonSchema? schema)
    {
        var property = token as JProperty ?? token.Parent as JProperty;
        var name = property?.Name ?? error.Property ?? "?";
        var owner = property?.Parent as JObject;
        var keyNode = property is null ? null : json.KeyOf(property);

        if (schema is not null && schema.PatternProperties.Count > 0)
        {
            // Keyed maps (characters, matrix axes): the key itself is a name with a format.
            var what = property?.Parent?.Parent is JProperty { Name: "matrix" } ? "matrix axis name" : "character id";
            var rule = what == "character id"
                ? "ids are lower-case letters, digits and '-', starting with a letter or digit"
                : "axis names are lower-case letters, digits and '_', starting with a letter or '_'";
            ReportAt(keyNode, token, DiagnosticCodes.NotAllowed, $"invalid {what} '{name}'{(owner is null ? "" : Context(owner))}: {rule}");
            return;
        }

        if (isInclude && owner is not null && ReferenceEquals(owner, json.Root) && SchemaResource.Script.ActualProperties.ContainsKey(name))
        {
            ReportAt(keyNode, token, DiagnosticCodes.UnknownKey, $"'{name}' is not allowed in an included file; included files may only contain characters, vars and templates");
            return;
        }

        var candidates = schema?.ActualProperties.Keys ?? (IEnumerable<string>)[];
        var where = owner is null || ReferenceEquals(owner, json.Root) ? "" : " in " + Noun(owner);
        ReportAt(keyNode, token, DiagnosticCodes.UnknownKey, $"unknown key '{name}'{where}{Suggestions.DidYouMean(name, candidates)}");
    }

    private void Missing(JToken token, string key)
    {
        var obj = token as JObject ?? (token as JProperty)?.Parent as JObject ?? token.Parent as JObject;
        if (obj is null)
        {
            Report(token, DiagnosticCodes.MissingKey, $"missing required key '{key}'");
            return;
        }

        var node = json.NodeOf(obj);
        if (node is not null)
        {
            if (!_missing.TryGetValue(node, out var keys))
            {
                _missing[node] = keys = [];
            }

            if (!keys.Contains(key, StringComparer.Ordinal))
            {
                keys.Add(key);
            }
        }

        Report(obj, DiagnosticCodes.MissingKey, MissingMessage(obj, [key]), obj);
    }

    private string MissingMessage(JObject owner, List<string> keys)
    {
        if (ReferenceEquals(owner, json.Root) && keys.Contains("reel"))
        {
            var others = keys.Where(k => k != "reel").Select(k => $", '{k}'");
            return $"the script is missing required key 'reel'{string.Concat(others)}; a script starts with 'reel: 1'";
        }

        var list = keys.Count == 1 ? $"key '{keys[0]}'" : "keys " + JoinAnd(keys.Select(k => $"'{k}'"));
        return $"{Noun(owner)} is missing required {list}";
    }

    private string PatternMessage(JToken value, JsonSchema? schema)
    {
        var defs = SchemaResource.Script.Definitions;
        var hint = schema?.ExtensionData?.TryGetValue("patternErrorMessage", out var h) == true ? h as string : null;
        var got = Raw(value);
        if (schema is not null && defs.TryGetValue("id", out var idDef) && ReferenceEquals(schema, idDef))
        {
            var owner = value.Parent?.Parent as JObject;
            var kind = owner is null ? null : StepKind(owner);
            return $"invalid {(kind is null ? "" : kind + " ")}id '{got}': {hint}";
        }

        if (schema is not null && defs.TryGetValue("stepRef", out var refDef) && ReferenceEquals(schema, refDef))
        {
            return $"invalid step reference '{got}'{Context(value)}: {hint}";
        }

        if (value.Parent is JArray && value.Parent.Parent is JProperty { Name: "characters" })
        {
            return $"invalid character id '{got}'{Context(value)}: {hint}";
        }

        var subject = Subject(value) + Context(value);
        return hint is not null && hint.StartsWith("must ", StringComparison.Ordinal)
            ? $"{subject} {hint} (got '{got}')"
            : $"{subject} has an invalid value '{got}'{(hint is null ? "" : ": " + hint)}";
    }

    private string TypeMessage(JToken value, string subject, string expected)
    {
        if (value.Parent is null)
        {
            return $"a script must be a mapping of keys such as 'reel:' and 'scenes:', not {Describe(value)}";
        }

        return $"{subject} must be {expected}, not {Describe(value)}";
    }

    private string Describe(JToken value) => value.Type switch
    {
        JTokenType.String => $"a string (\"{Raw(value)}\")",
        JTokenType.Integer or JTokenType.Float => $"a number ({Raw(value)})",
        JTokenType.Boolean => $"a boolean ({Raw(value)})",
        JTokenType.Null => Raw(value).Length == 0 ? "empty" : "null",
        JTokenType.Array => "a list",
        JTokenType.Object => "a mapping",
        _ => value.Type.ToString().ToLowerInvariant(),
    };

    private static string Expected(ValidationErrorKind kind) => kind switch
    {
        ValidationErrorKind.StringExpected => "a string",
        ValidationErrorKind.NumberExpected => "a number",
        ValidationErrorKind.IntegerExpected => "an integer",
        ValidationErrorKind.BooleanExpected => "a boolean (true or false)",
        ValidationErrorKind.ObjectExpected => "a mapping",
        ValidationErrorKind.ArrayExpected => "a list",
        ValidationErrorKind.NullExpected => "empty",
        _ => "something else",
    };

    private static string Expected(JsonObjectType type) => type switch
    {
        JsonObjectType.String => "a string",
        JsonObjectType.Number => "a number",
        JsonObjectType.Integer => "an integer",
        JsonObjectType.Boolean => "a boolean",
        JsonObjectType.Object => "a mapping",
        JsonObjectType.Array => "a list",
        JsonObjectType.Null => "empty",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static int TypeOrder(JsonObjectType type) => type switch
    {
        JsonObjectType.String => 0,
        JsonObjectType.Integer => 1,
        JsonObjectType.Number => 2,
        JsonObjectType.Boolean => 3,
        JsonObjectType.Array => 4,
        JsonObjectType.Object => 5,
        _ => 6,
    };

    private static string StripArticle(string text) =>
        text.StartsWith("a ", StringComparison.Ordinal) ? text[2..] : text.StartsWith("an ", StringComparison.Ordinal) ? text[3..] : text;

    private static string Range(decimal? min, decimal? max) => (min, max) switch
    {
        ({ } lo, { } hi) => $"between {lo.ToString(CultureInfo.InvariantCulture)} and {hi.ToString(CultureInfo.InvariantCulture)}",
        ({ } lo, null) => $"at least {lo.ToString(CultureInfo.InvariantCulture)}",
        (null, { } hi) => $"at most {hi.ToString(CultureInfo.InvariantCulture)}",
        _ => "in range",
    };

    private static string CountMessage(string subject, int min, int max, int actual, string unit)
    {
        if (actual == 0 && min >= 1)
        {
            return $"{subject} must not be empty";
        }

        return actual < min
            ? $"{subject} must have at least {Plural(min, unit)} (got {actual})"
            : $"{subject} must have at most {Plural(max, unit)} (got {actual})";
    }

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";

    private static (JToken? Token, string? Value) FirstDuplicate(JToken value)
    {
        if (value is not JArray arr)
        {
            return (null, null);
        }

        for (var i = 1; i < arr.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (JToken.DeepEquals(arr[i], arr[j]))
                {
                    return (arr[i], arr[i].ToString(Newtonsoft.Json.Formatting.None).Trim('"'));
                }
            }
        }

        return (null, null);
    }

    private bool IsRootReel(JToken value) =>
        value.Parent is JProperty { Name: "reel" } p && ReferenceEquals(p.Parent, json.Root);

    /// <summary>How the value was written in the YAML, for quoting back to the user.</summary>
    private string Raw(JToken value) => json.NodeOf(value) switch
    {
        YScalar s => s.Value,
        YSequence => "[…]",
        YMapping => "{…}",
        _ => value.ToString(Newtonsoft.Json.Formatting.None),
    };

    /// <summary><c>'seconds'</c>, <c>item 2 of 'shots'</c>.</summary>
    private static string Subject(JToken value) => value.Parent switch
    {
        JProperty p when IsMatrixAxis(p) => $"matrix axis '{p.Name}'",
        JProperty p => $"'{p.Name}'",
        JArray a when a.Parent is JProperty ap && IsMatrixAxis(ap) => $"value {a.IndexOf(value) + 1} of matrix axis '{ap.Name}'",
        JArray a when a.Parent is JProperty ap => $"item {a.IndexOf(value) + 1} of '{ap.Name}'",
        JArray a => $"item {a.IndexOf(value) + 1}",
        _ => "the script",
    };

    private static bool IsMatrixAxis(JProperty p) => p.Parent?.Parent is JProperty { Name: "matrix" };

    /// <summary><c> in scene 'open'</c> for the nearest named thing that holds the token, or "".</summary>
    private string Context(JToken token)
    {
        for (var t = token.Parent; t is not null; t = t.Parent)
        {
            if (t is JObject o && !ReferenceEquals(o, json.Root) && Named(o) is { } name)
            {
                return " in " + name;
            }
        }

        return "";
    }

    /// <summary>A name for an object: a step or character by id, or a top-level section.</summary>
    private string? Named(JObject o)
    {
        if (StepKind(o) is { } kind)
        {
            var arr = (JArray)o.Parent!;
            return o.Property("id", StringComparison.Ordinal)?.Value is JValue { Type: JTokenType.String } id
                ? $"{kind} '{id}'"
                : $"{kind} #{arr.IndexOf(o) + 1}";
        }

        if (o.Parent is JProperty cp && cp.Parent is JObject map && map.Parent is JProperty { Name: "characters" } section && ReferenceEquals(section.Parent, json.Root))
        {
            return $"character '{cp.Name}'";
        }

        return o.Parent is JProperty top && ReferenceEquals(top.Parent, json.Root) ? $"'{top.Name}'" : null;
    }

    /// <summary>The noun for a mapping that is missing or has an unexpected key.</summary>
    private string Noun(JObject o)
    {
        if (ReferenceEquals(o, json.Root))
        {
            return isInclude ? "the included file" : "the script";
        }

        if (Named(o) is { } name)
        {
            return name;
        }

        var subject = Subject(o);
        return subject + Context(o);
    }

    private string? StepKind(JObject o) =>
        o.Parent is JArray arr && arr.Parent is JProperty p && ReferenceEquals(p.Parent, json.Root) && s_stepNouns.TryGetValue(p.Name, out var noun)
            ? noun
            : null;

    private static string Humanize(ValidationErrorKind kind)
    {
        var name = kind.ToString();
        var chars = new List<char>(name.Length + 8);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && chars.Count > 0)
            {
                chars.Add(' ');
            }

            chars.Add(char.ToLowerInvariant(c));
        }

        return new string([.. chars]);
    }

    private static string JoinOr(IEnumerable<string> items) => Join(items, "or");

    private static string JoinAnd(IEnumerable<string> items) => Join(items, "and");

    private static string Join(IEnumerable<string> items, string conjunction)
    {
        var list = items.ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            _ => string.Join(", ", list.Take(list.Count - 1)) + $" {conjunction} " + list[^1],
        };
    }

    private void Report(JToken token, DiagnosticDescriptor descriptor, string message, JObject? owner = null) =>
        ReportAt(null, token, descriptor, message, owner);

    private void ReportAt(YNode? at, JToken token, DiagnosticDescriptor descriptor, string message, JObject? owner = null)
    {
        var node = at ?? json.NodeOf(token) ?? json.NodeOf(json.Root);
        if (node is YScalar { IsNull: true, Value: "" } && token.Parent is JProperty p && json.KeyOf(p) is { } key)
        {
            // An empty value has no text of its own; its key is what the caret should point at.
            node = key;
        }

        if (node is null || _findings.ContainsKey(node))
        {
            return;
        }

        var location = node.Location.IsKnown ? node.Location : new SourceLocation(file.DisplayName, 1, 1);
        _findings[node] = new Finding(descriptor, Diagnostic.Create(descriptor, message, location), owner, _order++);
    }

    private sealed record Finding(DiagnosticDescriptor Descriptor, Diagnostic Diagnostic, JObject? Owner, int Order);
}
