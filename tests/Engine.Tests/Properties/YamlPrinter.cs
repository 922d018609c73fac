using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Reel.Engine.Tests.Properties;

/// <summary>A YAML value as data: what a document means, not how it is spelled.</summary>
internal abstract record YVal;

/// <summary>A string; the printer picks any spelling that YAML reads back as the same string.</summary>
internal sealed record YStr(string Value) : YVal;

/// <summary>An integer; always a plain scalar (quoted, it would become a string).</summary>
internal sealed record YNum(int Value) : YVal;

internal sealed record YSeq(IReadOnlyList<YVal> Items) : YVal;

/// <summary>A mapping; unless <paramref name="Ordered"/>, its key order carries no meaning and is shuffled.</summary>
internal sealed record YMap(IReadOnlyList<(string Key, YVal Value)> Entries, bool Ordered = false) : YVal;

/// <summary>
/// Prints a <see cref="YVal"/> tree in one of many equivalent YAML surface forms: key order,
/// plain / single- / double-quoted / literal scalars, flow or block collections, indentless
/// sequences, comments, blank lines and indentation width all vary with the seed.
/// </summary>
internal sealed partial class YamlPrinter
{
    private readonly Random? _random;
    private readonly int _width;
    private readonly StringBuilder _out = new();

    private YamlPrinter(Random? random, int width)
    {
        _random = random;
        _width = width;
    }

    /// <summary>Block style, keys in model order, plain scalars where possible, two-space indents.</summary>
    public static YamlPrinter Canonical => new(null, 2);

    public static YamlPrinter Random(int seed)
    {
        var r = new Random(seed);
        return new YamlPrinter(r, r.Next(2, 5));
    }

    public string Print(YMap root)
    {
        _out.Clear();
        if (Chance(0.5))
        {
            _out.Append("# yaml-language-server: $schema=../../schemas/reel.schema.json\n");
        }

        if (Chance(0.3))
        {
            _out.Append("---\n");
        }

        if (Chance(0.05))
        {
            _out.Append(Flow(root)).Append('\n');
        }
        else
        {
            BlockMap(root, 0, firstInline: false);
        }

        if (Chance(0.3))
        {
            _out.Append("\n# the end\n");
        }

        return _out.ToString();
    }

