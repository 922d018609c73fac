using System.Collections.Immutable;
using System.Text;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

/// <summary>
/// Renders the templates most prompts are — literal text with <c>{{ name }}</c>, <c>{{ a.b.c }}</c> and
/// <c>{{ include 'x' }}</c> of string values — by substitution, without Scriban; answers null for anything else,
/// and the caller then renders with Scriban as before.
/// </summary>
/// <remarks>
/// Why: parsing and rendering every prompt through Scriban dominated the plan of a large script. The subset is
/// chosen so that Scriban's output is the same text by construction: Scriban copies literal text verbatim and
/// writes a string value as is; resolution follows Scriban's scope order (the matrix values pushed last, then the
/// script's globals, where <c>characters</c> replaces a var of that name). Numbers, booleans, lists, functions,
/// filters, indexers, whitespace control, keywords, unknown names and over-long values all fall back to Scriban,
/// which alone words every diagnostic. A test holds both renderings equal over generated templates.
/// </remarks>
internal static class SimpleTemplate
{
    private const int MaxDepth = 8;

    // Scriban's keywords and builtin names: never treated as a variable here.
    // A pattern, not a HashSet's span lookup: HashSet<string>.AlternateLookup<ReadOnlySpan<char>> was JIT-compiled on every cold start.
    private static bool IsReserved(ReadOnlySpan<char> name) => name is
        "if" or "else" or "end" or "for" or "in" or "while" or "include" or "func" or "ret" or "capture" or "with" or "wrap" or "case" or "when"
        or "break" or "continue" or "import" or "readonly" or "tablerow" or "this" or "empty" or "null" or "true" or "false" or "do" or "by";

    // Every prompt of a script renders here: one builder per thread, reused (prompts may render in parallel).
    [ThreadStatic]
    private static StringBuilder? t_builder;

    /// <summary>The rendered text, or null when the template is outside the subset.</summary>
    public static string? TryRender(string text, IReadOnlyList<KeyValuePair<string, string>> locals, Script script, int maxLength) =>
        TryRender(text, locals, script, maxLength, trim: false);

    /// <summary>
    /// The rendered text, or null when the template is outside the subset; with <paramref name="trim"/>, without the white
    /// space around it (as <see cref="string.Trim()"/> would leave it, without making the untrimmed string first).
    /// </summary>
    public static string? TryRender(string text, IReadOnlyList<KeyValuePair<string, string>> locals, Script script, int maxLength, bool trim)
    {
        var sb = t_builder ?? new StringBuilder(1024);
        t_builder = null;
        try
        {
            sb.Clear();
            if (!Append(sb, text, locals, script, maxLength, 0))
            {
                return null;
            }

            var (start, end) = (0, sb.Length);
            while (trim && start < end && char.IsWhiteSpace(sb[start]))
            {
                start++;
            }

            while (trim && end > start && char.IsWhiteSpace(sb[end - 1]))
            {
                end--;
            }

            return sb.ToString(start, end - start);
        }
        finally
        {
            // A builder grown by an unusually long prompt is not kept.
            if (sb.Capacity <= 16 * 1024)
            {
                t_builder = sb;
            }
        }
    }

    private static bool Append(StringBuilder sb, string text, IReadOnlyList<KeyValuePair<string, string>> locals, Script script, int maxLength, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOf("{{", at, StringComparison.Ordinal);
            var literalEnd = open < 0 ? text.Length : open;
            if (text.AsSpan(at, literalEnd - at).IndexOfAny('{', '}') >= 0)
            {
                return false;
            }

            sb.Append(text, at, literalEnd - at);
            if (open < 0)
            {
                break;
            }

            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            var code = text.AsSpan(open + 2, close - open - 2);
            if (code.IndexOfAny('{', '}') >= 0 || code.Length < 3 || code[0] != ' ' || code[^1] != ' ')
            {
                return false;
            }

            code = code[1..^1];
            if (!AppendCode(sb, code, locals, script, maxLength, depth))
            {
                return false;
            }

            at = close + 2;
        }

        return sb.Length <= maxLength;
    }

    private static bool AppendCode(StringBuilder sb, ReadOnlySpan<char> code, IReadOnlyList<KeyValuePair<string, string>> locals, Script script, int maxLength, int depth)
    {
        if (code.StartsWith("include '") && code.Length > "include ''".Length && code[^1] == '\'')
        {
            var name = code["include '".Length..^1];
            if (!IsName(name, allowDash: true) || !script.Templates.TryGetValue(name.ToString(), out var included))
            {
                return false;
            }

            return Append(sb, included.Text, locals, script, maxLength, depth + 1);
        }

        // A path of identifiers: a.b.c
        object? value = null;
        var first = true;
        // Cut at each '.' by hand: MemoryExtensions.Split<char> was JIT-compiled on every cold start.
        var rest = code;
        while (true)
        {
            var dot = rest.IndexOf('.');
            var part = dot < 0 ? rest : rest[..dot];
            var index = -1;
            var bracket = part.IndexOf('[');
            if (bracket > 0)
            {
                // name[n]: a list item by a non-negative literal index.
                if (part[^1] != ']' || !int.TryParse(part[(bracket + 1)..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
                {
                    return false;
                }

                part = part[..bracket];
            }

            if (!IsName(part, allowDash: false))
            {
                return false;
            }

            if (first)
            {
                if (IsReserved(part) || !TryRoot(part, locals, script, out value))
                {
                    return false;
                }

                first = false;
            }
            else
            {
                value = Member(value, part, script);
            }

            if (index >= 0)
            {
                value = value is IList<object?> list && index < list.Count ? list[index] ?? NullValue.Instance : null;
            }

            if (value is null)
            {
                return false;
            }

            if (dot < 0)
            {
                break;
            }

            rest = rest[(dot + 1)..];
        }

        if (value is not string s || s.Length > maxLength)
        {
            return false;
        }

        sb.Append(s);
        return true;
    }

    // Names are compared as spans: a prompt's names are not made into strings unless a dictionary lookup needs one.
    private static object? Member(object? value, ReadOnlySpan<char> name, Script script)
    {
        switch (value)
        {
            case CharactersScope:
                foreach (var c in script.Characters)
                {
                    if (name.SequenceEqual(c.Id))
                    {
                        return c;
                    }
                }

                return null;
            case CharacterDecl c:
                return name switch
                {
                    "name" => c.Name,
                    "description" => c.Description ?? "",
                    "id" => c.Id,
                    _ => null,
                };
            case IDictionary<string, object?> map:
                return map.TryGetValue(name.ToString(), out var v) ? v ?? NullValue.Instance : null;
            default:
                return null;
        }
    }

    private static bool TryRoot(ReadOnlySpan<char> name, IReadOnlyList<KeyValuePair<string, string>> locals, Script script, out object? value)
    {
        // Scriban searches the scope pushed last first: the matrix values, then the globals.
        for (var i = locals.Count - 1; i >= 0; i--)
        {
            if (name.SequenceEqual(locals[i].Key))
            {
                value = locals[i].Value;
                return true;
            }
        }

        if (name is "characters")
        {
            value = CharactersScope.Instance;
            return true;
        }

        if (script.Vars.TryGetValue(name.ToString(), out var v) && v is not null)
        {
            value = v;
            return true;
        }

        value = null;
        return false;
    }

    private static bool IsName(ReadOnlySpan<char> name, bool allowDash)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowDash && c == '-')))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class CharactersScope
    {
        public static readonly CharactersScope Instance = new();
    }

    private sealed class NullValue
    {
        public static readonly NullValue Instance = new();
    }
}
