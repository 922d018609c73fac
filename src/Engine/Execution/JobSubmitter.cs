using Microsoft.Extensions.Logging;
using Reel.Engine.Planning;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>A job the run holds: its journal attempt, the provider's id, what this run paid for it, and whether it existed before (reused).</summary>
internal readonly record struct HeldJob(long Attempt, string JobId, decimal Cost, bool Reused = false);

/// <summary>
/// The exactly-once submit: resume a job an earlier run submitted, else find the job an unanswered submit
/// may have created, else reserve the price, journal the intent and submit. A submit answered with a
/// transient error created nothing and is sent again; one that got no answer is only sent again where the
/// provider can list its jobs (or with <c>--resubmit-unanswered</c>).
/// </summary>
internal sealed class JobSubmitter(IVideoProvider provider, Journal journal, RequestBuilder requests, RunContext run, TimeProvider time, Retries retries, ILogger logger)
{
    private const int MaxTries = 8;

    // Submits go side by side (a continuation on the critical path never queues behind other steps' submits);
    // a reconciliation goes alone: while one step looks for its job in the provider's recent list, no other
    // submit is in flight, so an unclaimed job that matches can only come from this step's earlier, interrupted attempt.
    private readonly SubmitGate _gate = new();

    public async Task<HeldJob> ResumeOrSubmitAsync(PlannedStep step, CancellationToken cancellationToken)
    {
        var cost = Planner.EstimateCost(step.Request, provider.Capabilities);
        var open = journal.AttemptsForKey(step.Key).Where(a => !a.IsFinished && a.Provider == provider.Name).ToList();
        foreach (var stale in open.SkipLast(1))
        {
            journal.RecordAbandoned(stale.Id, "superseded by a later attempt for the same key");
        }

        var attempt = open.LastOrDefault();
        if (attempt?.JobId is { } existing)
        {
            // Submitted by this run (a batch) or an earlier one, which paid for it.
            Log.Resuming(logger, step.Id, existing);
            return attempt.Run == run.RunId ? new HeldJob(attempt.Id, existing, cost) : new HeldJob(attempt.Id, existing, 0m, Reused: true);
        }

        JobRequest? request = null;
        var attemptId = attempt?.Id;
        var since = attempt?.IntentAt;

        // An attempt left open by an earlier run may have created a job; one whose submit was answered with an error did not.
        var outcomeUnknown = attempt is not null;
        for (var tries = 1; ; tries++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            request ??= await requests.BuildAsync(step, run.Results, cancellationToken, run.SucceededJobs).ConfigureAwait(false);
            TimeSpan delay;
            var reconciles = attemptId is not null && since is not null && provider.Capabilities.CanReconcile;
            var entered = reconciles ? await _gate.AloneAsync(cancellationToken).ConfigureAwait(false) : await _gate.SubmitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // An intent without a job id: the submit may have reached the provider before the crash or the
                // dropped connection. Look for it before paying again.
                if (attemptId is { } pendingAttempt && since is { } intentAt)
                {
                    if (provider.Capabilities.CanReconcile)
                    {
                        var adopted = provider is IKeyedVideoProvider keyed
                            ? (await keyed.FindAsync(request with { IdempotencyKey = IdempotencyKeys.For(step.Key, pendingAttempt) }, cancellationToken).ConfigureAwait(false))?.JobId
                            : await ReconcileAsync(request, intentAt, cancellationToken).ConfigureAwait(false);
                        if (adopted is not null)
                        {
                            // The unanswered submit created it: charged to the run that sent it (this one, or one that was killed).
                            var chargedTo = journal.RecordSubmitted(pendingAttempt, adopted, run.ChargeFor(step, provider.Name, cost));
                            Log.Adopted(logger, step.Id, adopted);
                            if (chargedTo == run.RunId)
                            {
                                run.Budget.Add(cost);
                                run.Emit(step.Id, RunPhase.Submitting);
                                return new HeldJob(pendingAttempt, adopted, cost);
                            }

                            return new HeldJob(pendingAttempt, adopted, 0m, Reused: true);
                        }
                    }
                    else if (outcomeUnknown)
                    {
                        // The provider cannot list its jobs: the earlier submit may have created one that can't be
                        // found. (After a submit answered with an error nothing was created: it is simply sent again.)
                        if (!run.Options.ResubmitUnanswered)
                        {
                            throw Unanswered(step, intentAt);
                        }

                        journal.RecordAbandoned(pendingAttempt, "unanswered submit; submitted again (--resubmit-unanswered)");
                        attemptId = null;
                        since = null;
                    }
                }

                run.Budget.Reserve(step.Id, cost);
                attemptId ??= journal.BeginAttempt(step.Id, step.Key, provider.Name, step.Key, run.RunId);
                since ??= journal.Get(attemptId.Value)!.IntentAt;
                run.Emit(step.Id, RunPhase.Submitting);
                try
                {
                    // The key names this attempt: a provider that takes one can find the job again if the answer is lost.
                    var status = await provider.SubmitAsync(request with { IdempotencyKey = IdempotencyKeys.For(step.Key, attemptId.Value) }, cancellationToken).ConfigureAwait(false);

                    // A provider that answers a repeated request with the job it made before (local) charges nothing new.
                    var created = journal.RecordSubmitted(attemptId.Value, status.JobId, run.ChargeFor(step, provider.Name, cost)) is not null;
                    run.Budget.Settle(cost, spent: created);
                    if (status.State is JobState.Queued or JobState.Running && status.PollAfter is { } firstPoll)
                    {
                        run.FirstPoll[status.JobId] = firstPoll;
                    }

                    Log.Submitted(logger, step.Id, status.JobId);
                    run.Emit(step.Id, RunPhase.Queued);
                    return created ? new HeldJob(attemptId.Value, status.JobId, cost) : new HeldJob(attemptId.Value, status.JobId, 0m, Reused: true);
                }
                catch (ProviderException ex) when (ex.Class == ErrorClass.Transient && ex.Unanswered && !provider.Capabilities.CanReconcile)
                {
                    run.Budget.Settle(cost, spent: false);
                    // Keep the intent open: a later run reports it again rather than paying twice.
                    throw Unanswered(step, journal.Get(attemptId.Value)!.IntentAt, ex);
                }
                catch (ProviderException ex) when (ex.Class == ErrorClass.Transient && tries < MaxTries)
                {
                    run.Budget.Settle(cost, spent: false);
                    outcomeUnknown = ex.Unanswered;
                    if (ex.RetryAfter is not null || ex.RateLimited)
                    {
                        run.Concurrency.LowerAfterRateLimit();
                    }

                    delay = retries.DelayFor(tries, ex);
                    Log.Retrying(logger, step.Id, ex.Message, delay, tries + 1, MaxTries);
                    run.Emit(step.Id, RunPhase.Retrying, message: ex.Message);
                }
                catch (ProviderException ex)
                {
                    run.Budget.Settle(cost, spent: false);
                    journal.RecordFailed(attemptId.Value, ex.Class.ToString(), ex.Message);
                    throw;
                }
            }
            finally
            {
                entered.Dispose();
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A job for this step that someone submitted since <paramref name="since"/> and no attempt of this journal holds (a
    /// teammate killed before it could say so), where the provider can list its jobs; else null.
    /// </summary>
    public async Task<string?> FindUnclaimedAsync(PlannedStep step, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (!provider.Capabilities.CanReconcile || provider is not IListingVideoProvider)
        {
            return null;
        }

        var request = await requests.BuildAsync(step, run.Results, cancellationToken).ConfigureAwait(false);
        using (await _gate.AloneAsync(cancellationToken).ConfigureAwait(false))
        {
            return await ReconcileAsync(request, since, cancellationToken).ConfigureAwait(false);
        }
    }

    private ProviderException Unanswered(PlannedStep step, DateTimeOffset intentAt, Exception? inner = null) => ProviderException.Invalid(
        $"the submit of '{step.Id}' at {intentAt:yyyy-MM-dd HH:mm:ss}Z got no answer ({(inner is null ? "the run stopped" : inner.Message)}); "
        + $"'{provider.Name}' cannot list its jobs, so Reel does not know whether it created one and will not pay twice on its own. "
        + $"Check the provider's dashboard; to submit it again, run with --resubmit-unanswered",
        "unanswered_submit",
        inner: inner);

    /// <summary>The unclaimed job in the provider's recent list that matches the request, oldest first.</summary>
    private async Task<string?> ReconcileAsync(JobRequest request, DateTimeOffset intentAt, CancellationToken cancellationToken)
    {
        // The table said this provider can reconcile; one that cannot list its jobs would silently pay twice.
        var lister = provider as IListingVideoProvider
            ?? throw new InvalidOperationException($"provider '{provider.Name}' claims to reconcile but cannot list its jobs");
        var recent = await lister.ListRecentAsync(intentAt.AddSeconds(-2), cancellationToken).ConfigureAwait(false);
        var claimed = journal.All().Where(a => a.JobId is not null).Select(a => a.JobId!).ToHashSet(StringComparer.Ordinal);

        // What the listed job must show: its prompt (a character: its name), and the size and seconds it can be checked by.
        var (prompt, size, expectedSeconds) = request switch
        {
            GenerateRequest g => (g.Prompt, g.Size.ToString(), (int?)g.Seconds),
            ExtendRequest e => (e.Prompt, null, null),
            EditRequest e => (e.Prompt, null, e.Seconds),
            CreateCharacterRequest c => (c.Name, (string?)null, (int?)0),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "unknown job kind"),
        };
        return recent
            .Where(j => !claimed.Contains(j.JobId))
            .Where(j => j.Prompt == prompt
                && (j.Model is null || request.Model is null || j.Model == request.Model)
                && (j.Size is null || size is null || j.Size == size)
                && (j.Seconds is null || expectedSeconds is null || j.Seconds == expectedSeconds))
            .OrderBy(j => j.CreatedAt ?? DateTimeOffset.MaxValue)
            .Select(j => j.JobId)
            .FirstOrDefault();
    }
}
