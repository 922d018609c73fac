using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Reporting;
using Reel.Engine.Scripts;
using Xunit.Abstractions;

namespace Reel.Engine.Tests.Scripts;

/// <summary>
/// Hostile scripts (issue 18): seeded mutants of every example and every valid golden case — keys deleted,
/// duplicated and retyped, unicode, huge, hex and octal numbers, deep nesting, alias bombs, tags, several
/// documents, binary junk — are compiled (and planned when they compile) in-process, as <c>reel validate</c>
/// does. Each must end in diagnostics or a plan, never an exception ("internal error"); every diagnostic must be
/// located; each must finish within 10 s and allocate less than 512 MB. A failure names the source, the seed
/// and the mutant, so it reproduces.
/// </summary>
public sealed class ScriptFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 18;
    private const int MutantsPerSource = 300;
    private static readonly TimeSpan PerMutant = TimeSpan.FromSeconds(10);
    private const long AllocationPerMutant = 512L * 1024 * 1024;

    [Fact]
    public async Task Mutated_scripts_give_located_diagnostics_or_a_plan_and_never_crash()
    {
        var sources = Sources();
        Assert.True(sources.Count >= 15, $"expected every example and valid golden case, found {sources.Count}");

        var failures = new ConcurrentQueue<string>();
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var work = Task.Run(() => Parallel.ForEach(
            sources.Select((path, index) => (path, index)),
            new ParallelOptions { MaxDegreeOfParallelism = 2 },
            source => FuzzOne(source.path, Seed + source.index, failures, outcomes)));
        await work.WaitAsync(TimeSpan.FromMinutes(3));

        var report = $"{sources.Count} sources × {MutantsPerSource} mutants in {clock.Elapsed.TotalSeconds:0.0} s: "
            + string.Join(", ", outcomes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
        output.WriteLine(report);
        Assert.True(failures.IsEmpty, report + "\n" + string.Join("\n\n", failures.Take(10)));

        // The mutants must reach every stage, not only the YAML parser: some fail late, some still compile.
        Assert.True(outcomes.GetValueOrDefault("plan") > 0, report);
        Assert.True(outcomes.Keys.Count(k => k.StartsWith("RL01", StringComparison.Ordinal)) > 0, report);
        Assert.True(outcomes.Keys.Count(k => string.CompareOrdinal(k, "RL02") >= 0 && k.StartsWith("RL", StringComparison.Ordinal)) > 0, report);
    }

    [Fact]
    public void Mutants_are_the_same_for_the_same_seed()
    {
        var text = File.ReadAllText(Sources()[0]);
        var first = Enumerable.Range(0, 20).Select(i => Mutator.Mutate(text, new Random(Seed * 1000 + i))).ToList();
        var second = Enumerable.Range(0, 20).Select(i => Mutator.Mutate(text, new Random(Seed * 1000 + i))).ToList();
        Assert.Equal(first, second);
        Assert.True(first.Distinct(StringComparer.Ordinal).Count() > 15, "mutants should differ from one another");
        Assert.DoesNotContain(text, first);
    }

    private static void FuzzOne(string path, int seed, ConcurrentQueue<string> failures, ConcurrentDictionary<string, int> outcomes)
    {
        var original = File.ReadAllText(path);
        var name = Path.GetFileName(path);
        for (var i = 0; i < MutantsPerSource; i++)
        {
            var mutant = Mutator.Mutate(original, new Random((seed * 1000) + i));
            var clock = Stopwatch.StartNew();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var outcome = Check(path, name, mutant);
                outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
            catch (Exception ex)
            {
                failures.Enqueue($"{Describe(path, seed, i, mutant)}\ninternal error: {ex}");
                continue;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            if (clock.Elapsed > PerMutant || allocated > AllocationPerMutant)
            {
                failures.Enqueue($"{Describe(path, seed, i, mutant)}\ntook {clock.Elapsed.TotalSeconds:0.0} s and allocated {allocated / (1024 * 1024)} MB");
            }
        }
    }

    /// <summary>Validates one mutant as <c>reel validate</c> would, plans it when it compiles, and returns what it ended in.</summary>
    private static string Check(string path, string name, string text)
    {
        var compilation = Compilation.Compile(new SourceFile(path, name, text));
        foreach (var d in compilation.Diagnostics)
        {
            if (!d.Location.IsKnown || d.Location.Column < 1 || d.Location.File.Length == 0)
            {
                throw new UnlocatedDiagnosticException($"diagnostic without a location: {d}");
            }

            if (DiagnosticCodes.Find(d.Code) is null)
            {
                throw new UnlocatedDiagnosticException($"diagnostic with a code the catalogue lacks: {d}");
            }
        }

        if (compilation.Succeeded)
        {
            _ = PlanText.Render(Planner.Plan(compilation.Expanded!, NoHistory.Instance), name);
            return "plan";
        }

        var firstError = compilation.Diagnostics.FirstOrDefault(d => d.Severity == Severity.Error)
            ?? throw new UnlocatedDiagnosticException("compilation failed without an error diagnostic");
        return firstError.Code;
    }

    private static string Describe(string path, int seed, int index, string mutant)
    {
        var shown = mutant.Length > 1500 ? mutant[..1500] + "…" : mutant;
        var escaped = new StringBuilder();
        foreach (var c in shown)
        {
            escaped.Append(c is '\n' or '\t' || (c >= ' ' && c < 0x7f) ? c.ToString() : $"\\u{(int)c:X4}");
        }

        // The whole mutant, to reproduce with 'reel validate' (beside the source, so its includes and assets resolve).
        var copy = Path.Combine(Path.GetTempPath(), "reel-fuzz", $"{Path.GetFileNameWithoutExtension(path)}-{seed}-{index}.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.WriteAllText(copy, mutant, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false)); // lone surrogates become U+FFFD
        return $"{Path.GetRelativePath(Repository.Root, path)}, seed {seed}, mutant {index} (whole text: {copy}):\n{escaped}";
    }

    /// <summary>Every example and every golden case that compiles (a valid script to start from).</summary>
    private static List<string> Sources()
    {
        var examples = Directory.EnumerateFiles(Path.Combine(Repository.Root, "examples"), "storyboard.yaml", SearchOption.AllDirectories);
        var cases = GoldenTests.Discover(Path.Combine(Repository.Root, "tests", "Engine.Tests", "Cases"))
            .Where(p => File.Exists(Path.ChangeExtension(p, ".plan.txt")) && !File.Exists(Path.ChangeExtension(p, ".diagnostics.txt")));
        return [.. examples.Concat(cases).Order(StringComparer.Ordinal)];
    }

    private sealed class UnlocatedDiagnosticException(string message) : Exception(message);

    /// <summary>Text-level mutations of a YAML script, one to three per mutant, all drawn from one seeded <see cref="Random"/>.</summary>
    internal static class Mutator
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
}
