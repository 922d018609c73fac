using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;

namespace Reel.Engine.Tests.Execution;

/// <summary>What a failed step stops, and what the user is told to do next.</summary>
public sealed class FailureTests : IDisposable
{
    private const string Script = """
        reel: 1
        defaults: { size: 128x72, seconds: 2 }
        scenes:
          - id: kite
            prompt: A red kite.
            takes: 3
          - id: gull
            prompt: A gull.
          - id: boat
            prompt: A boat.
        continuations:
          - id: gull-2
            from: gull
            prompt: The gull dives.
        cut:
          - id: film
            output: out/film.mp4
            shots: [kite#1, gull-2]
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "reel-failure-" + Guid.NewGuid().ToString("N")[..10]);

    public FailureTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Plan PlanOf()
    {
        var path = Path.Combine(_dir, "storyboard.yaml");
        File.WriteAllText(path, Script);
        var compilation = Compilation.Compile(path);
        Assert.True(compilation.Succeeded, string.Join('\n', compilation.Diagnostics));
        return Planner.Plan(compilation.Expanded!, NoHistory.Instance);
    }

    private static async Task<Dictionary<string, StepResult>> RunFailing(Plan plan, string failing, bool keepGoing = false)
    {
        // One at a time, in run order, so what was launched after the failure is certain.
        var scheduler = new Scheduler(plan, new ConcurrencyLimit(1, NullLogger.Instance), new RunHalt(), keepGoing);
        var (results, _, _) = await scheduler.RunAsync(
            step => Task.FromResult(new StepResult(step.Id, step.Id.Text == failing ? StepOutcome.Failed : StepOutcome.Done, Error: step.Id.Text == failing ? "refused" : null)),
            new ConcurrentDictionary<string, StepResult>(StringComparer.Ordinal),
            CancellationToken.None);
        return results.ToDictionary(r => r.Id, r => r, StringComparer.Ordinal);
    }

    [Fact]
    public async Task A_failed_take_that_nothing_uses_does_not_stop_the_cut_of_the_other_takes()
    {
        var results = await RunFailing(PlanOf(), "kite#2");

        Assert.Equal(StepOutcome.Failed, results["kite#2"].Outcome);
        Assert.All(new[] { "kite#1", "kite#3", "gull", "gull-2", "boat", "film" }, id => Assert.Equal(StepOutcome.Done, results[id].Outcome));
    }

    [Fact]
    public async Task A_failed_step_that_others_need_stops_the_run_unless_it_keeps_going()
    {
        var stopped = await RunFailing(PlanOf(), "gull");
        var kept = await RunFailing(PlanOf(), "gull", keepGoing: true);

        Assert.Equal(StepOutcome.Skipped, stopped["film"].Outcome);
        Assert.Contains(stopped.Values, r => r.Outcome == StepOutcome.Skipped && r.Error == "not started");
        Assert.Equal((StepOutcome.Done, StepOutcome.Skipped), (kept["boat"].Outcome, kept["gull-2"].Outcome));
        Assert.Equal("needs 'gull', which did not finish", kept["gull-2"].Error);
    }

    [Theory]
    [InlineData(ErrorClass.Moderation, "edit the prompt of 'kite' (")]
    [InlineData(ErrorClass.Transient, "run again")]
    [InlineData(ErrorClass.Invalid, "change what the provider rejected in 'kite'")]
    [InlineData(ErrorClass.QuotaOrAuth, "check the key and the quota of 'local'")]
    public void Every_kind_of_failure_says_what_to_do_next(ErrorClass kind, string advice)
    {
        var step = PlanOf().Find("kite#2")!;

        var failure = FailurePolicy.Decide(step, ProviderException.From(new ProviderError(kind, "no")));

        Assert.Contains(advice, failure.Advice, StringComparison.Ordinal);
        if (kind == ErrorClass.Moderation)
        {
            Assert.Contains("storyboard.yaml(4,", failure.Advice, StringComparison.Ordinal);
        }
    }
}
