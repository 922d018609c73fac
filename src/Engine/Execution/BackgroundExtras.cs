using System.Collections.Concurrent;

namespace Reel.Engine.Execution;

/// <summary>
/// Thumbnails and spritesheets, fetched off the critical path (issue 17): a finished clip releases the steps that
/// need it at once, while its pictures come in the background, at most <see cref="MaxConcurrent"/> at a time. The
/// run waits for all of them at its end, before it reports; each one reaches the lock as soon as both it and its
/// step's entry are there.
/// </summary>
internal sealed class BackgroundExtras
{
    /// <summary>Picture downloads in flight at once: small files, kept few so they never crowd out clips.</summary>
    public const int MaxConcurrent = 2;

    private readonly SemaphoreSlim _slots = new(MaxConcurrent);
    private int _hurried;
    private readonly ConcurrentBag<Task> _work = [];
    private readonly ConcurrentDictionary<string, (string? Thumb, string? Sprite)> _arrived = new(StringComparer.Ordinal);

    /// <summary>Called once per step whose pictures arrived (from the background task).</summary>
    public Action<string, string?, string?>? Arrived { get; set; }

    /// <summary>The pictures of every step whose fetch finished, by step id.</summary>
    public IReadOnlyDictionary<string, (string? Thumb, string? Sprite)> All => _arrived;

    /// <summary>Starts fetching one step's pictures in the background.</summary>
    public void Start(string stepId, Func<CancellationToken, Task<(string? Thumb, string? Sprite)>> fetch, CancellationToken cancellationToken)
    {
        _work.Add(Task.Run(
            async () =>
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var extras = await fetch(cancellationToken).ConfigureAwait(false);
                    _arrived[stepId] = extras;
                    Arrived?.Invoke(stepId, extras.Thumb, extras.Sprite);
                }
                finally
                {
                    _slots.Release();
                }
            },
            CancellationToken.None));
    }

    /// <summary>
    /// Waits for every fetch started so far; a cancelled one is not an error. Called when the run's steps are over:
    /// nothing competes with the pictures any more, so those still queued go <paramref name="atOnce"/> at a time.
    /// </summary>
    public async Task WhenAllAsync(int atOnce = MaxConcurrent)
    {
        if (atOnce > MaxConcurrent && Interlocked.Exchange(ref _hurried, 1) == 0)
        {
            _slots.Release(atOnce - MaxConcurrent);
        }

        try
        {
            await Task.WhenAll(_work).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // An interrupted run keeps what arrived.
        }
    }
}
