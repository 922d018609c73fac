using System.Text;

namespace Reel.Engine.Tests.Scripts;

/// <summary>Text-level mutations of a YAML script, one to three per mutant, all drawn from one seeded <see cref="Random"/>.</summary>
internal static class ScriptMutator
{
    private static readonly string[] Scalars =
    [
        "0x10", "0o17", "0xFFFFFFFFFFFFFFFFFFFF", "4294967296", "-2147483649", "99999999999999999999999", "-1", "0", "1e400", "-.inf", ".nan",
        "1.5", "~", "null", "true", "False", "[]", "{}", "''", "\"\"", "\" \"", "[a, [b, {c: d}]]", "{a: 1, a: 2}", "!!binary AAAA", "!!int x",
        "!!str 5", "!custom x", "!<tag:yaml.org,2002:map> {}", "&a x", "*a", "*nope", "|", ">-", "|\n  text", "'a#99999999999'",
        "'pour[light=a/b]'", "a/b", "a:b", "\"a\\u2028b\"", "\"\\0\"", "\"\\uFFFE\"", "'\u202Eevil'", "\u00C5\u030A\U0001F3AC", "../x.png",
        "/etc/passwd", "assets/../../x.mp4", "out/report.html", "out/shots/open.mp4", "\"{{ math.uuid }}\"", "\"{{ date.now }}\"",
        "\"{{ for i in 1..100000 }}x{{ end }}\"", "\"{{ x\"", "\"{{ include 'nope' }}\"", "1280x720", "99999x99999", "0x0", "- a\n- b",
        "%YAML 1.2", "? complex\n: key", "@reserved", "`reserved", "#", "\"\\x00\\x01\"",
    ];

    private static readonly string[] Junk =
    [
        "\u2028", "\u2029", "\u0085", "\uFEFF", "\u200B", "\u0301", "\U0001F600", "\uFFFD", "\0", "\t", "\r", "\u001B[31m", "\uD800", "\uDFFF",
        "\uFFFE", "\u00A0", "\u3000", "\\", "\"", "'", "{", "}", "[", "]", ",", ":", "&", "*", "!", "|", ">", "%", "@", "`", "#", "- ", "? ",
    ];

    public static string Mutate(string text, Random random)
    {
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            text = random.Next(16) switch
            {
                0 => DeleteLine(text, random),
                1 => DuplicateLine(text, random),
                2 or 3 => Retype(text, random),
                4 => Insert(text, random, Junk[random.Next(Junk.Length)]),
                5 => Insert(text, random, BinaryJunk(random)),
                6 => Retype(text, random, DeepNesting(random)),
                7 => AliasBomb(text, random),
                8 => Retype(text, random, Tags[random.Next(Tags.Length)] + " " + Scalars[random.Next(Scalars.Length)]),
                9 => MultiDocument(text, random),
                10 => Reindent(text, random),
                11 => text[..random.Next(text.Length + 1)],
                12 => SwapLines(text, random),
                13 => RenameKey(text, random),
                14 => HugeNumbers(text, random),
                _ => Retype(text, random, new string((char)random.Next('a', 'z' + 1), random.Next(1, 40_000))),
            };
        }

