using System.Globalization;
using System.Text;

namespace Reel.Engine.Scripts;

/// <summary>A JSON object as read by <see cref="JsonReader"/>: its properties in order.</summary>
internal sealed class SchemaObject : List<SchemaProperty>
{
    public object? Get(string name)
    {
        foreach (var p in this)
        {
            if (p.Name == name)
            {
                return p.Value;
            }
        }

        return null;
    }
}

/// <summary>One property of a <see cref="SchemaObject"/>.</summary>
internal sealed record SchemaProperty(string Name, object? Value);

/// <summary>
/// Reads the schema's JSON into <see cref="SchemaObject"/>, <c>List&lt;object?&gt;</c>, string, double (boxed),
/// bool (boxed) and null. Strict enough for a file we ship; throws <see cref="FormatException"/> on anything else.
/// </summary>
internal sealed class JsonReader(string text)
{
    private int _at;

    public object? ReadDocument()
    {
        var value = ReadValue();
        SkipSpace();
        return _at == text.Length ? value : throw Error("text after the document");
    }

    private object? ReadValue()
    {
        SkipSpace();
        if (_at >= text.Length)
        {
            throw Error("unexpected end");
        }

        switch (text[_at])
        {
            case '{':
                _at++;
                var obj = new SchemaObject();
                SkipSpace();
                if (Peek('}'))
                {
                    return obj;
                }

                do
                {
                    SkipSpace();
                    var name = ReadString();
                    SkipSpace();
                    Expect(':');
                    obj.Add(new SchemaProperty(name, ReadValue()));
                    SkipSpace();
                }
                while (Peek(','));
                Expect('}');
                return obj;
            case '[':
                _at++;
                var list = new List<object?>();
                SkipSpace();
                if (Peek(']'))
                {
                    return list;
                }

                do
                {
                    list.Add(ReadValue());
                    SkipSpace();
                }
                while (Peek(','));
                Expect(']');
                return list;
            case '"':
                return ReadString();
            case 't' when Word("true"):
                return true;
            case 'f' when Word("false"):
                return false;
            case 'n' when Word("null"):
                return null;
            default:
                var start = _at;
                while (_at < text.Length && (char.IsAsciiDigit(text[_at]) || text[_at] is '-' or '+' or '.' or 'e' or 'E'))
                {
                    _at++;
                }

                return double.TryParse(text.AsSpan(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? d : throw Error("a value");
        }
    }

    private string ReadString()
    {
        Expect('"');
        var sb = new StringBuilder();
        while (_at < text.Length && text[_at] != '"')
        {
            var c = text[_at++];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (_at >= text.Length)
            {
                break;
            }

            var e = text[_at++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when _at + 4 <= text.Length:
                    sb.Append((char)int.Parse(text.AsSpan(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    _at += 4;
                    break;
                default: sb.Append(e); break;
            }
        }

        Expect('"');
        return sb.ToString();
    }

    private bool Word(string word)
    {
        if (string.CompareOrdinal(text, _at, word, 0, word.Length) != 0)
        {
            return false;
        }

        _at += word.Length;
        return true;
    }

    private bool Peek(char c)
    {
        if (_at < text.Length && text[_at] == c)
        {
            _at++;
            return true;
        }

        return false;
    }

    private void Expect(char c)
    {
        if (!Peek(c))
        {
            throw Error($"'{c}'");
        }
    }

    private void SkipSpace()
    {
        while (_at < text.Length && char.IsWhiteSpace(text[_at]))
        {
            _at++;
        }
    }

    private FormatException Error(string expected) => new($"schema JSON: expected {expected} at offset {_at}");
}
