using Microsoft.Extensions.Logging;
using Reel.Engine.Storage.Remote;

namespace Reel.Engine.Execution;

/// <summary>
/// A claim this run holds: renewed at a third of the lease while the job runs, updated with the job id as soon as the
/// submit is answered, and released (on its ETag) when the step is published or failed. A conditional write answered
/// 412 is not taken for a takeover until the claim is read again: when its owner is still this run, the write went
/// through and only its answer was lost, so the claim's new ETag is kept.
/// </summary>
internal sealed class RemoteLease : IAsyncDisposable
{
    private readonly RemoteStore _remote;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _step;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private HeldClaim? _held;
    private string? _job;
    private Task _renewing = Task.CompletedTask;
    private DateTimeOffset? _lostSince;

    private RemoteLease(RemoteStore remote, HeldClaim held, string? adopt, TimeProvider time, ILogger logger, string step)
    {
        _remote = remote;
        _held = held;
        Adopt = adopt;
        _time = time;
        _logger = logger;
        _step = step;
    }

    /// <summary>The job id the previous holder recorded before its lease ran out: adopt it, do not pay again.</summary>
    public string? Adopt { get; }

    /// <summary>
    /// A claim taken over without a job id: its holder may have submitted just before it was killed, so the provider's
    /// recent jobs since this moment are looked through (where it can list them) before paying again.
    /// </summary>
    public DateTimeOffset? LostSince => _lostSince;

    /// <summary>This lease, remembering when the claim it took over was started (see <see cref="LostSince"/>).</summary>
    public RemoteLease WithLostSince(DateTimeOffset since)
    {
        _lostSince = since;
        return this;
    }

    public static RemoteLease Start(RemoteStore remote, HeldClaim held, string? adopt, TimeProvider time, ILogger logger, string step)
    {
        var lease = new RemoteLease(remote, held, adopt, time, logger, step);
        lease._renewing = lease.RenewAsync(lease._stop.Token);
        return lease;
    }

    /// <summary>
    /// Replaces a claim on its ETag; when that is refused, reads the claim again: still owned by <paramref name="claim"/>'s
    /// owner means an earlier attempt of this very write went through, so it is written again on the ETag read (or kept as is).
    /// </summary>
    /// <returns>The claim held after the write; null when another runner owns it now (or nobody does).</returns>
    public static async Task<HeldClaim?> ReplaceOwnedAsync(RemoteStore remote, HeldClaim held, RemoteClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remote);
        for (var tries = 0; tries < 3; tries++)
        {
            if (await remote.ReplaceClaimAsync(held, claim, cancellationToken).ConfigureAwait(false) is { } replaced)
            {
                return replaced;
            }

            if (await remote.ReadClaimAsync(held.Key, cancellationToken).ConfigureAwait(false) is not { } now || now.Claim.Owner != claim.Owner)
            {
                return null;
            }

            if (now.Claim == claim)
            {
                return now;
            }

            held = now;
        }

        return null;
    }

    /// <summary>
    /// Renews the claim now, right before a paid submit: false when another runner took it over, and then this run must
    /// not submit (it waits for that runner's result instead).
    /// </summary>
    public async Task<bool> ConfirmAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await ReplaceAsync(c => c with { Expires = now + _remote.Settings.Lease }, cancellationToken).ConfigureAwait(false);
        return Volatile.Read(ref _held) is not null;
    }

    /// <summary>
    /// Writes the job id into the claim right after the submit is answered, so a takeover reconciles instead of paying.
    /// When the remote fails here the job goes on; the next renewal writes the id.
    /// </summary>
    public async Task RecordJobAsync(string jobId, CancellationToken cancellationToken)
    {
        _job = jobId;
        try
        {
            await ReplaceAsync(c => c, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteStoreException ex)
        {
            Log.LeaseTrouble(_logger, _step, ex.Message);
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var every = _remote.Settings.Lease / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, _time, cancellationToken).ConfigureAwait(false);
                var now = _time.GetUtcNow();
                await ReplaceAsync(c => c with { Expires = now + _remote.Settings.Lease }, cancellationToken).ConfigureAwait(false);
                if (Volatile.Read(ref _held) is null)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RemoteStoreException ex)
            {
                // One failed renewal is not the end of the lease: the next one tries again; the job itself goes on.
                Log.LeaseTrouble(_logger, _step, ex.Message);
            }
        }
    }

    private async Task ReplaceAsync(Func<RemoteClaim, RemoteClaim> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_held is not { } held)
            {
                return;
            }

            var claim = change(held.Claim);
            if (_job is { } job)
            {
                claim = claim with { Job = job };
            }

            _held = await ReplaceOwnedAsync(_remote, held, claim, cancellationToken).ConfigureAwait(false);
            if (_held is null)
            {
                // Taken over: this run was too slow to renew. The new holder adopts the job recorded in the claim.
                Log.LeaseLost(_logger, _step);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_held is { } held)
            {
                _held = null;
                try
                {
                    await _remote.ReleaseClaimAsync(held).ConfigureAwait(false);
                }
                catch (RemoteStoreException ex)
                {
                    // It expires on its own; others take it over then.
                    Log.LeaseTrouble(_logger, _step, ex.Message);
                }
            }
        }
        finally
        {
            _gate.Release();
            _stop.Dispose();
            _gate.Dispose();
        }
    }
}

/// <summary>The claim was taken over before this run submitted: it must not pay, but wait for the new holder's result.</summary>
internal sealed class RemoteLeaseLostException : Exception
{
    public RemoteLeaseLostException()
        : base("the remote claim was taken over before the submit")
    {
    }

    public RemoteLeaseLostException(string message)
        : base(message)
    {
    }

    public RemoteLeaseLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
