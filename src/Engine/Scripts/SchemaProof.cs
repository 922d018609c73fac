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
internal sealed class SchemaProof
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

    /// <summary>One compiled (sub)schema.</summary>
    internal sealed class Rule
    {
        public static readonly Rule Unknown = new() { IsUnknown = true };

        public bool IsUnknown { get; set; }

        public JsonTypes Types { get; set; }

        public Rule? Ref { get; set; }

        public Dictionary<string, Rule>? Properties { get; set; }

        public List<PatternRule>? PatternProperties { get; set; }

        public bool NoAdditionalProperties { get; set; }

        public Rule? AdditionalProperties { get; set; }

        public List<string>? Required { get; set; }

        public Rule? Items { get; set; }

        public List<object?>? Enum { get; set; }

        public List<object?>? Const { get; set; }

        public Regex? Pattern { get; set; }

        public double? MinLength { get; set; }

        public double? MaxLength { get; set; }

        public double? MinItems { get; set; }

        public double? MaxItems { get; set; }

        public double? MinProperties { get; set; }

        public double? MaxProperties { get; set; }

        public bool UniqueItems { get; set; }

        public double? Minimum { get; set; }

        public double? Maximum { get; set; }

        public double? ExclusiveMinimum { get; set; }

        public double? ExclusiveMaximum { get; set; }

        public List<Rule>? OneOf { get; set; }

        public List<Rule>? AllOf { get; set; }

        /// <summary>True only when <paramref name="node"/> certainly satisfies this rule.</summary>
        public bool Proves(YNode node)
        {
            if (IsUnknown || (Ref is not null && !Ref.Proves(node)))
            {
                return false;
            }

            if (OneOf is not null && !ProvesOneOf(node))
            {
                return false;
            }

            if (AllOf is not null)
            {
                foreach (var rule in AllOf)
                {
                    if (!rule.Proves(node))
                    {
                        return false;
                    }
                }
            }

            return node switch
            {
                YMapping map => ProvesObject(map),
                YSequence seq => ProvesArray(seq),
                YScalar scalar => ProvesScalar(scalar),
                _ => false,
            };
        }

        /// <summary>True only when <paramref name="node"/> certainly fails this rule (a wrong type).</summary>
        private bool Refutes(YNode node)
        {
            var rule = this;
            while (rule.Types == JsonTypes.None && rule.Ref is not null && !rule.IsUnknown)
            {
                rule = rule.Ref;
            }

            if (rule.Types == JsonTypes.None)
            {
                return false;
            }

            var type = node switch
            {
                YMapping => JsonTypes.Object,
                YSequence => JsonTypes.Array,
                YScalar s => SchemaJson.Classify(s, out _, out _) switch
                {
                    ScalarType.Null => JsonTypes.Null,
                    ScalarType.Boolean => JsonTypes.Boolean,
                    ScalarType.Integer => JsonTypes.Integer | JsonTypes.Number,
                    ScalarType.Float => JsonTypes.Number,
                    _ => JsonTypes.String,
                },
                _ => JsonTypes.None,
            };
            return type != JsonTypes.None && (rule.Types & type) == 0;
        }

        private bool ProvesOneOf(YNode node)
        {
            var proven = 0;
            foreach (var branch in OneOf!)
            {
                if (branch.Proves(node))
                {
                    proven++;
                }
                else if (!branch.Refutes(node))
                {
                    return false;
                }
            }

            return proven == 1;
        }

        /// <summary>A mapping or a sequence may pass: its type is allowed, and no enum or const (this proof leaves those to NJsonSchema).</summary>
        private bool AdmitsCollection(JsonTypes type) => (Types == JsonTypes.None || (Types & type) != 0) && Enum is null && Const is null;

        private bool ProvesObject(YMapping map)
        {
            if (!AdmitsCollection(JsonTypes.Object))
            {
                return false;
            }

            var count = map.Entries.Length;
            if (count < (MinProperties ?? 0) || count > (MaxProperties ?? double.MaxValue))
            {
                return false;
            }

            if (Required is not null)
            {
                foreach (var key in Required)
                {
                    if (map.Find(key) is null)
                    {
                        return false;
                    }
                }
            }

            foreach (var entry in map.Entries)
            {
                var name = entry.Key.Value;
                var matched = false;
                if (Properties is not null && Properties.TryGetValue(name, out var property))
                {
                    matched = true;
                    if (!property.Proves(entry.Value))
                    {
                        return false;
                    }
                }

                if (PatternProperties is not null)
                {
                    foreach (var pp in PatternProperties)
                    {
                        if (pp.Pattern.IsMatch(name))
                        {
                            matched = true;
                            if (!pp.Rule.Proves(entry.Value))
                            {
                                return false;
                            }
                        }
                    }
                }

                if (!matched)
                {
                    if (NoAdditionalProperties)
                    {
                        return false;
                    }

                    if (AdditionalProperties is not null && !AdditionalProperties.Proves(entry.Value))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private bool ProvesArray(YSequence seq)
        {
            if (!AdmitsCollection(JsonTypes.Array))
            {
                return false;
            }

            var count = seq.Items.Length;
            if (count < (MinItems ?? 0) || count > (MaxItems ?? double.MaxValue))
            {
                return false;
            }

            if (Items is not null)
            {
                foreach (var item in seq.Items)
                {
                    if (!Items.Proves(item))
                    {
                        return false;
                    }
                }
            }

            return !UniqueItems || ProvesUnique(seq);
        }

        /// <summary>
        /// Distinct by a canonical text of each scalar's typed value, which is stricter than any
        /// equality NJsonSchema may use (<c>"8"</c> and <c>8</c> count as equal here); non-scalars are not proven.
        /// </summary>
        private static bool ProvesUnique(YSequence seq)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in seq.Items)
            {
                if (item is not YScalar scalar)
                {
                    return false;
                }

                var text = SchemaJson.Classify(scalar, out var l, out var d) switch
                {
                    ScalarType.Null => "null",
                    ScalarType.Boolean => l != 0 ? "true" : "false",
                    ScalarType.Integer => l.ToString(CultureInfo.InvariantCulture),
                    ScalarType.Float => double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < 1e15 ? ((long)d).ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture),
                    _ => scalar.Value,
                };
                if (!seen.Add(text))
                {
                    return false;
                }
            }

            return true;
        }

        private bool ProvesScalar(YScalar scalar)
        {
            var type = SchemaJson.Classify(scalar, out var integer, out var number);
            switch (type)
            {
                case ScalarType.String:
                    return (Types == JsonTypes.None || (Types & JsonTypes.String) != 0)
                        && ProvesString(scalar.Value);
                case ScalarType.Integer:
                    return (Types == JsonTypes.None || (Types & (JsonTypes.Integer | JsonTypes.Number)) != 0)
                        && ProvesNumber(integer, isInteger: true, integer);
                case ScalarType.Float:
                    // Only plain decimals survive NJsonSchema's conversion to decimal without rounding.
                    return (Types == JsonTypes.None || (Types & JsonTypes.Number) != 0)
                        && double.IsFinite(number) && Math.Abs(number) < 1e6 && Math.Round(number, 6) == number
                        && ProvesNumber(number, isInteger: false, 0);
                case ScalarType.Boolean:
                    return (Types == JsonTypes.None || (Types & JsonTypes.Boolean) != 0)
                        && Enum is null && Const is null;
                default:
                    return (Types == JsonTypes.None || (Types & JsonTypes.Null) != 0)
                        && Enum is null && Const is null;
            }
        }

        private bool ProvesString(string value)
        {
            if (MinLength is { } min && min > 0)
            {
                // NJsonSchema may count text elements: a non-empty string has at least one, and
                // beyond one only plain ASCII is counted the same every way.
                if (value.Length < min || (min > 1 && !IsPrintableAscii(value)))
                {
                    return false;
                }
            }

            if (MaxLength is { } max && value.Length > max)
            {
                return false;
            }

            if (Pattern is not null && !Pattern.IsMatch(value))
            {
                return false;
            }

            return MatchesAll(Enum, value) && MatchesAll(Const, value);
        }

        private bool ProvesNumber(double value, bool isInteger, long integer)
        {
            if ((Minimum is { } min && !(value >= min)) || (Maximum is { } max && !(value <= max))
                || (ExclusiveMinimum is { } xmin && !(value > xmin)) || (ExclusiveMaximum is { } xmax && !(value < xmax)))
            {
                return false;
            }

            if (Pattern is not null || MinLength is not null || MaxLength is not null)
            {
                return false;
            }

            return (Enum is null && Const is null) || (isInteger && MatchesAll(Enum, integer) && MatchesAll(Const, integer));
        }

        /// <summary>For <c>enum</c> (one of) and <c>const</c> (a one-element list): true when absent or one is this string.</summary>
        private static bool MatchesAll(List<object?>? allowed, string value)
        {
            if (allowed is null)
            {
                return true;
            }

            foreach (var a in allowed)
            {
                if (a is string s && s == value)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The same for an integer: the schema's number must be exactly that integer.</summary>
        private static bool MatchesAll(List<object?>? allowed, long value)
        {
            if (allowed is null)
            {
                return true;
            }

            foreach (var a in allowed)
            {
                if (a is double d && Math.Abs(d) < 1e15 && d == value)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsPrintableAscii(string value)
        {
            foreach (var c in value)
            {
                if (c is < ' ' or > '~')
                {
                    return false;
                }
            }

            return true;
        }
    }
}

/// <summary>A <c>patternProperties</c> entry.</summary>
internal sealed record PatternRule(Regex Pattern, SchemaProof.Rule Rule);
