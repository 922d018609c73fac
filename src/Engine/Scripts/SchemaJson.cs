using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;

namespace Reel.Engine.Scripts;

/// <summary>
/// The JSON view of a YAML tree that the schema validates, with a way back from every
/// token to the YAML node (and every property to its key scalar) it was made from.
/// Scalars are typed by the YAML 1.2 core schema, so <c>seconds: 8</c> is a number and
/// <c>seconds: "8"</c> a string, exactly as an editor using the same schema sees them.
/// </summary>
internal sealed partial class SchemaJson
{
    private readonly Dictionary<JToken, YNode> _nodes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<JProperty, YScalar> _keys = new(ReferenceEqualityComparer.Instance);

    private SchemaJson(YNode root)
    {
        Root = Convert(root);
    }

    public JToken Root { get; }

    public static SchemaJson From(YNode root) => new(root);

    /// <summary>The YAML node a token was converted from (for a property: its value's node).</summary>
    public YNode? NodeOf(JToken? token) => token switch
    {
        null => null,
        JProperty p => NodeOf(p.Value),
        _ => _nodes.GetValueOrDefault(token),
    };

    /// <summary>The key scalar of a property.</summary>
    public YScalar? KeyOf(JProperty property) => _keys.GetValueOrDefault(property);

    /// <summary>The token at an NJsonSchema path such as <c>#/scenes[0].prompt</c>, as far as it exists.</summary>
    public JToken? Resolve(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var token = Root;
        var text = path.StartsWith("#/", StringComparison.Ordinal) ? path[2..] : path.TrimStart('#');
        foreach (Match m in PathSegment().Matches(text))
        {
            JToken? next = m.Groups["index"].Success
                ? token is JArray arr && int.TryParse(m.Groups["index"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < arr.Count ? arr[i] : null
                : token is JObject obj ? obj.Property(m.Groups["name"].Value, StringComparison.Ordinal)?.Value : null;
            if (next is null)
            {
                break;
            }

            token = next;
        }

        return token;
    }

    private JToken Convert(YNode node)
    {
        JToken token;
        switch (node)
        {
            case YMapping map:
                var obj = new JObject();
                foreach (var entry in map.Entries)
                {
                    var property = new JProperty(entry.Key.Value, Convert(entry.Value));
                    obj.Add(property);
                    _keys[property] = entry.Key;
                }

                token = obj;
                break;
            case YSequence seq:
                var arr = new JArray();
                foreach (var item in seq.Items)
                {
                    arr.Add(Convert(item));
                }

                token = arr;
                break;
            case YScalar scalar:
                token = Typed(scalar);
                break;
            default:
                throw new InvalidOperationException($"unexpected YAML node {node.GetType().Name}");
        }

        _nodes[token] = node;
        return token;
    }

    /// <summary>YAML 1.2 core schema: plain null/bool/int/float are typed, everything else is a string.</summary>
    internal static JValue Typed(YScalar scalar) => Classify(scalar, out var l, out var d) switch
    {
        ScalarType.Null => JValue.CreateNull(),
        ScalarType.Boolean => new JValue(l != 0),
        ScalarType.Integer => new JValue(l),
        ScalarType.Float => new JValue(d),
        _ => new JValue(scalar.Value),
    };

    /// <summary>
    /// The JSON type a scalar has under the YAML 1.2 core schema, without allocating a token:
    /// a boolean's value in <paramref name="integer"/> (1 or 0), an integer's in <paramref name="integer"/>,
    /// a float's in <paramref name="number"/>. <see cref="Typed"/> is built on it, so both agree.
    /// </summary>
    internal static ScalarType Classify(YScalar scalar, out long integer, out double number)
    {
        integer = 0;
        number = 0;
        if (scalar.Kind != ScalarKind.Plain)
        {
            return ScalarType.String;
        }

        if (scalar.IsNull)
        {
            return ScalarType.Null;
        }

        var v = scalar.Value;
        switch (v)
        {
            case "true" or "True" or "TRUE":
                integer = 1;
                return ScalarType.Boolean;
            case "false" or "False" or "FALSE":
                return ScalarType.Boolean;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                number = double.PositiveInfinity;
                return ScalarType.Float;
            case "-.inf" or "-.Inf" or "-.INF":
                number = double.NegativeInfinity;
                return ScalarType.Float;
            case ".nan" or ".NaN" or ".NAN":
                number = double.NaN;
                return ScalarType.Float;
        }

        // Most scalars are words: only a digit, sign or dot can start a number.
        if (v.Length == 0 || !(char.IsAsciiDigit(v[0]) || v[0] is '-' or '+' or '.'))
        {
            return ScalarType.String;
        }

        if (CoreSchemaNumbers.IsDecimalInt(v))
        {
            if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer))
            {
                return ScalarType.Integer;
            }

            number = double.Parse(v, CultureInfo.InvariantCulture);
            return ScalarType.Float;
        }

        if (CoreSchemaNumbers.IsRadixInt(v, 'o'))
        {
            return Integer(v[2..], 8, out integer, out number);
        }

        if (CoreSchemaNumbers.IsRadixInt(v, 'x'))
        {
            return Integer(v[2..], 16, out integer, out number);
        }

        if (CoreSchemaNumbers.IsFloat(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return ScalarType.Float;
        }

        number = 0;
        return ScalarType.String;
    }

    /// <summary>A hex or octal integer: a long when it fits, else (like a long decimal) a double, so the schema sees a number.</summary>
    private static ScalarType Integer(string digits, int radix, out long integer, out double number)
    {
        var value = BigInteger.Zero;
        foreach (var c in digits)
        {
            value = (value * radix) + (c <= '9' ? c - '0' : (char.ToLowerInvariant(c) - 'a') + 10);
        }

        integer = 0;
        number = 0;
        if (value <= long.MaxValue)
        {
            integer = (long)value;
            return ScalarType.Integer;
        }

        number = (double)value;
        return ScalarType.Float;
    }

    [GeneratedRegex(@"(?:^|\.)(?<name>[^.\[\]]+)|\[(?<index>[0-9]+)\]")]
    private static partial Regex PathSegment();
}

/// <summary>The JSON type of a YAML scalar (see <see cref="SchemaJson.Classify"/>).</summary>
internal enum ScalarType
{
    Null,
    Boolean,
    Integer,
    Float,
    String,
}
