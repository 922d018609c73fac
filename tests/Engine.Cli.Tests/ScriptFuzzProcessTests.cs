using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Reel.Engine.Tests.Scripts;

namespace Reel.Cli.Tests;

/// <summary>
/// Hostile scripts through the real command line, as a user meets them: each <c>reel</c> process runs with its heap
/// capped at 512 MB, must exit 0 or 2, never print "internal error" or a stack trace, locate every diagnostic
/// (<c>file(line,col): error RLnnnn: …</c>), and finish within 10 s. The in-process fuzz (ScriptFuzzTests) covers
/// thousands of mutants; these few dozen prove the same of the process a user runs.
/// </summary>
public sealed partial class ScriptFuzzProcessTests
{
    private const int Seed = 1818;
    private const int MutantsPerExample = 5;
    private static readonly TimeSpan PerProcess = TimeSpan.FromSeconds(10);

    /// <summary>512 MB of managed heap.</summary>
    private static readonly Dictionary<string, string?> CappedHeap = new() { ["DOTNET_GCHeapHardLimit"] = "0x20000000" };

    [Theory]
    [InlineData("901-matrix-bomb.yaml", "validate", "(7,5): error RL0212: 'pour' expands to about 10^31 matrix cells")]
    [InlineData("901-matrix-bomb.yaml", "run", "(7,5): error RL0212: 'pour' expands to about 10^31 matrix cells")]
    // The loop limit, or on a machine too busy to reach it the prompt's 1 s budget: RL0504 at the prompt either way.
    [InlineData("906-loop-doubling-an-array.yaml", "validate", "): error RL0504: template limit exceeded")]
    [InlineData("906-loop-doubling-an-array.yaml", "run", "): error RL0504: template limit exceeded")]
    public void Expansion_bombs_are_refused_under_a_capped_heap_in_seconds(string name, string command, string expected)
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(ReelProcess.RepoRoot, "tests", "Engine.Tests", "Cases", "090-limits", name), Path.Combine(dir.Path, name));

        var clock = Stopwatch.StartNew();
        var result = ReelProcess.Run(dir.Path, [command, name], CappedHeap, TimeSpan.FromMinutes(1));
        var took = clock.Elapsed;

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.StartsWith(name + "(", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.All, StringComparison.Ordinal);
        Assert.True(took < PerProcess, $"reel {command} {name} took {took.TotalSeconds:0.0} s");
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));
    }

    [Fact]
    public async Task Mutated_examples_through_reel_validate_exit_0_or_2_with_located_errors_in_seconds()
    {
        var examples = Directory.GetDirectories(Path.Combine(ReelProcess.RepoRoot, "examples")).Order(StringComparer.Ordinal).ToList();
        Assert.True(examples.Count >= 5, $"expected the examples, found {examples.Count}");
        var copies = examples.Select(e => TempDirectory.OfExample(Path.GetFileName(e))).ToList();
        try
        {
            var mutants = new List<(string Dir, string Example, string Name, string Text)>();
            for (var e = 0; e < copies.Count; e++)
            {
                var original = await File.ReadAllTextAsync(Path.Combine(copies[e].Path, "storyboard.yaml"));
                for (var i = 0; i < MutantsPerExample; i++)
                {
                    // Beside the example's own storyboard, so its includes, assets and workflows resolve.
                    var name = $"mutant-{Seed + e}-{i}.yaml";
                    var text = ScriptMutator.Mutate(original, new Random(((Seed + e) * 1000) + i));
                    await File.WriteAllTextAsync(Path.Combine(copies[e].Path, name), text, new UTF8Encoding(false, false));
                    mutants.Add((copies[e].Path, Path.GetFileName(examples[e]), name, text));
                }
            }

            var failures = new ConcurrentQueue<string>();
            var exits = new ConcurrentDictionary<int, int>();
            await Parallel.ForEachAsync(mutants, new ParallelOptions { MaxDegreeOfParallelism = 2 }, (m, _) =>
            {
                var clock = Stopwatch.StartNew();
                var r = ReelProcess.Run(m.Dir, ["validate", m.Name], CappedHeap, TimeSpan.FromMinutes(1));
                exits.AddOrUpdate(r.ExitCode, 1, (_, n) => n + 1);
                if (Problem(r, clock.Elapsed) is { } problem)
                {
                    failures.Enqueue($"examples/{m.Example}/{m.Name}: {problem}\n{r.All}\n--- mutant ---\n{(m.Text.Length > 1500 ? m.Text[..1500] + "…" : m.Text)}");
                }

                return ValueTask.CompletedTask;
            });

            var summary = string.Join(", ", exits.OrderBy(kv => kv.Key).Select(kv => $"exit {kv.Key}: {kv.Value}"));
            Assert.True(failures.IsEmpty, summary + "\n" + string.Join("\n\n", failures.Take(5)));

            // The mutants reach both ends: some still validate, some are refused.
            Assert.True(exits.GetValueOrDefault(0) > 0 && exits.GetValueOrDefault(2) > 0, summary);
        }
        finally
        {
            copies.ForEach(c => c.Dispose());
        }
    }

    /// <summary>What is wrong with one process's outcome, or null.</summary>
    private static string? Problem(ReelResult r, TimeSpan took)
    {
        if (r.ExitCode is not (0 or 2))
        {
            return $"exit {r.ExitCode}";
        }

        if (r.All.Contains("internal error", StringComparison.Ordinal) || r.All.Contains("   at ", StringComparison.Ordinal))
        {
            return "an internal error";
        }

        if (took > PerProcess)
        {
            return $"took {took.TotalSeconds:0.0} s";
        }

        var diagnostics = r.All.Split('\n').Where(l => Code().IsMatch(l)).ToList();
        if (diagnostics.FirstOrDefault(l => !Located().IsMatch(l)) is { } unlocated)
        {
            return $"a diagnostic without a location: {unlocated}";
        }

        return r.ExitCode == 2 && !diagnostics.Any(l => l.Contains(": error RL", StringComparison.Ordinal)) ? "exit 2 without a located error" : null;
    }

    [GeneratedRegex(@"\b(error|warning) RL\d{4}\b")]
    private static partial Regex Code();

    [GeneratedRegex(@"^[^\s(][^(]*\(\d+,\d+\): (error|warning) RL\d{4}: \S")]
    private static partial Regex Located();
}
