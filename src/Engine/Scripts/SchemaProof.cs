using System.Globalization;
using System.Text.RegularExpressions;

namespace Reel.Engine.Scripts;

/// <summary>
/// A fast, conservative proof that a YAML tree is valid against the schema, walked directly over
/// the <see cref="YNode"/>s: no JToken tree, and no NJsonSchema load on the common path.
/// </summary>
/// <remarks>
/// Why: NJsonSchema's load costs ≈0.5 s in a cold process and its validation needs the whole tree
/// converted to <c>JToken</c>s. Almost every script is valid, and a valid script has no diagnostics,
/// so proving validity is enough to skip both. The proof is one-sided: it answers <c>true</c> only when
/// every keyword on the way is one it understands and the value satisfies it with margin (no rounding,
/// text-element or equality subtleties). Anything else — an unknown keyword, a failed or doubtful check —
/// answers <c>false</c>, and <see cref="SchemaValidator"/> then runs NJsonSchema, which alone words the
/// diagnostics. So the diagnostics of an invalid script are, by construction, NJsonSchema's as before.
/// </remarks>
internal sealed partial class SchemaProof
{
    private static readonly HashSet<string> s_annotations = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$comment", "title", "description", "examples", "default", "markdownDescription",
        "errorMessage", "deprecated", "definitions", "markdownEnumDescriptions", "enumDescriptions",
    };

    // The annotations are skipped by name; any other keyword whose value has an unexpected kind falls to the default case.

    /// <summary>True for a keyword that only annotates a schema: the proof passes over it, and the reader does not even read it.</summary>
    public static bool IsAnnotation(string keyword) => s_annotations.Contains(keyword);

    private readonly Dictionary<string, Rule> _definitions = new(StringComparer.Ordinal);

    private SchemaProof(SchemaObject root)
    {
        if (root.Get("definitions") is SchemaObject definitions)
        {
            foreach (var d in definitions)
            {
                _definitions[d.Name] = new Rule();
            }

            foreach (var d in definitions)
            {
                Compile(d.Value, _definitions[d.Name]);
            }
        }

        Script = Compile(root, new Rule());
        Include = _definitions.GetValueOrDefault("include") ?? Rule.Unknown;
    }

    /// <summary>The rule for a whole script.</summary>
    public Rule Script { get; }

    /// <summary>The rule for an included file.</summary>
    public Rule Include { get; }

    /// <summary>
    /// Compiles the schema text. A small reader of its own rather than System.Text.Json: in a cold process,
    /// generic code over value types is compiled by the JIT even with ReadyToRun, and that cost more than the reading.
    /// </summary>
    public static SchemaProof Parse(string schemaText) =>
        new(new JsonReader(schemaText, schema: true).ReadDocument() as SchemaObject ?? throw new FormatException("the schema is not a JSON object"));

    private Rule Compile(object? schema, Rule rule)
    {
        if (schema is not SchemaObject obj)
        {
            rule.IsUnknown = true;
            return rule;
        }

        foreach (var p in obj)
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "type":
                    if (v is List<object?> types)
                    {
                        foreach (var t in types)
                        {
                            rule.Types |= TypeOf(t);
                        }
                    }
                    else
                    {
                        rule.Types = TypeOf(v);
                    }

                    if (rule.Types == JsonTypes.None)
                    {
                        rule.IsUnknown = true;
                    }

                    break;
                case "$ref":
                    var target = v as string ?? "";
                    if (target.StartsWith("#/definitions/", StringComparison.Ordinal) && _definitions.TryGetValue(target["#/definitions/".Length..], out var r))
                    {
                        rule.Ref = r;
                    }
                    else
                    {
                        rule.IsUnknown = true;
                    }

                    break;
                case "properties" when v is SchemaObject properties:
                    rule.Properties = new Dictionary<string, Rule>(StringComparer.Ordinal);
                    foreach (var prop in properties)
                    {
                        rule.Properties[prop.Name] = Compile(prop.Value, new Rule());
                    }

                    break;
                case "patternProperties" when v is SchemaObject patterns:
                    rule.PatternProperties = [];
                    foreach (var pp in patterns)
                    {
                        rule.PatternProperties.Add(new PatternRule(new Regex(pp.Name), Compile(pp.Value, new Rule())));
                    }

                    break;
                case "additionalProperties":
                    if (v is false)
                    {
                        rule.NoAdditionalProperties = true;
                    }
                    else if (v is not true)
                    {
                        rule.AdditionalProperties = Compile(v, new Rule());
                    }

                    break;
                case "required" when v is List<object?> required:
                    rule.Required = [];
                    foreach (var key in required)
                    {
                        rule.Required.Add(key as string ?? "");
                    }

                    break;
                case "items" when v is SchemaObject:
                    rule.Items = Compile(v, new Rule());
                    break;
                case "enum" when v is List<object?> values:
                    rule.Enum = values;
                    break;
                case "const":
                    rule.Const = [v];
                    break;
                case "pattern" when v is string pattern:
                    rule.Pattern = new Regex(pattern);
                    break;
                case "minLength" when v is double n:
                    rule.MinLength = n;
                    break;
                case "maxLength" when v is double n:
                    rule.MaxLength = n;
                    break;
                case "minItems" when v is double n:
                    rule.MinItems = n;
                    break;
                case "maxItems" when v is double n:
                    rule.MaxItems = n;
                    break;
                case "minProperties" when v is double n:
                    rule.MinProperties = n;
                    break;
                case "maxProperties" when v is double n:
                    rule.MaxProperties = n;
                    break;
                case "uniqueItems":
                    rule.UniqueItems = v is true;
                    break;
                case "minimum" when v is double n:
                    rule.Minimum = n;
                    break;
                case "maximum" when v is double n:
                    rule.Maximum = n;
                    break;
                case "exclusiveMinimum" when v is double n:
                    rule.ExclusiveMinimum = n;
                    break;
                case "exclusiveMaximum" when v is double n:
                    rule.ExclusiveMaximum = n;
                    break;
                case "allOf" when v is List<object?> parts:
                    // Each part must hold. A part `{ if, then, else }` holds when `then` and `else` both hold, whatever `if`
                    // says: stricter than the schema, so still sound (the generated per-provider parts only annotate).
                    rule.AllOf = [];
                    foreach (var part in parts)
                    {
                        if (part is SchemaObject conditional && conditional.Get("if") is not null)
                        {
                            foreach (var branch in new[] { conditional.Get("then"), conditional.Get("else") }.Where(b => b is not null))
                            {
                                rule.AllOf.Add(Compile(branch, new Rule()));
                            }

                            if (conditional.Any(c => c.Name is not ("if" or "then" or "else") && !s_annotations.Contains(c.Name)))
                            {
                                rule.IsUnknown = true;
                            }
                        }
                        else
                        {
                            rule.AllOf.Add(Compile(part, new Rule()));
                        }
                    }

                    break;
                case "oneOf" when v is List<object?> branches:
                    rule.OneOf = [];
                    foreach (var b in branches)
                    {
                        rule.OneOf.Add(Compile(b, new Rule()));
                    }

                    break;
                default:
                    if (!s_annotations.Contains(p.Name))
                    {
                        // A keyword this proof does not know (or a known one with a value of an unexpected kind):
                        // never prove anything under it.
                        rule.IsUnknown = true;
                    }

                    break;
            }
        }

        return rule;
    }

    private static JsonTypes TypeOf(object? e) => e switch
    {
        "null" => JsonTypes.Null,
        "boolean" => JsonTypes.Boolean,
        "integer" => JsonTypes.Integer,
        "number" => JsonTypes.Number,
        "string" => JsonTypes.String,
        "object" => JsonTypes.Object,
        "array" => JsonTypes.Array,
        _ => JsonTypes.None,
    };

    [Flags]
    internal enum JsonTypes
    {
        None = 0,
        Null = 1,
        Boolean = 2,
        Integer = 4,
        Number = 8,
        String = 16,
        Object = 32,
        Array = 64,
    }
}

/// <summary>A <c>patternProperties</c> entry.</summary>
internal sealed record PatternRule(Regex Pattern, SchemaProof.Rule Rule);
