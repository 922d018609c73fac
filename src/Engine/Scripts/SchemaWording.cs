using System.Globalization;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace Reel.Engine.Scripts;

/// <summary>
/// The words of schema diagnostics: what a JSON token is called in the script (<c>'seconds' in
/// scene 'open'</c>, <c>item 2 of 'shots'</c>), how a value was written, and the message for each kind of violation.
/// </summary>
internal sealed class SchemaWording(SchemaJson json, bool isInclude)
{
    private static readonly Dictionary<string, string> s_stepNouns = new(StringComparer.Ordinal)
    {
        ["scenes"] = "scene",
        ["continuations"] = "continuation",
        ["edits"] = "edit",
        ["cut"] = "cut",
    };

    public string MissingMessage(JObject owner, List<string> keys)
    {
        if (ReferenceEquals(owner, json.Root) && keys.Contains("reel"))
        {
            var others = keys.Where(k => k != "reel").Select(k => $", '{k}'");
            return $"the script is missing required key 'reel'{string.Concat(others)}; a script starts with 'reel: 1'";
        }

        var list = keys.Count == 1 ? $"key '{keys[0]}'" : "keys " + JoinAnd(keys.Select(k => $"'{k}'"));
        return $"{Noun(owner)} is missing required {list}";
    }

    public string PatternMessage(JToken value, JsonSchema? schema)
    {
        var defs = SchemaResource.Script.Definitions;
        var hint = schema?.Pattern is { } pattern && s_patternHints.TryGetValue(pattern, out var h) ? h : null;
        var got = Raw(value);
        if (schema is not null && defs.TryGetValue("id", out var idDef) && ReferenceEquals(schema, idDef))
        {
            var owner = value.Parent?.Parent as JObject;
            var kind = owner is null ? null : StepKind(owner);
            return $"invalid {(kind is null ? "" : kind + " ")}id '{got}': {hint}{LowerCaseHint(got, IdPattern)}";
        }

        if (schema is not null && defs.TryGetValue("stepRef", out var refDef) && ReferenceEquals(schema, refDef))
        {
            return $"invalid step reference '{got}'{Context(value)}: {StepRefHint}{LowerCaseHint(got, refDef.Pattern!)}";
        }

        if (value.Parent is JArray && value.Parent.Parent is JProperty { Name: "characters" })
        {
            return $"invalid character id '{got}'{Context(value)}: {hint}{LowerCaseHint(got, IdPattern)}";
        }

        var subject = Subject(value) + Context(value);
        return hint is not null && hint.StartsWith("must ", StringComparison.Ordinal)
            ? $"{subject} {hint} (got '{got}')"
            : $"{subject} has an invalid value '{got}'{(hint is null ? "" : ": " + hint)}";
    }

    /// <summary>
    /// What each pattern of the schema asks for, in words. The schema holds standard keywords only (it compiles in ajv's
    /// strict mode without additions), so the words live here rather than in a custom keyword beside the pattern.
    /// </summary>
    private static readonly Dictionary<string, string> s_patternHints = new(StringComparer.Ordinal)
    {
        [IdPattern] = "ids are lower-case letters, digits and '-', starting with a letter or digit",
        ["^[0-9]+x[0-9]+$"] = "must look like 1280x720",
        [@"\.mp4$"] = "must end in .mp4",
    };

    private const string StepRefHint = "write a step id, optionally with a matrix cell and a take: 'open', 'open#2', 'pour[light=dawn]', 'pour[light=dawn]#2'";

    /// <summary>The pattern of step and character ids.</summary>
    public const string IdPattern = "^[a-z0-9][a-z0-9-]*$";

    /// <summary>The pattern of matrix axis names.</summary>
    public const string AxisPattern = "^[a-z_][a-z0-9_]*$";

    /// <summary>Keys people write for something the script language names otherwise, and what to write instead.</summary>
    private static readonly (string[] Keys, string Canonical, string Advice)[] s_synonyms =
    [
        (["duration", "length", "secs", "time"], "seconds", "Reel calls it 'seconds' (e.g. seconds: 8)"),
        (["aspect_ratio", "aspect-ratio", "aspectRatio", "aspect", "ratio", "resolution", "dimensions"], "size",
            "Reel sets the shape with 'size' in pixels (e.g. size: 1280x720 for 16:9, 720x1280 for 9:16)"),
        (["negative", "negative_prompt", "negative-prompt", "negativePrompt"], "options",
            "a negative prompt is a provider option: options: { negative_prompt: \"...\" }"),
        (["duck", "volume"], "music", "it belongs to the cut's music: music: { file: assets/bed.m4a, volume: -14, duck: true }"),
    ];

