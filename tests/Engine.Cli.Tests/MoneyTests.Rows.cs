using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>The rows of the money table (docs/money.md), each watched on a terminal and with <c>--json</c>.</summary>
public sealed partial class MoneyTests
{
    private const string Faults = "429=0.2,500=0.1,reset=0.1";

    [Theory]
    [InlineData(RunOutput.Terminal)]
    [InlineData(RunOutput.Json)]
    public async Task A_full_run_prints_the_price_of_the_jobs_it_created_everywhere(RunOutput output)
    {
        var (dir, emulator) = Project();
        using var _ = dir;
        using var __ = emulator;

        var plan = Reel(dir, emulator, "plan", "storyboard.yaml", "--json");
        var run = await WatchAsync(dir, emulator, output, ["storyboard.yaml"]);

        Assert.True(run.Exit == 0, run.All);
        Assert.Equal(4, PaidJobs(emulator));
        Assert.Equal(4 * Price, JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("totals").GetProperty("estimatedCost").GetDecimal());
        AssertEveryFigure(dir, emulator, run, reused: 0);
        if (output == RunOutput.Terminal)
        {
            Assert.Contains("4 steps: 4 done, 0 reused, 0 cached, 0 failed, 0 skipped", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("0 queued · 0 running · 4/4 done", run.Stderr, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(RunOutput.Terminal)]
    [InlineData(RunOutput.Json)]
    public async Task A_copy_of_a_finished_script_reuses_every_job_and_is_never_refused_by_max_cost(RunOutput output)
    {
        var (dir, emulator) = Project();
        using var _ = dir;
        using var __ = emulator;
        Assert.Equal(0, Reel(dir, emulator, "run", "storyboard.yaml").ExitCode);
        dir.Write("copy.yaml", Storyboard);

        var plan = Reel(dir, emulator, "plan", "copy.yaml");
        var planJson = JsonDocument.Parse(Reel(dir, emulator, "plan", "copy.yaml", "--json").Stdout).RootElement;
        var run = await WatchAsync(dir, emulator, output, ["copy.yaml", "--max-cost", "0.01"]);

        Assert.Contains("4 steps, 0 to run, 4 to reuse, 0 cached · estimated $0.00", plan.Stdout, StringComparison.Ordinal);
        Assert.All(planJson.GetProperty("steps").EnumerateArray(), s =>
        {
            Assert.Equal("reuse", s.GetProperty("status").GetString());
            Assert.Equal("job exists", s.GetProperty("reason").GetString());
            Assert.Equal(0m, s.GetProperty("estimatedCost").GetDecimal());
        });
        Assert.True(run.Exit == 0, run.All);
        Assert.Equal(4, PaidJobs(emulator));
        AssertEveryFigure(dir, emulator, run, reused: 4, script: "copy.yaml", scriptJobs: 0);
    }

    [Theory]
    [InlineData(RunOutput.Terminal)]
    [InlineData(RunOutput.Json)]
    public async Task Force_re_rolls_one_step_as_a_new_paid_job_and_plan_force_previews_it(RunOutput output)
    {
        var (dir, emulator) = Project();
        using var _ = dir;
        using var __ = emulator;
        Assert.Equal(0, Reel(dir, emulator, "run", "storyboard.yaml").ExitCode);
        var lockPath = Path.Combine(dir.Path, "storyboard.lock.yaml");
        var before = Engine.Storage.LockFile.Read(lockPath).ForStep("kite")!;

        var preview = JsonDocument.Parse(Reel(dir, emulator, "plan", "storyboard.yaml", "--force", "kite", "--json").Stdout).RootElement;
        var run = await WatchAsync(dir, emulator, output, ["storyboard.yaml", "--force", "kite"]);

        var kite = preview.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "kite");
        Assert.Equal(("force", Price), (kite.GetProperty("status").GetString(), kite.GetProperty("estimatedCost").GetDecimal()));
        Assert.Equal(Price, preview.GetProperty("totals").GetProperty("estimatedCost").GetDecimal());
        Assert.True(run.Exit == 0, run.All);
        Assert.Equal(5, PaidJobs(emulator));
        AssertEveryFigure(dir, emulator, run, reused: 0);
        var after = Engine.Storage.LockFile.Read(lockPath).ForStep("kite")!;
        Assert.NotEqual(before.Job, after.Job);
        Assert.Equal(1, after.Roll);
        Assert.Equal(emulator.JobsCreated()[^1].GetProperty("job").GetString(), after.Job);
        // OpenAI takes no seed: the same request sent again is a new render, and the earlier take stays in the lock.
        Assert.NotEqual(before.Output, after.Output);
        Assert.Equal(before.Output, after.Previous);
        var again = Reel(dir, emulator, "run", "storyboard.yaml");
        Assert.Contains("4 steps: 0 done, 0 reused, 4 cached, 0 failed, 0 skipped · spent $0.00", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(5, PaidJobs(emulator));
    }

    [Theory]
    [InlineData(RunOutput.Terminal, null)]
    [InlineData(RunOutput.Json, null)]
    [InlineData(RunOutput.Terminal, Faults)]
    [InlineData(RunOutput.Json, Faults)]
    public async Task Ctrl_C_reports_the_money_of_the_jobs_already_submitted_and_the_next_run_reuses_them(RunOutput output, string? faults)
    {
        // At speed 1 a 4 s clip takes 4 s: every job is still running when Ctrl+C comes. Under faults a submit can take
        // several seconds of 429 backoff, long enough for the first job to finish first, so those clips take 12 s.
        var (dir, emulator) = Project(speed: faults is null ? 1 : 3, faults);
        using var _ = dir;
        using var __ = emulator;

        var run = await WatchAsync(dir, emulator, output, ["storyboard.yaml"], ctrlCAfter: 4);

        Assert.True(run.Exit == 130, run.All);
        Assert.Equal(4, PaidJobs(emulator));
        AssertEveryFigure(dir, emulator, run, reused: 0);
        if (output == RunOutput.Terminal)
        {
            Assert.Contains($"spent {Money(4 * Price)} (4 jobs are still running on the provider; the next run picks them up for free)", run.Stdout, StringComparison.Ordinal);
        }

        var next = await WatchAsync(dir, emulator, output, ["storyboard.yaml"]);
        Assert.True(next.Exit == 0, next.All);
        Assert.Equal(4, PaidJobs(emulator));
        AssertEveryFigure(dir, emulator, next, reused: 4);
    }

    [Theory]
    [InlineData(7, RunOutput.Terminal)]
    [InlineData(11, RunOutput.Json)]
    public async Task Under_faults_the_money_printed_equals_the_jobs_created(int seed, RunOutput output)
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Storyboard);
        using var emulator = Emulator.Start(dir.Path, Key, 0.02, Faults, seed);

        var run = await WatchAsync(dir, emulator, output, ["storyboard.yaml", "--keep-going"]);

        Assert.True(FaultedRequests(emulator) > 0, "no fault fired");
        Assert.True(PaidJobs(emulator) > 0, run.All);
        AssertEveryFigure(dir, emulator, run, reused: 0);
    }
}
