using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Reel.Engine.Scripts;

/// <content>The compiled rules and the proof itself, walked over the <see cref="YNode"/>s.</content>
internal sealed partial class SchemaProof
{
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

        // 0: not worked out yet; 1: the rule is a bare '$ref'; 2: it is not. Worked out on first use, once compiled.
        private int _bareRef;

        /// <summary>
        /// A rule that is only a <c>$ref</c> proves what its target proves: every check of its own passes, or fails only where
        /// the target's same check fails (a float out of range). Most of the schema's rules are; answering for them at once
        /// saves a second walk of each mapping's entries and a second classification of each scalar.
        /// </summary>
        private bool IsBareRef
        {
            get
            {
                if (_bareRef == 0)
                {
                    _bareRef = !IsUnknown && Ref is not null && Types == JsonTypes.None && Properties is null && PatternProperties is null
                        && !NoAdditionalProperties && AdditionalProperties is null && Required is null && Items is null && Enum is null
                        && Const is null && Pattern is null && MinLength is null && MaxLength is null && MinItems is null && MaxItems is null
                        && MinProperties is null && MaxProperties is null && !UniqueItems && Minimum is null && Maximum is null
                        && ExclusiveMinimum is null && ExclusiveMaximum is null && OneOf is null && AllOf is null ? 1 : 2;
                }

                return _bareRef == 1;
            }
        }

        /// <summary>True only when <paramref name="node"/> certainly satisfies this rule.</summary>
        public bool Proves(YNode node)
        {
            if (IsBareRef)
            {
                return Ref!.Proves(node);
            }

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

            if (Properties is null && PatternProperties is null && !NoAdditionalProperties && AdditionalProperties is null)
            {
                // No entry can fail: nothing to check by name.
                return true;
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