    /// <summary>" (… write 'seconds' …)" when <paramref name="key"/> is a known synonym of one of <paramref name="candidates"/>.</summary>
    public static string? Synonym(string key, IReadOnlyCollection<string> candidates)
    {
        foreach (var (keys, canonical, advice) in s_synonyms)
        {
            if (keys.Contains(key, StringComparer.OrdinalIgnoreCase) && candidates.Contains(canonical, StringComparer.Ordinal))
            {
                return $"; {advice}";
            }
        }

        return null;
    }

    /// <summary>Keys that also take a shorthand string; their examples read as schemas to NJsonSchema (they have a 'type').</summary>
    private static readonly Dictionary<string, string> s_shorthands = new(StringComparer.Ordinal)
    {
        ["transition"] = "{ type: crossfade, seconds: 0.5 }, or just its type (transition: crossfade)",
        ["music"] = "{ file: assets/bed.m4a, volume: -14, duck: true }, or just the file (music: assets/bed.m4a)",
    };

    /// <summary>" (use 'open')" when the lower-case form of a name that fails <paramref name="pattern"/> would pass it.</summary>
    public static string LowerCaseHint(string name, string pattern)
    {
        var lower = name.ToLowerInvariant();
        return lower != name && System.Text.RegularExpressions.Regex.IsMatch(lower, pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(100))
            ? $" (use '{lower}')"
            : "";
    }

    /// <summary>" such as { type: crossfade, seconds: 0.5 }" for a mapping or list expected where the schema has an example of it.</summary>
    public static string Shape(ValidationErrorKind kind, JsonSchema? schema, string? key)
    {
        if (kind == ValidationErrorKind.ObjectExpected && key is not null && s_shorthands.TryGetValue(key, out var shape))
        {
            return " such as " + shape;
        }

        if (kind is not (ValidationErrorKind.ObjectExpected or ValidationErrorKind.ArrayExpected)
            || schema?.ExtensionData?.TryGetValue("examples", out var examples) != true
            || examples is not IEnumerable<object?> list
            || list.FirstOrDefault() is not { } first)
        {
            return "";
        }

        return " such as " + FlowYaml(first);
    }

    /// <summary>A schema example as YAML flow text: <c>{ type: crossfade, seconds: 0.5 }</c>.</summary>
    private static string FlowYaml(object? value) => value switch
    {
        IDictionary<string, object?> map => "{ " + string.Join(", ", map.Select(kv => $"{kv.Key}: {FlowYaml(kv.Value)}")) + " }",
        JObject obj => "{ " + string.Join(", ", obj.Properties().Select(p => $"{p.Name}: {FlowYaml(p.Value)}")) + " }",
        JArray arr => "[" + string.Join(", ", arr.Select(FlowYaml)) + "]",
        JValue { Value: bool b } => b ? "true" : "false",
        JValue { Value: string s } => s,
        JValue v => Convert.ToString(v.Value, CultureInfo.InvariantCulture) ?? "",
        string s => s,
        bool b => b ? "true" : "false",
        IEnumerable<object?> items => "[" + string.Join(", ", items.Select(FlowYaml)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    public string TypeMessage(JToken value, string subject, string expected)
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

    public static string Expected(ValidationErrorKind kind) => kind switch
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

    public static string Expected(JsonObjectType type) => type switch
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

    public static int TypeOrder(JsonObjectType type) => type switch
    {
        JsonObjectType.String => 0,
        JsonObjectType.Integer => 1,
        JsonObjectType.Number => 2,
        JsonObjectType.Boolean => 3,
        JsonObjectType.Array => 4,
        JsonObjectType.Object => 5,
        _ => 6,
    };

    public static string StripArticle(string text) =>
        text.StartsWith("a ", StringComparison.Ordinal) ? text[2..] : text.StartsWith("an ", StringComparison.Ordinal) ? text[3..] : text;

    public static string Range(decimal? min, decimal? max) => (min, max) switch
    {
        ({ } lo, { } hi) => $"between {lo.ToString(CultureInfo.InvariantCulture)} and {hi.ToString(CultureInfo.InvariantCulture)}",
        ({ } lo, null) => $"at least {lo.ToString(CultureInfo.InvariantCulture)}",
        (null, { } hi) => $"at most {hi.ToString(CultureInfo.InvariantCulture)}",
        _ => "in range",
    };

    public static string CountMessage(string subject, int min, int max, int actual, string unit)
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

    /// <summary>How the value was written in the YAML, for quoting back to the user.</summary>
    public string Raw(JToken value) => json.NodeOf(value) switch
    {
        YScalar s => s.Value,
        YSequence => "[…]",
        YMapping => "{…}",
        _ => value.ToString(Newtonsoft.Json.Formatting.None),
    };

    /// <summary><c>'seconds'</c>, <c>item 2 of 'shots'</c>.</summary>
    public static string Subject(JToken value) => value.Parent switch
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
    public string Context(JToken token)
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
    public string Noun(JObject o)
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

    public static string Humanize(ValidationErrorKind kind)
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

    public static string JoinOr(IEnumerable<string> items) => Join(items, "or");

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
}
