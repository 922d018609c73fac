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
/// <remarks>
/// Read as a schema (<paramref name="schema"/>), the annotations of each (sub)schema — descriptions, examples,
/// defaults: <see cref="SchemaProof.IsAnnotation"/> — are stepped over, not read. They are most of the shipped text
/// and every cold <c>reel validate</c> reads it, while the proof never looks at them. Only where a keyword's value is a
/// schema (or a map of names to schemas) is an object taken as one; <c>enum</c>, <c>const</c> and any keyword the
/// proof does not know are read whole, so a property named <c>title</c> or an enum of objects stays as written.
/// </remarks>
internal sealed class JsonReader(string text, bool schema = false)
{
    private int _at;

    /// <summary>What a JSON value is to the proof.</summary>
    private enum Kind
    {
        /// <summary>Plain data: read as written.</summary>
        Data,

        /// <summary>A (sub)schema, or a list of them: its annotations are skipped.</summary>
        Schema,

        /// <summary>An object whose values are schemas (<c>properties</c>, <c>patternProperties</c>, <c>definitions</c>).</summary>
        Names,
    }

    public object? ReadDocument()
    {
        var value = ReadValue(schema ? Kind.Schema : Kind.Data);
        SkipSpace();
        return _at == text.Length ? value : throw Error("text after the document");
    }

    /// <summary>What the value of <paramref name="name"/> is, in an object of kind <paramref name="kind"/>.</summary>
    private static Kind Inner(Kind kind, string name) => kind switch
    {
        Kind.Names => Kind.Schema,
        Kind.Schema => name switch
        {
            "properties" or "patternProperties" or "definitions" => Kind.Names,
            "items" or "additionalProperties" or "allOf" or "oneOf" or "if" or "then" or "else" => Kind.Schema,
            _ => Kind.Data,
        },
        _ => Kind.Data,
    };

    private object? ReadValue(Kind kind)
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
                    if (kind == Kind.Schema && name != "definitions" && SchemaProof.IsAnnotation(name))
                    {
                        SkipValue();
                    }
                    else
                    {
                        obj.Add(new SchemaProperty(name, ReadValue(Inner(kind, name))));
                    }

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
                    list.Add(ReadValue(kind));
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

    /// <summary>Steps over one value, as strictly as it would be read, without building it.</summary>
    private void SkipValue()
    {
        SkipSpace();
        if (_at >= text.Length)
        {
            throw Error("unexpected end");
        }

        var open = text[_at];
        if (open is not ('{' or '['))
        {
            if (open == '"')
            {
                SkipString();
            }
            else
            {
                ReadValue(Kind.Data);
            }

            return;
        }

        var close = open == '{' ? '}' : ']';
        _at++;
        SkipSpace();
        if (Peek(close))
        {
            return;
        }

        do
        {
            if (close == '}')
            {
                SkipSpace();
                SkipString();
                SkipSpace();
                Expect(':');
            }

            SkipValue();
            SkipSpace();
        }
        while (Peek(','));
        Expect(close);
    }

    private void SkipString()
    {
        Expect('"');
        while (true)
        {
            var stop = text.AsSpan(_at).IndexOfAny('"', '\\');
            if (stop < 0)
            {
                _at = text.Length;
                throw Error("'\"'");
            }

            _at += stop + 1;
            if (text[_at - 1] == '"')
            {
                return;
            }

            if (_at >= text.Length)
            {
                throw Error("'\"'");
            }

            _at++; // the escaped character; the four digits of a \u escape need no stepping over
        }
    }

    private string ReadString()
    {
        Expect('"');
        StringBuilder? sb = null;
        while (true)
        {
            // Whole runs up to the next quote or backslash at a time: a string without escapes is one copy.
            var rest = text.AsSpan(_at);
            var stop = rest.IndexOfAny('"', '\\');
            if (stop < 0)
            {
                _at = text.Length;
                throw Error("'\"'");
            }

            _at += stop + 1;
            if (rest[stop] == '"')
            {
                return sb is null ? rest[..stop].ToString() : sb.Append(rest[..stop]).ToString();
            }

            sb ??= new StringBuilder();
            sb.Append(rest[..stop]);
            if (_at >= text.Length)
            {
                throw Error("'\"'");
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
