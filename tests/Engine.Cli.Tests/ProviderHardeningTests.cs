using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>
/// Issue 18, points 9 and 13, end to end against the emulator (and a hostile server): a lost batch create is
/// reconciled in the same run without paying twice; a secret a server echoes reaches no output and no file.
/// </summary>
public sealed class ProviderHardeningTests
{
    private const string Key = "sk-hardening-7c2e";

    private static string FourScenes(string provider = "openai") =>
        $"reel: 1\nprovider: {provider}\ndefaults: {{ seconds: 4 }}\nscenes:\n"
        + string.Concat(Enumerable.Range(1, 4).Select(i => $"  - id: s{i}\n    prompt: harbour shot number {i}\n"));

    private static List<JsonElement> BatchCreates(Emulator emulator) =>
        emulator.Requests().Where(r => r.GetProperty("method").GetString() == "POST" && r.GetProperty("path").GetString() == "/v1/batches").ToList();

    /// <summary>Every job the emulator created, and that no two share a fingerprint (the same paid generation twice).</summary>
    private static void AssertEachSceneCreatedOnce(Emulator emulator)
    {
        var jobs = emulator.JobsCreated();
        Assert.Equal(4, jobs.Count);
        Assert.All(jobs, j => Assert.Equal("batch", j.GetProperty("kind").GetString()));
        Assert.Equal(4, jobs.Select(j => j.GetProperty("fingerprint").GetString()).Distinct().Count());
    }

    [Fact]
    public void A_batch_create_whose_answer_is_lost_is_found_and_adopted_in_the_same_run()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", FourScenes());

        // createreset=1: every batch create is processed (the batch and its jobs exist) but its answer never arrives.
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.01, faults: "createreset=1");
        var run = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--batch"], emulator.Environment(Key), TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("4 done", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.All, StringComparison.OrdinalIgnoreCase);
        var creates = BatchCreates(emulator);
        Assert.Single(creates);
        Assert.Equal(0, creates[0].GetProperty("status").GetInt32());
        Assert.Contains(emulator.Requests(), r => r.GetProperty("method").GetString() == "GET" && r.GetProperty("path").GetString() == "/v1/batches");
        AssertEachSceneCreatedOnce(emulator);

        var again = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--batch"], emulator.Environment(Key), TimeSpan.FromMinutes(2));
        Assert.True(again.ExitCode == 0, again.All);
        AssertEachSceneCreatedOnce(emulator);
    }

    [Fact]
    public void A_batch_create_dropped_before_it_was_processed_is_looked_for_then_sent_again_once()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", FourScenes());

        // The create dice are the only dice drawn (no other fault is on): a seed whose first draw drops and second does not.
        var seed = Enumerable.Range(1, 1000).First(s =>
        {
            var random = new Random(s);
            return random.NextDouble() < 0.5 && random.NextDouble() >= 0.5;
        });
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.01, faults: "createdrop=0.5", seed: seed);
        var run = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--batch"], emulator.Environment(Key), TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("4 done", run.Stdout, StringComparison.Ordinal);
        var creates = BatchCreates(emulator);
        Assert.Equal([0, 200], creates.Select(c => c.GetProperty("status").GetInt32()));
        AssertEachSceneCreatedOnce(emulator);
    }
}
