namespace Reel.Cli.Review;

/// <summary>
/// Notices when the script, its includes, the lock or the store change (e.g. while <c>reel run</c> works in another
/// terminal) by comparing their sizes and times twice a second: polling works on every file system, also where change
/// notifications are lost (network shares, containers).
/// </summary>
internal sealed class ProjectWatch : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly Func<IReadOnlyList<string>> _watched;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyList<string> _paths = [];
    private string _fingerprint = "";
    private long _version;
    private Task? _loop;

    /// <param name="watched">The paths to watch (files, or a folder whose files are all watched), asked again after each change.</param>
    public ProjectWatch(Func<IReadOnlyList<string>> watched) => _watched = watched;

    /// <summary>Goes up by one at each change.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Start()
    {
        _paths = _watched();
        _fingerprint = Fingerprint(_paths);
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    /// <summary>Records a change made here (a pick), without waiting for the next look.</summary>
    public void Changed()
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            Interlocked.Increment(ref _version);
            done = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }

    /// <summary>The version once it differs from <paramref name="seen"/>, or after <paramref name="timeout"/> (the same version).</summary>
    public async Task<long> WaitAsync(long seen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task next;
        lock (_gate)
        {
            if (Version != seen)
            {
                return Version;
            }

            next = _next.Task;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        try
        {
            await next.WaitAsync(timeout, linked.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A keep-alive.
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The server is stopping.
        }

        return Version;
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = Fingerprint(_paths);
                if (now == _fingerprint)
                {
                    continue;
                }

                // An include may have been added or removed: ask again what to watch.
                _paths = _watched();
                _fingerprint = Fingerprint(_paths);
                Changed();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private static string Fingerprint(IReadOnlyList<string> paths)
    {
        var parts = new List<string>();
        foreach (var path in paths)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    var files = new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
                    parts.Add($"{path}:{files.Count}:{(files.Count == 0 ? 0 : files.Max(f => f.LastWriteTimeUtc.Ticks))}");
                }
                else
                {
                    var file = new FileInfo(path);
                    parts.Add(file.Exists ? $"{path}:{file.Length}:{file.LastWriteTimeUtc.Ticks}" : $"{path}:-");
                }
            }
            catch (IOException)
            {
                parts.Add($"{path}:?");
            }
            catch (UnauthorizedAccessException)
            {
                parts.Add($"{path}:?");
            }
        }

        return string.Join('|', parts);
    }
}
