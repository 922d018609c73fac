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
    internal static JValue Typed(YScalar scalar)
    {
        if (scalar.Kind != ScalarKind.Plain)
        {
            return new JValue(scalar.Value);
        }

        if (scalar.IsNull)
        {
            return JValue.CreateNull();
        }

        var v = scalar.Value;
        switch (v)
        {
            case "true" or "True" or "TRUE":
                return new JValue(true);
            case "false" or "False" or "FALSE":
                return new JValue(false);
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return new JValue(double.PositiveInfinity);
            case "-.inf" or "-.Inf" or "-.INF":
                return new JValue(double.NegativeInfinity);
            case ".nan" or ".NaN" or ".NAN":
                return new JValue(double.NaN);
        }

        if (DecimalInt().IsMatch(v))
        {
            return long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? new JValue(l)
                : new JValue(double.Parse(v, CultureInfo.InvariantCulture));
        }

        if (OctalInt().IsMatch(v))
        {
            return Integer(v[2..], 8);
        }

        if (HexInt().IsMatch(v))
        {
            return Integer(v[2..], 16);
        }

        if (Float().IsMatch(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return new JValue(d);
        }

        return new JValue(v);
    }

    /// <summary>A hex or octal integer: a long when it fits, else (like a long decimal) a double, so the schema sees a number.</summary>
    private static JValue Integer(string digits, int radix)
    {
        var value = BigInteger.Zero;
        foreach (var c in digits)
        {
            value = (value * radix) + (c <= '9' ? c - '0' : (char.ToLowerInvariant(c) - 'a') + 10);
        }

        return value <= long.MaxValue ? new JValue((long)value) : new JValue((double)value);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex DecimalInt();

    [GeneratedRegex(@"^0o[0-7]+$")]
    private static partial Regex OctalInt();

    [GeneratedRegex(@"^0x[0-9a-fA-F]+$")]
    private static partial Regex HexInt();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    [GeneratedRegex(@"(?:^|\.)(?<name>[^.\[\]]+)|\[(?<index>[0-9]+)\]")]
    private static partial Regex PathSegment();
}
