using Microsoft.Extensions.Logging;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Storage;
using Reel.Engine.Storage.Remote;

namespace Reel.Engine.Execution;

/// <summary>
/// The team-wide exactly-once protocol on a shared remote: before a step is paid for, look for its result in
/// <c>steps/</c> (download and verify, not paid: reused); else claim it (a lease, renewed while the job runs) or, when
/// another runner holds it, wait for its result — taking an expired claim over on its ETag and adopting the job id
/// it recorded instead of paying again. The winner publishes the objects, then <c>steps/&lt;key&gt;.json</c>, then releases.
/// </summary>
internal sealed class RemoteSteps(RemoteStore remote, ObjectStore store, Journal journal, IVideoProvider provider, RequestBuilder requests, RunContext run, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);

    private readonly string _owner = Guid.NewGuid().ToString("N");

    /// <summary>The step's result from the remote's <c>steps/</c>, its objects downloaded and verified; null when it has none.</summary>
    public async Task<StepResult?> FindAsync(PlannedStep step, CancellationToken cancellationToken)
    {
        if (await remote.GetStepAsync(step.Key, cancellationToken).ConfigureAwait(false) is not { } found || found.Key != step.Key)
        {
            return null;
        }

        if (step.Request.Kind != StepKind.Character && found.Output is null)
        {
            return null;
        }

        foreach (var sha in found.Objects.Where(o => !store.Contains(o)))
        {
            if (!await remote.DownloadObjectAsync(store, sha, cancellationToken).ConfigureAwait(false) && sha == found.Output)
            {
                // A record whose clip never arrived (deleted by hand): render it here.
                return null;
            }
        }

        if (found.Job is { } job)
        {
            journal.RecordReused(run.RunId, step.Id, step.Key, provider.Name, job);
        }

        Log.RemoteHit(logger, step.Id, remote.Settings.Url);
        return new StepResult(step.Id, StepOutcome.Reused, found.Job, found.Output,
            found.Thumbnail is { } t && store.Contains(t) ? t : null,
            found.Spritesheet is { } s && store.Contains(s) ? s : null,
            Character: found.Character, Source: "remote");
    }

    /// <summary>
    /// Claims the step, or waits while another runner holds it: returns the remote's result as soon as it appears, or the
    /// lease once the step is free or its holder's lease ran out (then with the job id to adopt, if it recorded one).
    /// </summary>
    public async Task<(StepResult? Found, RemoteLease? Lease)> ClaimAsync(PlannedStep step, CancellationToken cancellationToken)
    {
        var wait = FirstWait;
        var told = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = time.GetUtcNow();
            var mine = new RemoteClaim(_owner, Environment.MachineName, now, now + remote.Settings.Lease, provider.Name);
            var taken = await remote.TryClaimAsync(step.Key, mine, cancellationToken).ConfigureAwait(false);
            var held = taken is null ? await remote.ReadClaimAsync(step.Key, cancellationToken).ConfigureAwait(false) : null;
            if (held?.Claim.Owner == _owner)
            {
                // Refused only because an earlier attempt of this very claim went through and its answer was lost.
                taken = held;
            }

            if (taken is not null)
            {
                // The holder may have published and released between our look in steps/ and this claim.
                if (await FindAsync(step, cancellationToken).ConfigureAwait(false) is { } late)
                {
                    await remote.ReleaseClaimAsync(taken, cancellationToken).ConfigureAwait(false);
                    return (late, null);
                }

                return (null, RemoteLease.Start(remote, taken, null, time, logger, step.Id.Text));
            }

            if (await FindAsync(step, cancellationToken).ConfigureAwait(false) is { } published)
            {
                return (published, null);
            }

            if (held is not null)
            {
                if (held.Claim.Expires <= now)
                {
                    var takeover = mine with { Job = held.Claim.Job };
                    if (await RemoteLease.ReplaceOwnedAsync(remote, held, takeover, cancellationToken).ConfigureAwait(false) is { } ours)
                    {
                        Log.TookOver(logger, step.Id, held.Claim.Host, held.Claim.Job ?? "no job yet");
                        var lease = RemoteLease.Start(remote, ours, held.Claim.Job, time, logger, step.Id.Text);
                        return (null, held.Claim.Job is null ? lease.WithLostSince(held.Claim.Started) : lease);
                    }
                }
                else if (!told)
                {
                    told = true;
                    run.Emit(step.Id, RunPhase.Waiting, message: $"another runner ({held.Claim.Host}) is rendering it; waiting for its result");
                    Log.Waiting(logger, step.Id, held.Claim.Host);
                }

                // Never sleep past the holder's expiry by much: a takeover should follow it closely.
                var untilExpiry = held.Claim.Expires - now;
                var pause = untilExpiry > TimeSpan.Zero && untilExpiry < wait ? untilExpiry + TimeSpan.FromMilliseconds(50) : wait;
                await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(LongestWait.Ticks, wait.Ticks * 2));
            }
        }
    }

    /// <summary>The objects first, then <c>steps/&lt;key&gt;.json</c> (first writer wins), so a record never names a missing object.</summary>
    public async Task PublishAsync(PlannedStep step, StepResult result, CancellationToken cancellationToken)
    {
        if (result.Outcome is not (StepOutcome.Done or StepOutcome.Reused) || (result.Output is null && result.Character is null))
        {
            return;
        }

        foreach (var sha in new[] { result.Output, result.Thumbnail, result.Spritesheet }.OfType<string>())
        {
            await remote.UploadObjectAsync(store, sha, cancellationToken).ConfigureAwait(false);
        }

        var record = new RemoteStep(step.Key, step.Request.Provider, StepFacts.Model(step.Request), result.Job, result.Output, result.Thumbnail, result.Spritesheet,
            result.Character, Planner.EstimateCost(step.Request, provider.Capabilities), requests.SeedFor(step), time.GetUtcNow());
        if (!await remote.PutStepAsync(record, cancellationToken).ConfigureAwait(false))
        {
            Log.RemoteFirstWriter(logger, step.Id);
        }
    }
}
