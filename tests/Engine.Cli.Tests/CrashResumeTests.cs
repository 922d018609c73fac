using Reel.Engine.Media;
using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>Kills <c>reel run</c> with SIGKILL at random moments, then resumes: nothing is lost, nothing is paid twice.</summary>
public sealed class CrashResumeTests
{
    internal static string Storyboard(int scenes)
    {
        var sb = new System.Text.StringBuilder("""
            reel: 1
            title: Crash test
            defaults: { size: 320x180, seconds: 3 }
            scenes:

            """);
        for (var i = 1; i <= scenes; i++)
        {
            sb.Append($"  - id: s{i}\n    prompt: scene number {i}\n");
        }

        sb.Append("continuations:\n");
        for (var i = 1; i <= scenes; i += 2)
        {
            sb.Append($"  - id: s{i}-more\n    from: s{i}\n    prompt: scene {i} goes on\n    seconds: 2\n");
        }

        sb.Append("cut:\n  - id: film\n    output: out/film.mp4\n    shots: [");
        sb.Append(string.Join(", ", Enumerable.Range(1, scenes).Select(i => i % 2 == 1 ? $"s{i}-more" : $"s{i}")));
        sb.Append("]\n");
        return sb.ToString();
    }

    [Fact]
    public void Run_killed_at_random_moments_resumes_and_submits_each_step_exactly_once()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("storyboard.yaml", Storyboard(12));
        var kills = ReelProcess.RunAndKillAtRandom(dir.Path, ["run", "storyboard.yaml", "--concurrency", "3"], null, seed: 20261126, minMs: 250, maxMs: 1400, maxKills: 5);

        var final = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        Assert.True(final.ExitCode == 0, final.All);
        Assert.True(kills >= 2, $"only {kills} runs were killed mid-way; the test did not exercise crashes");

        // Every output decodes as a clip of the expected length.
        var shots = Directory.GetFiles(Path.Combine(dir.Path, "out", "shots"), "*.mp4");
        Assert.Equal(18, shots.Length);
        foreach (var shot in shots)
        {
            var info = Mp4Clip.Probe(shot);
            Assert.Equal(Path.GetFileName(shot).Contains("-more", StringComparison.Ordinal) ? 5 : 3, info.Seconds, 1);
        }

        Assert.Equal(12 * 3 + 6 * 2, Mp4Clip.Probe(Path.Combine(dir.Path, "out", "film.mp4")).Seconds, 1);

        // The journal shows one submitted attempt per step key: no step was ever submitted twice.
        using var journal = Journal.Open(Path.Combine(dir.Path, ".reel", "state.db"), TimeProvider.System);
        var attempts = journal.All().Where(a => !a.Fingerprint.StartsWith("refetch:", StringComparison.Ordinal)).ToList();
        var perKey = attempts.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(18, perKey.Count);
        Assert.All(perKey, kv =>
        {
            Assert.Single(kv.Value);
            Assert.Equal(JournalState.Succeeded, kv.Value[0].State);
        });

        // A further run is a no-op.
        var again = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml", "--json");
        Assert.Equal(0, again.ExitCode);
        Assert.DoesNotContain("\"done\"", again.Stdout.Replace("\"done\": 0", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
