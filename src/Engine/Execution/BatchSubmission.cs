using Microsoft.Extensions.Logging;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// <c>--batch</c>: every plain generate step that is ready goes to the provider as one batch job. Each
/// step's intent is journalled first and its job id after, so the scheduler then simply resumes these
/// jobs like any others; a failed batch fails its steps.
/// </summary>
/// <remarks>
/// Creating the batch is treated like a single submit (<see cref="JobSubmitter"/>): a create answered with a transient
/// error created nothing and is sent again; one that got no answer may have created the batch, so the batch made
/// from the same uploaded input is looked for first and adopted when found. When the outcome stays unknown, the
/// steps fail in this run with their intents left open, and the next run looks for their jobs before paying again.
/// </remarks>
internal sealed class BatchSubmission(
    IBatchVideoProvider provider, Journal journal, RequestBuilder requests, RunContext run, TimeProvider time, Retries retries, ILogger logger)
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

        var (batchId, failure, mayExist) = await StartAsync(built, candidates, cancellationToken).ConfigureAwait(false);
        if (batchId is null)
        {
            var error = mayExist
                ? new ProviderError(
                    ErrorClass.Transient,
                    $"the batch create got no answer ({failure!.Message}); the batch may exist, so its steps are not submitted again "
                    + "in this run: the next run looks for their jobs before paying again",
                    "unanswered_submit")
                : failure!.Error;
            for (var i = 0; i < candidates.Count; i++)
            {
                if (!mayExist)
                {
                    // Nothing was created: the intent is closed and the reservation given back.
                    journal.RecordFailed(attempts[i], error.Class.ToString(), error.Message);
                    run.Budget.Settle(costs[i], spent: false);
                }

                run.BatchFailures[candidates[i].Id] = error;
            }

            return;
        }

        Log.BatchStarted(logger, batchId, built.Count);
        IReadOnlyList<JobStatus> statuses;
        try
        {
            statuses = await provider.CompleteBatchAsync(batchId, built, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Transient)
        {
            // The batch exists but could not be followed to its end: its intents stay open for the next run to reconcile.
            var lost = new ProviderError(ErrorClass.Transient, $"batch {batchId} could not be followed ({ex.Message}); the next run looks for its jobs before paying again");
            foreach (var step in candidates)
            {
                run.BatchFailures[step.Id] = lost;
            }

            return;
        }
        catch (ProviderException ex)
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

    /// <summary>
    /// Uploads the input and creates the batch, retrying transient failures on the run's curve. Returns the batch id, or
    /// the last failure and whether a batch may exist anyway (a create went unanswered and its batch was not found).
    /// </summary>
    private async Task<(string? BatchId, ProviderException? Failure, bool MayExist)> StartAsync(
        IReadOnlyList<JobRequest> built, IReadOnlyList<PlannedStep> steps, CancellationToken cancellationToken)
    {
        string? input = null;
        var mayExist = false;
        for (var tries = 1; ; tries++)
        {
            var creating = false;
            try
            {
                // An upload costs nothing: one whose answer was lost is simply uploaded again.
                input ??= await provider.UploadBatchAsync(built, cancellationToken).ConfigureAwait(false);
                if (mayExist && await provider.FindBatchAsync(input, cancellationToken).ConfigureAwait(false) is { } found)
                {
                    Log.BatchAdopted(logger, found);
                    return (found, null, true);
                }

                creating = true;
                return (await provider.CreateBatchAsync(input, cancellationToken).ConfigureAwait(false), null, true);
            }
            catch (ProviderException ex) when (ex.Class == ErrorClass.Transient && tries < Retries.MaxAttempts)
            {
                mayExist |= creating && ex.Unanswered;
                var delay = retries.DelayFor(tries, ex);
                Log.BatchRetrying(logger, ex.Message, delay);
                foreach (var step in steps)
                {
                    run.Emit(step.Id, RunPhase.Retrying, message: ex.Message);
                }

                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex)
            {
                return (null, ex, mayExist || (creating && ex.Unanswered));
            }
        }
    }
}

/// <content>The batch's log messages (kept beside it; event ids 190–199).</content>
internal static partial class Log
{
    [LoggerMessage(EventId = 190, Level = LogLevel.Warning, Message = "batch create failed ({Error}); trying again in {Delay}")]
    public static partial void BatchRetrying(ILogger logger, string error, TimeSpan delay);

    [LoggerMessage(EventId = 191, Level = LogLevel.Information, Message = "batch {Batch} found after its create got no answer; adopted instead of paying twice")]
    public static partial void BatchAdopted(ILogger logger, string batch);
}
