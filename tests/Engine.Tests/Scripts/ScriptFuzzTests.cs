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
        var first = Enumerable.Range(0, 20).Select(i => ScriptMutator.Mutate(text, new Random(Seed * 1000 + i))).ToList();
        var second = Enumerable.Range(0, 20).Select(i => ScriptMutator.Mutate(text, new Random(Seed * 1000 + i))).ToList();
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
            var mutant = ScriptMutator.Mutate(original, new Random((seed * 1000) + i));
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
}
