using Microsoft.Extensions.Logging;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// <c>--batch</c>: every plain generate step that is ready goes to the provider as one batch job. Each
/// step's intent is journalled first and its job id after, so the scheduler then simply resumes these
/// jobs like any others; a failed batch fails its steps.
/// </summary>
internal sealed class BatchSubmission(IBatchVideoProvider provider, Journal journal, RequestBuilder requests, RunContext run, ILogger logger)
{
    public async Task SubmitAsync(CancellationToken cancellationToken)
    {
        var candidates = run.Plan.Steps
            .Where(s => s.Status == StepStatus.Run && s.Reason != PlanReason.OutputMissing
                && s.Request is GenerateStep { LastFrameOf: null, Characters.IsEmpty: true }
                && !journal.AttemptsForKey(s.Key).Any(a => !a.IsFinished || a.State == JournalState.Succeeded))
            .ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var built = new List<JobRequest>();
        var attempts = new List<long>();
        var costs = new List<decimal>();
        foreach (var step in candidates)
        {
            built.Add(await requests.BuildAsync(step, run.Results, cancellationToken).ConfigureAwait(false));
            costs.Add(Planner.EstimateCost(step.Request, provider.Capabilities));
            run.Budget.Reserve(step.Id, costs[^1]);
            attempts.Add(journal.BeginAttempt(step.Id, step.Key, provider.Name, "batch:" + step.Key, run.RunId));
            run.Emit(step.Id, RunPhase.Submitting, message: "in batch");
        }

        IReadOnlyList<JobStatus> statuses;
        try
        {
            var batchId = await provider.StartBatchAsync(built, cancellationToken).ConfigureAwait(false);
            Log.BatchStarted(logger, batchId, built.Count);
            statuses = await provider.CompleteBatchAsync(batchId, built, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class != ErrorClass.Transient)
        {
            foreach (var ((step, attempt), cost) in candidates.Zip(attempts).Zip(costs))
            {
                run.Budget.Settle(cost, spent: false);
                journal.RecordFailed(attempt, ex.Class.ToString(), ex.Message);
                run.BatchFailures[step.Id] = ex.Error;
            }

            return;
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            var status = statuses[i];
            if (string.IsNullOrEmpty(status.JobId))
            {
                var error = status.Error ?? new ProviderError(ErrorClass.Invalid, "the batch returned no job for this step");
                run.Budget.Settle(costs[i], spent: false);
                journal.RecordFailed(attempts[i], error.Class.ToString(), error.Message);
                run.BatchFailures[candidates[i].Id] = error;
                continue;
            }

            var created = journal.RecordSubmitted(attempts[i], status.JobId, run.ChargeFor(candidates[i], provider.Name, costs[i])) is not null;
            run.Budget.Settle(costs[i], spent: created);
            run.KnownStatuses[status.JobId] = status;
        }
    }
}
