namespace Reel.Engine.Execution;

/// <summary>
/// Submits go side by side; a reconciliation (looking for the job an unanswered submit may have created in the
/// provider's recent list) goes alone. While one reconciles no submit is in flight, so an unclaimed job that matches
/// can only come from the reconciling step's earlier attempt. A waiting reconciliation holds back new submits, so it
/// is never starved.
/// </summary>
internal sealed class SubmitGate
{
    // Held by a reconciliation for its whole turn, and by a submit only while it enters.
    private readonly SemaphoreSlim _turnstile = new(1, 1);
    private readonly Lock _gate = new();
    private int _submits;
    private TaskCompletionSource _idle = Idle();

    /// <summary>Enters as one of several submits; dispose to leave.</summary>
    public async Task<IDisposable> SubmitAsync(CancellationToken cancellationToken)
    {
        await _turnstile.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_submits++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        _turnstile.Release();
        return new Leave(this, exclusive: false);
    }

    /// <summary>Enters alone, once the submits in flight are answered and journalled; dispose to leave.</summary>
    public async Task<IDisposable> AloneAsync(CancellationToken cancellationToken)
    {
        await _turnstile.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task idle;
            lock (_gate)
            {
                idle = _idle.Task;
            }

            await idle.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Leave(this, exclusive: true);
        }
        catch
        {
            _turnstile.Release();
            throw;
        }
    }

    private static TaskCompletionSource Idle()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        idle.SetResult();
        return idle;
    }

    private void Exit(bool exclusive)
    {
        if (exclusive)
        {
            _turnstile.Release();
            return;
        }

        lock (_gate)
        {
            if (--_submits == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private sealed class Leave(SubmitGate gate, bool exclusive) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                gate.Exit(exclusive);
            }
        }
    }
}
