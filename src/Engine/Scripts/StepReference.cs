using System.Collections.Immutable;

namespace Reel.Engine.Scripts;

/// <summary>A parsed step reference: <c>id</c>, <c>id#2</c>, <c>id[axis=value,…]</c>, <c>id[axis=value]#2</c>.</summary>
public sealed record ParsedStepRef(string Id, ImmutableArray<KeyValuePair<string, string>> Selector, int? Take)
{
    /// <summary>
    /// Reads the grammar <c>^(?&lt;id&gt;[a-z0-9][a-z0-9-]*)(\[(?&lt;sel&gt;[^\]]*)\])?(#(?&lt;take&gt;[0-9]+))?$</c> by hand
    /// (its <c>$</c> also matches before one final <c>\n</c>): every reference of a script is parsed while binding and
    /// again while expanding, and the regular expression's match objects were a tenth of what planning allocates.
    /// </summary>
    public static ParsedStepRef? Parse(string text)
    {
        var body = text.EndsWith('\n') ? text.AsSpan(0, text.Length - 1) : text.AsSpan();
        var at = 0;
        while (at < body.Length && (char.IsAsciiLetterLower(body[at]) || char.IsAsciiDigit(body[at]) || (at > 0 && body[at] == '-')))
        {
            at++;
        }

        if (at == 0)
        {
            return null;
        }

        var id = at == text.Length ? text : text[..at];
        var selector = ImmutableArray<KeyValuePair<string, string>>.Empty;
        if (at < body.Length && body[at] == '[')
        {
            var close = body[(at + 1)..].IndexOf(']');
            if (close < 0)
            {
                return null;
            }

            var parts = body.Slice(at + 1, close).ToString().Split(',');
            var builder = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>(parts.Length);
            foreach (var part in parts)
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    return null;
                }

                builder.Add(new(part[..eq].Trim(), part[(eq + 1)..].Trim()));
            }

            selector = builder.MoveToImmutable();
            at += close + 2;
        }

        int? take = null;
        if (at < body.Length && body[at] == '#')
        {
            var digits = body[(at + 1)..];
            if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
            {
                return null;
            }

            // A take beyond Int32 names no take any step has; saturating keeps it out of range for the checks.
            take = int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : int.MaxValue;
            at = body.Length;
        }

        return at == body.Length ? new ParsedStepRef(id, selector, take) : null;
    }

    // Indexed loops rather than LINQ or foreach over the selector below: those are instantiations over
    // KeyValuePair<string, string>, a value type, that ReadyToRun cannot precompile, so the JIT compiled them on every cold start.

    /// <summary>Whether the selector names <paramref name="axis"/>.</summary>
    public bool NamesAxis(string axis)
    {
        for (var i = 0; i < Selector.Length; i++)
        {
            if (Selector[i].Key == axis)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a variant with the matrix values <paramref name="cell"/> has every axis value the selector names.</summary>
    public bool Selects(ImmutableArray<KeyValuePair<string, string>> cell)
    {
        for (var i = 0; i < Selector.Length; i++)
        {
            var (key, value) = Selector[i];
            var found = false;
            for (var j = 0; j < cell.Length; j++)
            {
                if (cell[j].Key == key && cell[j].Value == value)
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first axis the selector names more than once (in the order axes first appear), or null.</summary>
    public string? RepeatedAxis()
    {
        for (var i = 0; i < Selector.Length; i++)
        {
            for (var j = i + 1; j < Selector.Length; j++)
            {
                if (string.Equals(Selector[i].Key, Selector[j].Key, StringComparison.Ordinal))
                {
                    return Selector[i].Key;
                }
            }
        }

        return null;
    }
}