    private bool Chance(double p) => _random is not null && _random.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> options) => _random is null ? options[0] : options[_random.Next(options.Count)];

    private IEnumerable<(string Key, YVal Value)> Order(YMap map) =>
        map.Ordered || _random is null ? map.Entries : map.Entries.OrderBy(_ => _random.Next()).ToList();

    private void Spaces(int n) => _out.Append(' ', n);

    private void Decorate(int indent)
    {
        if (Chance(0.08))
        {
            _out.Append('\n');
        }

        if (Chance(0.08))
        {
            Spaces(indent);
            _out.Append("# note: {{ not a template }} 'x' - y\n");
        }
    }

    private void TrailingComment()
    {
        if (Chance(0.12))
        {
            _out.Append("  # why: because");
        }
    }

    private void BlockMap(YMap map, int indent, bool firstInline)
    {
        var first = true;
        foreach (var (key, value) in Order(map))
        {
            if (!(first && firstInline))
            {
                Decorate(indent);
                Spaces(indent);
            }

            first = false;
            _out.Append(Key(key)).Append(':');
            AfterKey(value, indent);
        }
    }

    private void AfterKey(YVal value, int indent)
    {
        switch (value)
        {
            case YStr s when s.Value.Contains('\n', StringComparison.Ordinal) ? LiteralOk(s.Value) && (_random is null || Chance(0.6)) : LiteralOk(s.Value) && Chance(0.1):
                _out.Append(" |-");
                TrailingComment();
                _out.Append('\n');
                foreach (var line in s.Value.Split('\n'))
                {
                    if (line.Length > 0)
                    {
                        Spaces(indent + _width);
                        _out.Append(line);
                    }

                    _out.Append('\n');
                }

                break;
            case YStr or YNum:
                _out.Append(' ').Append(Scalar(value, flow: false));
                TrailingComment();
                _out.Append('\n');
                break;
            case YMap { Entries.Count: 0 } or YSeq { Items.Count: 0 }:
            case YMap or YSeq when Chance(0.25):
                _out.Append(' ').Append(Flow(value));
                TrailingComment();
                _out.Append('\n');
                break;
            case YMap m:
                TrailingComment();
                _out.Append('\n');
                BlockMap(m, indent + _width, firstInline: false);
                break;
            case YSeq q:
                TrailingComment();
                _out.Append('\n');
                BlockSeq(q, Chance(0.3) ? indent : indent + _width);
                break;
        }
    }

    private void BlockSeq(YSeq seq, int indent)
    {
        foreach (var item in seq.Items)
        {
            Decorate(indent);
            Spaces(indent);
            _out.Append('-');
            Spaces(_width - 1);
            switch (item)
            {
                case YMap { Entries.Count: > 0 } m when !Chance(0.2):
                    BlockMap(m, indent + _width, firstInline: true);
                    break;
                case YMap or YSeq:
                    _out.Append(Flow(item));
                    TrailingComment();
                    _out.Append('\n');
                    break;
                default:
                    _out.Append(Scalar(item, flow: false));
                    TrailingComment();
                    _out.Append('\n');
                    break;
            }
        }
    }

    private string Flow(YVal value)
    {
        var pad = Chance(0.5) ? " " : "";
        var comma = Pick([", ", ",", " , "]);
        return value switch
        {
            YSeq q => "[" + pad + string.Join(comma, q.Items.Select(Flow)) + pad + "]",
            YMap m => "{" + pad + string.Join(comma, Order(m).Select(e => Key(e.Key, flow: true) + ": " + Flow(e.Value))) + pad + "}",
            _ => Scalar(value, flow: true),
        };
    }

    private string Key(string key, bool flow = false)
    {
        var options = new List<string>();
        if (PlainOk(key, flow))
        {
            options.Add(key);
        }

        options.Add(SingleQuoted(key));
        options.Add(DoubleQuoted(key));
        return Pick(options);
    }

    private string Scalar(YVal value, bool flow)
    {
        if (value is YNum n)
        {
            return n.Value.ToString(CultureInfo.InvariantCulture);
        }

        var s = ((YStr)value).Value;
        var options = new List<string>();
        if (PlainOk(s, flow))
        {
            options.Add(s);
        }

        if (!s.Contains('\n', StringComparison.Ordinal))
        {
            options.Add(SingleQuoted(s));
        }

        options.Add(DoubleQuoted(s));
        return Pick(options);
    }

    private static string SingleQuoted(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string DoubleQuoted(string s) =>
        "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    /// <summary>Conservative: a plain scalar that YAML reads back as this exact string (and not as a number, bool or null).</summary>
    private static bool PlainOk(string s, bool flow) =>
        s.Length > 0
        && (char.IsLetterOrDigit(s[0]) || s[0] is '.' or '/')
        && s[^1] != ' ' && s[^1] != ':'
        && !s.Contains('\n', StringComparison.Ordinal) && !s.Contains('\t', StringComparison.Ordinal)
        && !s.Contains(": ", StringComparison.Ordinal) && !s.Contains(" #", StringComparison.Ordinal)
        && !(flow && s.AsSpan().IndexOfAny(",[]{}:#") >= 0)
        && !NotAString().IsMatch(s);

    private static bool LiteralOk(string s) =>
        s.Length > 0 && !s.Contains('\t', StringComparison.Ordinal) && !s.Contains('\r', StringComparison.Ordinal)
        && s.Split('\n').All(line => line.Length > 0 && line[0] != ' ' && line[^1] != ' ');

    [GeneratedRegex(@"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~|yes|no|on|off|y|n|Yes|No|On|Off)$")]
    private static partial Regex NotAString();
}
