namespace Reel.Emulator.Rendering;

/// <summary>
/// Renders each new job's assets in the background while the job runs, as a provider has its files ready when a job
/// completes, so that a download does not wait for a render the provider would already have done. One queue for the
/// whole emulator, at most half the cores rendering at a time, oldest job first; a download that arrives before its
/// job's turn renders at once instead of waiting in the queue, and shares the render with the queue either way
/// (<see cref="ClipStore"/> keeps one render per asset). Renders not yet started are dropped when the emulator stops.
/// </summary>
internal sealed class RenderAhead : IAsyncDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, Environment.ProcessorCount / 2));
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _pending = [];

    /// <summary>Queues <paramref name="render"/>; it runs once a slot is free, unless the emulator is stopping by then.</summary>
    public void Queue(Func<Task> render)
    {
        var task = RunAsync(render, _stopping.Token);
        lock (_gate)
        {
            if (!task.IsCompleted)
            {
                _pending.Add(task);
            }
        }

        _ = task.ContinueWith(
            t =>
            {
                lock (_gate)
                {
                    _pending.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task RunAsync(Func<Task> render, CancellationToken stopping)
    {
        try
        {
            await _slots.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await render().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A failed render is retried by the download that needs it, which reports the failure.
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Drops the queued renders and waits for the ones under way, so that nothing writes to the data directory afterwards.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _pending];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
