using Microsoft.Extensions.Logging;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// The exactly-once life of one provider step: reuse what an earlier run already finished, fetch a locked
/// job again when only its file is missing, else resume or submit the job and see it through to the
/// store. Every remote call is journalled before and after.
/// </summary>
internal sealed class JobLifecycle(IVideoProvider provider, Journal journal, ObjectStore store, JobSubmitter submitter, JobCompletion completion, RunContext run, ILogger logger, RemoteSteps? remote = null)
{
    public async Task<StepResult> RunAsync(PlannedStep step, CancellationToken cancellationToken)
    {
        if (remote is null)
        {
            return await RunHereAsync(step, null, cancellationToken).ConfigureAwait(false);
        }

        // With a shared remote: what a teammate already made is downloaded, not paid; what one is making is waited for.
        var reroll = step.Reason == PlanReason.Forced;
        if (!reroll && !run.BatchFailures.ContainsKey(step.Id) && await remote.FindAsync(step, cancellationToken).ConfigureAwait(false) is { } found)
        {
            return found;
        }

        while (true)
        {
            var (published, lease) = await remote.ClaimAsync(step, cancellationToken).ConfigureAwait(false);
            if (published is not null)
            {
                return published;
            }

            await using (lease!.ConfigureAwait(false))
            {
                StepResult result;
                try
                {
                    result = await RunHereAsync(step, lease, cancellationToken).ConfigureAwait(false);
                }
                catch (RemoteLeaseLostException)
                {
                    // Another runner holds the step now: nothing was submitted here; wait for its result (or its expiry).
                    continue;
                }

                await remote.PublishAsync(step, result, cancellationToken).ConfigureAwait(false);
                return result;
            }
        }
    }

    private async Task<StepResult> RunHereAsync(PlannedStep step, RemoteLease? lease, CancellationToken cancellationToken)
    {
        var request = step.Request;
        if (run.BatchFailures.TryGetValue(step.Id, out var batchError))
        {
            throw ProviderException.From(batchError);
        }

        // A re-roll (--force) is a new job by definition; anything else first looks for a finished job with its key.
        if (step.Reason != PlanReason.Forced && await ReuseFinishedAsync(step, cancellationToken).ConfigureAwait(false) is { } reused)
        {
            journal.RecordReused(run.RunId, step.Id, step.Key, provider.Name, reused.Job!);
            return reused;
        }

        if (step.Reason == PlanReason.OutputMissing && step.Prior?.Job is { } lockedJob && request.Kind != StepKind.Character
            && await RefetchAsync(step, lockedJob, cancellationToken).ConfigureAwait(false) is { } refetched)
        {
            journal.RecordReused(run.RunId, step.Id, step.Key, provider.Name, lockedJob);
            return refetched;
        }

        HeldJob job;
        var adopt = lease?.Adopt;
        if (adopt is null && lease?.LostSince is { } since)
        {
            // The previous holder was killed between its submit and recording the job in the claim: find that job.
            adopt = await submitter.FindUnclaimedAsync(step, since, cancellationToken).ConfigureAwait(false);
            if (adopt is not null)
            {
                await lease!.RecordJobAsync(adopt, cancellationToken).ConfigureAwait(false);
            }
        }

        if (adopt is not null)
        {
            // A runner whose lease ran out submitted this job (and its project paid for it): see it through, do not pay again.
            Log.AdoptingRemote(logger, step.Id, adopt);
            var attempt = journal.BeginAttempt(step.Id, step.Key, provider.Name, "remote:" + step.Key, run.RunId);
            journal.RecordSubmitted(attempt, adopt);
            job = new HeldJob(attempt, adopt, 0m, Reused: true);
        }
        else
        {
            if (lease is not null && !await lease.ConfirmAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new RemoteLeaseLostException();
            }

            job = await submitter.ResumeOrSubmitAsync(step, cancellationToken).ConfigureAwait(false);
            if (lease is not null)
            {
                await lease.RecordJobAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            }
        }

        if (job.Reused)
        {
            journal.RecordReused(run.RunId, step.Id, step.Key, provider.Name, job.JobId);
        }

        if (request.Kind == StepKind.Character)
        {
            journal.RecordSucceeded(job.Attempt, job.JobId, job.Cost);
            return new StepResult(step.Id, job.Reused ? StepOutcome.Reused : StepOutcome.Done, job.JobId, Cost: job.Cost, Character: job.JobId);
        }

        return await completion.FinishAsync(step, job, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A finished attempt for this exact key whose result never reached the lock (killed in between).</summary>
    private async Task<StepResult?> ReuseFinishedAsync(PlannedStep step, CancellationToken cancellationToken)
    {
        var finished = journal.AttemptsForKey(step.Key).LastOrDefault(a => a.State == JournalState.Succeeded);
        if (finished is null)
        {
            return null;
        }

        if (step.Request.Kind == StepKind.Character)
        {
            return new StepResult(step.Id, StepOutcome.Reused, finished.JobId, Character: finished.JobId);
        }

        if (finished.OutputSha256 is not { } sha || !store.Contains(sha))
        {
            return null;
        }

        var extras = await completion.FetchExtrasAsync(step, finished.JobId!, cancellationToken).ConfigureAwait(false);
        return new StepResult(step.Id, StepOutcome.Reused, finished.JobId, finished.OutputSha256, extras.Thumb, extras.Sprite);
    }

    /// <summary>
    /// Output missing from the store: fetch the locked job again instead of paying for a new one. Null when
    /// the job is gone (expired, deleted, or a fresh machine for the local renderer) and may be generated again.
    /// </summary>
    private async Task<StepResult?> RefetchAsync(PlannedStep step, string lockedJob, CancellationToken cancellationToken)
    {
        Log.Refetching(logger, step.Id, lockedJob);
        var attempt = journal.BeginAttempt(step.Id, step.Key, provider.Name, "refetch:" + step.Key, run.RunId);
        try
        {
            journal.RecordSubmitted(attempt, lockedJob);
            return await completion.FinishAsync(step, new HeldJob(attempt, lockedJob, 0m, Reused: true), cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class is ErrorClass.Invalid or ErrorClass.Transient)
        {
            if (journal.Get(attempt) is { IsFinished: false })
            {
                journal.RecordAbandoned(attempt, "locked job is no longer available: " + ex.Message);
            }

            // Regenerating a free step changes nothing; paying again is what --frozen forbids.
            if (run.Options.Frozen && Planner.EstimateCost(step.Request, provider.Capabilities) > 0m)
            {
                throw ProviderException.Invalid($"the locked job {lockedJob} is no longer available and --frozen forbids paying for it again ({ex.Message})");
            }

            return null;
        }
    }
}
