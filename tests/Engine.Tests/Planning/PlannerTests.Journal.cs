using Reel.Engine.Planning;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Planning;

/// <summary>The planner over a real journal: what it prices for a step whose job may already exist.</summary>
public sealed partial class PlannerTests
{
    [Fact]
    public void A_submit_never_answered_is_priced_as_a_new_job_even_on_a_provider_that_lists_its_jobs()
    {
        const string script = """
            reel: 1
            provider: openai
            defaults: { model: sora-2, size: 1280x720, seconds: 8 }
            scenes:
              - { id: a, prompt: Dawn. }
            """;
        var expanded = Compile(script);
        var key = Planner.Plan(expanded, NoHistory.Instance).Find("a")!.Key;
        using var journal = Journal.Open(Path.Combine(_dir, "state.db"), TimeProvider.System);
        var store = new ObjectStore(Path.Combine(_dir, "objects"));
        var run = journal.BeginRun("storyboard.yaml", "openai");
        var attempt = journal.BeginAttempt("a", key, "openai", key, run);

        // The intent is journalled, the answer never came: plan asks no provider, so it prices the worst case (a
        // new job); the run looks the job up in the provider's list before paying.
        var unanswered = Planner.Plan(expanded, new LockHistory(ScriptLock.Empty, store, journal));
        journal.RecordSubmitted(attempt, "video_a1");
        var answered = Planner.Plan(expanded, new LockHistory(ScriptLock.Empty, store, journal));

        Assert.Equal((StepStatus.Run, PlanReason.New, 0.80m), (unanswered.Find("a")!.Status, unanswered.Find("a")!.Reason, unanswered.Totals.EstimatedCost));
        Assert.Equal((StepStatus.Reuse, PlanReason.JobExists, 0m), (answered.Find("a")!.Status, answered.Find("a")!.Reason, answered.Totals.EstimatedCost));
    }
}