        return text;
    }

    private static readonly string[] Tags = ["!!str", "!!int", "!!map", "!!seq", "!!null", "!!float", "!foo", "!<tag:example.com,2000:x>", "!!binary", "!!set", "!!omap"];

    private static string[] Lines(string text) => text.Split('\n');

    private static string Join(IEnumerable<string> lines) => string.Join('\n', lines);

    private static string DeleteLine(string text, Random random)
    {
        var lines = Lines(text).ToList();
        lines.RemoveAt(random.Next(lines.Count));
        return Join(lines);
    }

    private static string DuplicateLine(string text, Random random)
    {
        var lines = Lines(text).ToList();
        var i = random.Next(lines.Count);
        lines.Insert(i, lines[i]);
        return Join(lines);
    }

    private static string SwapLines(string text, Random random)
    {
        var lines = Lines(text);
        var (a, b) = (random.Next(lines.Length), random.Next(lines.Length));
        (lines[a], lines[b]) = (lines[b], lines[a]);
        return Join(lines);
    }

    /// <summary>Replaces the value of a random <c>key: value</c> line (or a list item) with another.</summary>
    private static string Retype(string text, Random random, string? value = null)
    {
        var lines = Lines(text);
        var candidates = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(": ", StringComparison.Ordinal) || lines[i].TrimStart().StartsWith("- ", StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0)
        {
            return text;
        }

        var n = candidates[random.Next(candidates.Count)];
        var line = lines[n];
        var at = line.IndexOf(": ", StringComparison.Ordinal) is var colon and >= 0 ? colon + 2 : line.IndexOf("- ", StringComparison.Ordinal) + 2;
        lines[n] = line[..at] + (value ?? Scalars[random.Next(Scalars.Length)]);
        return Join(lines);
    }

    private static string Insert(string text, Random random, string junk)
    {
        var at = random.Next(text.Length + 1);
        return text[..at] + junk + text[at..];
    }

    private static string BinaryJunk(Random random)
    {
        var chars = new char[random.Next(1, 64)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)random.Next(0, 256);
        }

        return new string(chars);
    }

    private static string DeepNesting(Random random)
    {
        var depth = random.Next(20, 400);
        return random.Next(2) == 0
            ? new string('[', depth) + "x" + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{a: ", depth)) + "x" + new string('}', depth);
    }

    private static string AliasBomb(string text, Random random)
    {
        var levels = random.Next(3, 10);
        var bomb = new StringBuilder("vars:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < levels; i++)
        {
            bomb.Append("  l").Append(i).Append(": &l").Append(i).Append(" [").Append(string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))).Append("]\n");
        }

        // Replacing the script's own vars keeps a single 'vars' key; otherwise the bomb is a second one.
        var lines = Lines(text).Where(l => !l.StartsWith("vars:", StringComparison.Ordinal)).ToList();
        lines.Insert(Math.Min(1, lines.Count), bomb.ToString().TrimEnd('\n'));
        return random.Next(2) == 0 ? Join(lines) : Retype(Join(lines), random, $"\"{{{{ l{levels - 1} }}}}\"");
    }

    private static string MultiDocument(string text, Random random) => random.Next(6) switch
    {
        0 => text + "\n---\n" + text,
        1 => "---\n" + text + "\n...\n",
        2 => "...\n" + text,
        3 => "%YAML 1.2\n---\n" + text,
        4 => "%YAML 1.1\n%TAG ! tag:example.com,2000:\n---\n" + text,
        _ => text + "\n--- |\n  text\n",
    };

    private static string Reindent(string text, Random random)
    {
        var lines = Lines(text);
        var n = random.Next(lines.Length);
        lines[n] = random.Next(2) == 0 ? new string(' ', random.Next(1, 5)) + lines[n] : lines[n].TrimStart();
        return Join(lines);
    }

    private static string RenameKey(string text, Random random)
    {
        var lines = Lines(text);
        var keyed = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(':', StringComparison.Ordinal)).ToList();
        if (keyed.Count == 0)
        {
            return text;
        }

        var n = keyed[random.Next(keyed.Count)];
        var colon = lines[n].IndexOf(':', StringComparison.Ordinal);
        string[] names = ["id", "prompt", "reel", "scenes", "cut", "matrix", "takes", "pick", "from", "output", "shots", "include", "vars", "templates", "characters", "<<", "? x", "\"quoted\"", "[a]", "{b: c}", "~", "1", "prompt ", "Prompt"];
        var indent = lines[n].Length - lines[n].TrimStart(' ', '-').Length;
        lines[n] = lines[n][..indent] + names[random.Next(names.Length)] + lines[n][colon..];
        return Join(lines);
    }

    private static string HugeNumbers(string text, Random random)
    {
        string[] numbers = ["4294967296", "0x7FFFFFFF", "0o777777777777", "99999999999999999999", "-0", "+12", "0x", "1_000", "0b101", "1e10", "012"];
        var digits = Enumerable.Range(0, text.Length).Where(i => char.IsAsciiDigit(text[i]) && (i == 0 || !char.IsAsciiDigit(text[i - 1]))).ToList();
        if (digits.Count == 0)
        {
            return text;
        }

        var at = digits[random.Next(digits.Count)];
        var end = at;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return text[..at] + numbers[random.Next(numbers.Length)] + text[end..];
    }
}
