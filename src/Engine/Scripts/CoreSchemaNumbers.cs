namespace Reel.Engine.Scripts;

/// <summary>
/// The YAML 1.2 core schema's number forms, matched by hand: a generated regex costs a cold process the set-up of the
/// assembly's regex helpers (a few milliseconds of <c>reel validate</c>). Each method reads as the regular expression
/// it replaces, whose <c>$</c> also matches before one final <c>\n</c>.
/// </summary>
internal static class CoreSchemaNumbers
{
    /// <summary><c>^[-+]?[0-9]+$</c></summary>
    internal static bool IsDecimalInt(string value)
    {
        var v = WithoutFinalNewline(value);
        var i = v.Length > 0 && v[0] is '-' or '+' ? 1 : 0;
        return Digits(v, ref i) > 0 && i == v.Length;
    }

    /// <summary><c>^0o[0-7]+$</c> (<paramref name="marker"/> 'o') or <c>^0x[0-9a-fA-F]+$</c> (<paramref name="marker"/> 'x').</summary>
    internal static bool IsRadixInt(string value, char marker)
    {
        var v = WithoutFinalNewline(value);
        if (v.Length < 3 || v[0] != '0' || v[1] != marker)
        {
            return false;
        }

        foreach (var c in v[2..])
        {
            if (!(marker == 'o' ? c is >= '0' and <= '7' : char.IsAsciiHexDigit(c)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$</c></summary>
    internal static bool IsFloat(string value)
    {
        var v = WithoutFinalNewline(value);
        var i = v.Length > 0 && v[0] is '-' or '+' ? 1 : 0;
        if (i < v.Length && v[i] == '.')
        {
            i++;
            if (Digits(v, ref i) == 0)
            {
                return false;
            }
        }
        else
        {
            if (Digits(v, ref i) == 0)
            {
                return false;
            }

            if (i < v.Length && v[i] == '.')
            {
                i++;
                Digits(v, ref i);
            }
        }

        if (i < v.Length && v[i] is 'e' or 'E')
        {
            i++;
            if (i < v.Length && v[i] is '-' or '+')
            {
                i++;
            }

            if (Digits(v, ref i) == 0)
            {
                return false;
            }
        }

        return i == v.Length;
    }

    private static ReadOnlySpan<char> WithoutFinalNewline(string value) =>
        value.EndsWith('\n') ? value.AsSpan(0, value.Length - 1) : value.AsSpan();

    /// <summary>Skips ASCII digits from <paramref name="i"/>; how many.</summary>
    private static int Digits(ReadOnlySpan<char> v, ref int i)
    {
        var start = i;
        while (i < v.Length && char.IsAsciiDigit(v[i]))
        {
            i++;
        }

        return i - start;
    }
}
