using System.Globalization;
using System.Text.Json;
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
        "patternErrorMessage", "errorMessage", "deprecated", "definitions", "markdownEnumDescriptions", "enumDescriptions",
    };

    private readonly Dictionary<string, Rule> _definitions = new(StringComparer.Ordinal);

    private SchemaProof(JsonElement root)
    {
        if (root.TryGetProperty("definitions", out var definitions) && definitions.ValueKind == JsonValueKind.Object)
        {
            foreach (var d in definitions.EnumerateObject())
            {
                _definitions[d.Name] = new Rule();
            }

            foreach (var d in definitions.EnumerateObject())
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

    /// <summary>Compiles the schema text (System.Text.Json, no reflection: a few milliseconds cold).</summary>
    public static SchemaProof Parse(string schemaText)
    {
        using var doc = JsonDocument.Parse(schemaText);
        return new SchemaProof(doc.RootElement);
    }

    private Rule Compile(JsonElement schema, Rule rule)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            rule.IsUnknown = true;
            return rule;
        }

        foreach (var p in schema.EnumerateObject())
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "type":
                    rule.Types = v.ValueKind == JsonValueKind.Array
                        ? v.EnumerateArray().Aggregate(JsonTypes.None, (t, e) => t | TypeOf(e))
                        : TypeOf(v);
                    if (rule.Types == JsonTypes.None)
                    {
                        rule.IsUnknown = true;
                    }

                    break;
                case "$ref":
                    var target = v.GetString() ?? "";
                    if (target.StartsWith("#/definitions/", StringComparison.Ordinal) && _definitions.TryGetValue(target["#/definitions/".Length..], out var r))
                    {
                        rule.Ref = r;
                    }
                    else
                    {
                        rule.IsUnknown = true;
                    }

                    break;
                case "properties":
                    rule.Properties = new Dictionary<string, Rule>(StringComparer.Ordinal);
                    foreach (var prop in v.EnumerateObject())
                    {
                        rule.Properties[prop.Name] = Compile(prop.Value, new Rule());
                    }

                    break;
                case "patternProperties":
                    rule.PatternProperties = [.. v.EnumerateObject().Select(pp => (new Regex(pp.Name), Compile(pp.Value, new Rule())))];
                    break;
                case "additionalProperties":
                    if (v.ValueKind == JsonValueKind.False)
                    {
                        rule.NoAdditionalProperties = true;
                    }
                    else if (v.ValueKind != JsonValueKind.True)
                    {
                        rule.AdditionalProperties = Compile(v, new Rule());
                    }

                    break;
                case "required":
                    rule.Required = [.. v.EnumerateArray().Select(e => e.GetString() ?? "")];
                    break;
                case "items" when v.ValueKind == JsonValueKind.Object:
                    rule.Items = Compile(v, new Rule());
                    break;
                case "enum":
                    rule.Enum = [.. v.EnumerateArray().Select(e => e.Clone())];
                    break;
                case "const":
                    rule.Const = [v.Clone()];
                    break;
                case "pattern":
                    rule.Pattern = new Regex(v.GetString() ?? "");
                    break;
                case "minLength":
                    rule.MinLength = v.GetInt32();
                    break;
                case "maxLength":
                    rule.MaxLength = v.GetInt32();
                    break;
                case "minItems":
                    rule.MinItems = v.GetInt32();
                    break;
                case "maxItems":
                    rule.MaxItems = v.GetInt32();
                    break;
                case "minProperties":
                    rule.MinProperties = v.GetInt32();
                    break;
                case "maxProperties":
                    rule.MaxProperties = v.GetInt32();
                    break;
                case "uniqueItems":
                    rule.UniqueItems = v.ValueKind == JsonValueKind.True;
                    break;
                case "minimum":
                    rule.Minimum = v.GetDouble();
                    break;
                case "maximum":
                    rule.Maximum = v.GetDouble();
                    break;
                case "exclusiveMinimum" when v.ValueKind == JsonValueKind.Number:
                    rule.ExclusiveMinimum = v.GetDouble();
                    break;
                case "exclusiveMaximum" when v.ValueKind == JsonValueKind.Number:
                    rule.ExclusiveMaximum = v.GetDouble();
                    break;
                case "oneOf":
                    rule.OneOf = [.. v.EnumerateArray().Select(e => Compile(e, new Rule()))];
                    break;
                default:
                    if (!s_annotations.Contains(p.Name))
                    {
                        // A keyword this proof does not know: never prove anything under it.
                        rule.IsUnknown = true;
                    }

                    break;
            }
        }

        return rule;
    }

    private static JsonTypes TypeOf(JsonElement e) => e.GetString() switch
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

        public (Regex Pattern, Rule Rule)[]? PatternProperties { get; set; }

        public bool NoAdditionalProperties { get; set; }

        public Rule? AdditionalProperties { get; set; }

        public string[]? Required { get; set; }

        public Rule? Items { get; set; }

        public JsonElement[]? Enum { get; set; }

        public JsonElement[]? Const { get; set; }

        public Regex? Pattern { get; set; }

        public int? MinLength { get; set; }

        public int? MaxLength { get; set; }

        public int? MinItems { get; set; }

        public int? MaxItems { get; set; }

        public int? MinProperties { get; set; }

        public int? MaxProperties { get; set; }

        public bool UniqueItems { get; set; }

        public double? Minimum { get; set; }

        public double? Maximum { get; set; }

        public double? ExclusiveMinimum { get; set; }

        public double? ExclusiveMaximum { get; set; }

        public Rule[]? OneOf { get; set; }

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

        private bool ProvesObject(YMapping map)
        {
            if (Types != JsonTypes.None && (Types & JsonTypes.Object) == 0)
            {
                return false;
            }

            if (Enum is not null || Const is not null)
            {
                return false;
            }

            var count = map.Entries.Length;
            if (count < (MinProperties ?? 0) || count > (MaxProperties ?? int.MaxValue))
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
                    foreach (var (pattern, rule) in PatternProperties)
                    {
                        if (pattern.IsMatch(name))
                        {
                            matched = true;
                            if (!rule.Proves(entry.Value))
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
            if (Types != JsonTypes.None && (Types & JsonTypes.Array) == 0)
            {
                return false;
            }

            if (Enum is not null || Const is not null)
            {
                return false;
            }

            var count = seq.Items.Length;
            if (count < (MinItems ?? 0) || count > (MaxItems ?? int.MaxValue))
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

            return MatchesAll(Enum, e => e.ValueKind == JsonValueKind.String && e.GetString() == value)
                && MatchesAll(Const, e => e.ValueKind == JsonValueKind.String && e.GetString() == value);
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

            return MatchesAll(Enum, e => isInteger && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var x) && x == integer)
                && MatchesAll(Const, e => isInteger && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var x) && x == integer);
        }

        /// <summary>For <c>enum</c> (one of) and <c>const</c> (a one-element list): true when absent or one matches.</summary>
        private static bool MatchesAll(JsonElement[]? allowed, Func<JsonElement, bool> match) =>
            allowed is null || allowed.Any(match);

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
