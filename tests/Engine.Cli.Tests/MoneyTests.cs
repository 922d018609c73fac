using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reel.Engine.Core;
using Reel.Engine.Providers;

namespace Reel.Cli.Tests;

/// <summary>
/// Every figure of money Reel prints — the live footer, the summary, <c>run --json</c>, the report, <c>status</c> and
/// <c>plan</c> — equals the price list times the jobs the provider created, as the emulator's audit log records them:
/// nothing for a job reused, the exact price for a new one and for a re-roll, and after Ctrl+C and faults too.
/// </summary>
public sealed partial class MoneyTests
{
    private const string Key = "sk-money-secret-77d2";

    /// <summary>Four paid scenes, all alike in price: sora-2 at 1280x720 for 4 s.</summary>
    private const string Storyboard = """
        reel: 1
        title: Ledger
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

    /// <summary>What one scene's job costs, from the provider's price list.</summary>
    private static readonly decimal Price = ProviderCatalog.Find("openai")!.FindModel("sora-2")!.PriceFor(new VideoSize(1280, 720)) * 4;

    private static string Money(decimal amount) => "$" + amount.ToString("0.00", CultureInfo.InvariantCulture);

    private static (TempDirectory Dir, Emulator Emulator) Project(double speed = 0.02, string? faults = null)
    {
        var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Storyboard);
        return (dir, Emulator.Start(dir.Path, Key, speed, faults));
    }

    private static ReelResult Reel(TempDirectory dir, Emulator emulator, params string[] args) =>
        ReelInProcess.Run(dir.Path, args, emulator.Environment(Key));

    private static int PaidJobs(Emulator emulator) => emulator.JobsCreated().Count(j => j.GetProperty("kind").GetString() != "character");

    private static JsonElement Totals(ReelResult r) => JsonDocument.Parse(r.Stdout).RootElement.GetProperty("totals");

    private static decimal SummarySpent(ReelResult r) => decimal.Parse(SummaryLine().Match(r.Stdout).Groups["spent"].Value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Switching_the_provider_back_and_forth_pays_nothing_again()
    {
        var (dir, emulator) = Project();
        using var _ = dir;
        using var __ = emulator;
        Assert.Equal(0, Reel(dir, emulator, "run", "storyboard.yaml").ExitCode);
        Assert.Equal(0, Reel(dir, emulator, "run", "storyboard.yaml", "--provider", "local").ExitCode);

        var plan = Reel(dir, emulator, "plan", "storyboard.yaml");
        var requests = emulator.Requests().Count;
        var back = await WatchAsync(dir, emulator, RunOutput.Terminal, ["storyboard.yaml"]);

        Assert.Contains("estimated $0.00", plan.Stdout, StringComparison.Ordinal);
        Assert.True(back.Exit == 0, back.All);
        // The lock keeps every provider's results: switching back is cached, with no provider call at all.
        Assert.Contains("4 steps: 0 done, 0 reused, 4 cached, 0 failed, 0 skipped · spent $0.00", back.Stdout, StringComparison.Ordinal);
        Assert.Equal(4, PaidJobs(emulator));
        Assert.Equal(requests, emulator.Requests().Count);
        AssertEveryFigure(dir, emulator, back, reused: 0);
    }

    [Fact]
    public void Force_on_local_makes_a_new_clip_and_keeps_the_old_one_in_the_lock()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Storyboard.Replace("provider: openai", "provider: local", StringComparison.Ordinal).Replace("model: sora-2, size: 1280x720", "size: 128x72", StringComparison.Ordinal));
        Assert.Equal(0, ReelInProcess.Run(dir.Path, "run", "storyboard.yaml").ExitCode);
        var lockPath = Path.Combine(dir.Path, "storyboard.lock.yaml");
        var first = Engine.Storage.LockFile.Read(lockPath).ForStep("gull")!;

        var run = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml", "--force", "gull");
        var second = Engine.Storage.LockFile.Read(lockPath).ForStep("gull")!;
        var twice = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml", "--force", "gull");
        var third = Engine.Storage.LockFile.Read(lockPath).ForStep("gull")!;

        Assert.True(run.ExitCode == 0 && twice.ExitCode == 0, run.All + twice.All);
        Assert.NotEqual(first.Job, second.Job);
        Assert.NotEqual(first.Output, second.Output);
        Assert.Equal(first.Output, second.Previous);
        Assert.Equal((2, $"{second.Output},{first.Output}"), (third.Roll, third.Previous));
        Assert.DoesNotContain(third.Output, third.Previous!.Split(','));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("openai")]
    public void What_plan_prices_is_what_run_spends(string provider)
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", $$"""
            reel: 1
            provider: {{provider}}
            defaults: { size: 1280x720, seconds: 4 }
            scenes:
              - id: kite
                prompt: A red kite over the dunes.
                takes: 2
              - id: gull
                model: {{(provider == "openai" ? "sora-2-pro" : "local")}}
                prompt: A gull hangs in the wind.
            continuations:
              - id: kite-2
                from: kite#1
                prompt: The kite dives.
            """);
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = emulator.Environment(Key);

        var plan = JsonDocument.Parse(ReelInProcess.Run(dir.Path, ["plan", "storyboard.yaml", "--json"], env).Stdout).RootElement;
        var run = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--json"], env, TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.All);
        var planned = plan.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("status").GetString() is "run" or "force").Sum(s => s.GetProperty("estimatedCost").GetDecimal());
        Assert.Equal(planned, Totals(run).GetProperty("spent").GetDecimal());
        Assert.Equal(planned, plan.GetProperty("totals").GetProperty("estimatedCost").GetDecimal());
        if (provider == "openai")
        {
            Assert.Equal(4, PaidJobs(emulator));
            Assert.True(planned > 4 * Price, $"sora-2-pro costs more than sora-2: {planned}");
        }
    }

    [Fact]
    public void A_job_refused_by_moderation_is_still_charged_and_the_summary_says_what_to_do_next()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Storyboard);
        using var emulator = Emulator.Start(dir.Path, Key, 0.02, "moderation=1");

        var run = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--concurrency", "1"], emulator.Environment(Key), TimeSpan.FromMinutes(2));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(1, PaidJobs(emulator));
        Assert.Equal(Price, SummarySpent(run));
        Assert.Contains("next: kite: edit the prompt of 'kite' (storyboard.yaml(6,", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("next: the run stopped early; `reel run --keep-going` also runs the 3 steps not started", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_max_cost_that_is_not_a_number_says_what_it_wants()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Storyboard);

        var r = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml", "--max-cost", "abc");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: --max-cost must be a number of US dollars, e.g. 5 or 12.50 (got 'abc')", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", r.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));
    }

    [GeneratedRegex(@"(?<counts>\d+ queued · \d+ running · \d+/\d+ done)( · \d+ failed)? · [^·]* elapsed[^·]* · (?<spent>\$[0-9.]+ spent)")]
    private static partial Regex FooterLine();
}
