using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>
/// One run per project at a time, steps with one content rendered once, and damaged state named with its fix —
/// each proved by the emulator's audit log or by what the user reads.
/// </summary>
public sealed partial class ConcurrencyAndStateTests
{
    private const string Key = "sk-state-secret-51c0";

    private const string FourScenes = """
        reel: 1
        provider: openai
        defaults: { model: sora-2, size: 1280x720, seconds: 4 }
        scenes:
          - id: kite
            prompt: A red kite over the dunes.
          - id: gull
            prompt: A gull hangs in the wind.
          - id: boat
            prompt: A fishing boat at dawn.
          - id: pier
            prompt: The pier at low tide.
        """;

    private static int PaidJobs(Emulator emulator) => emulator.JobsCreated().Count;

    [Fact]
    public async Task Two_runs_at_once_pay_once_the_second_waits_and_finds_everything_done()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", FourScenes);
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.5);
        var env = emulator.Environment(Key);

        var first = ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml", "--json"], env);
        while (!File.Exists(Path.Combine(dir.Path, ".reel", "run.owner")) && !first.IsCompleted)
        {
            await Task.Delay(10);
        }

        var refused = await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml", "--no-wait"], env);
        var second = ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml", "--json"], env);
        var (a, b) = (await first.WaitAsync(TimeSpan.FromMinutes(2)), await second.WaitAsync(TimeSpan.FromMinutes(2)));

        Assert.True(a.ExitCode == 0, a.All);
        Assert.True(b.ExitCode == 0, b.All);
        Assert.Equal(4, PaidJobs(emulator));
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("refused: another reel run is working on this project (pid ", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("waiting for another reel run on this project to finish (pid ", b.Stderr, StringComparison.Ordinal);
        var totals = JsonDocument.Parse(b.Stdout).RootElement.GetProperty("totals");
        Assert.Equal((0, 0m), (totals.GetProperty("done").GetInt32(), totals.GetProperty("spent").GetDecimal()));
        Assert.False(File.Exists(Path.Combine(dir.Path, ".reel", "run.owner")));
    }

    [Fact]
    public async Task Two_reel_processes_at_once_on_one_project_create_each_job_once()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", FourScenes);
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.25);
        var env = emulator.Environment(Key);

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => ReelProcess.Run(dir.Path, ["run", "storyboard.yaml"], env, TimeSpan.FromMinutes(2)))));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.All));
        Assert.All(runs, r => Assert.DoesNotContain("internal error", r.All, StringComparison.Ordinal));
        Assert.Equal(4, PaidJobs(emulator));
        Assert.Equal(4, emulator.JobsCreated().Select(j => j.GetProperty("job").GetString()).Distinct().Count());
    }

    [Fact]
    public void Status_and_plan_read_a_consistent_state_while_a_run_holds_the_project()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", FourScenes);
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.5);
        var env = emulator.Environment(Key);
        var run = ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml"], env);
        var statuses = new List<ReelResult>();
        while (!run.IsCompleted)
        {
            statuses.Add(ReelInProcess.Run(dir.Path, ["status", "storyboard.yaml"], env));
            statuses.Add(ReelInProcess.Run(dir.Path, ["plan", "storyboard.yaml"], env));
        }

        Assert.NotEmpty(statuses);
        Assert.All(statuses, s => Assert.True(s.ExitCode == 0, s.All));
        Assert.All(statuses, s => Assert.DoesNotContain("error", s.Stderr, StringComparison.Ordinal));
    }

    [Fact]
    public void Steps_with_one_content_are_rendered_once_and_share_the_clip()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", """
            reel: 1
            provider: openai
            defaults: { model: sora-2, size: 1280x720, seconds: 4 }
            scenes:
              - id: title
                matrix: { mood: [calm, tense, wry] }
                prompt: A blank title card.
              - id: card
                prompt: A blank title card.
            """);
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = emulator.Environment(Key);

        var validate = ReelInProcess.Run(dir.Path, ["validate", "storyboard.yaml"], env);
        var plan = JsonDocument.Parse(ReelInProcess.Run(dir.Path, ["plan", "storyboard.yaml", "--json"], env).Stdout).RootElement;
        var run = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--json"], env);

        Assert.Contains("warning RL0219: matrix axis 'mood' changes nothing in 'title'", validate.Stderr, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(1, PaidJobs(emulator));
        var totals = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("totals");
        Assert.Equal((1, 3), (totals.GetProperty("done").GetInt32(), totals.GetProperty("reused").GetInt32()));
        Assert.Equal(plan.GetProperty("totals").GetProperty("estimatedCost").GetDecimal(), totals.GetProperty("spent").GetDecimal());
        var shas = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("sha256").GetString()).Distinct().ToList();
        Assert.Single(shas);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(dir.Path, "out", "shots"), "*.mp4").Length);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    public void A_damaged_journal_is_named_with_its_fix_and_a_rerun_after_the_fix_completes(string damage)
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", FourScenes.Replace("provider: openai", "provider: local", StringComparison.Ordinal).Replace("model: sora-2, size: 1280x720", "size: 128x72", StringComparison.Ordinal));
        Assert.Equal(0, ReelInProcess.Run(dir.Path, "run", "storyboard.yaml").ExitCode);
        var journal = Path.Combine(dir.Path, ".reel", "state.db");
        foreach (var side in new[] { "-wal", "-shm" })
        {
            File.Delete(journal + side);
        }

        if (damage == "garbage")
        {
            File.WriteAllBytes(journal, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 7))]);
        }
        else
        {
            using var file = new FileStream(journal, FileMode.Open);
            file.SetLength(3000);
        }

        File.WriteAllText(Path.Combine(dir.Path, "storyboard.yaml"), File.ReadAllText(Path.Combine(dir.Path, "storyboard.yaml")) + "\n  - id: more\n    prompt: One more.\n");
        var run = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        var status = ReelInProcess.Run(dir.Path, "status", "storyboard.yaml");

        foreach (var r in new[] { run, status })
        {
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("error: the journal .reel/state.db is damaged (", r.Stderr, StringComparison.Ordinal);
            Assert.Contains("move it aside (e.g. `mv .reel/state.db .reel/state.db.damaged`)", r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", r.All, StringComparison.Ordinal);
            Assert.DoesNotContain("SQLite Error", r.All, StringComparison.Ordinal);
        }

        File.Move(journal, journal + ".damaged");
        var fixedRun = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        Assert.True(fixedRun.ExitCode == 0, fixedRun.All);
        Assert.Contains("5 steps: 1 done, 0 reused, 4 cached", fixedRun.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".reel")]
    [InlineData("out")]
    public void A_file_where_reel_keeps_a_folder_is_a_located_error_and_nothing_is_written(string name)
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", "reel: 1\nscenes:\n  - id: a\n    prompt: Dawn.\n    size: 128x72\n    seconds: 2\n");
        dir.Write(name, "not a folder");

        var run = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error RL0313: '{name}' beside the script is a file, not a folder;", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"`mv {name} {name}.old`", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("not a folder", File.ReadAllText(Path.Combine(dir.Path, name)));
        Assert.False(File.Exists(Path.Combine(dir.Path, "storyboard.lock.yaml")));
    }
}
