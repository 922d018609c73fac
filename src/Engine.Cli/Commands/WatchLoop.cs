using Reel.Engine.Execution;
using Reel.Engine.Projects;

namespace Reel.Cli.Commands;

/// <summary>
/// The watch of <c>run --watch</c> and <c>review --watch</c>: runs, then waits for the script, an include or an input
/// file to be saved, and runs again (the plan reruns only what changed). A broken save prints its diagnostics and the
/// watch goes on; Ctrl+C ends it. On a paid provider it needs <c>--max-cost</c>, which caps the whole watch.
/// </summary>
internal static class WatchLoop
{
    /// <summary>How often the files are compared when no change notification comes (file systems that send none).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a saved file must stay the same before planning: an editor may write it in several goes.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(40);

    /// <summary>Runs and watches until Ctrl+C (or <paramref name="cancellationToken"/>); refuses a paid provider without a cap.</summary>
    public static async Task<int> RunAsync(CliContext context, RunOnce.Target target, RunRequest request, CancellationToken cancellationToken = default) =>
        Refused(context, target, request) ? ExitCodes.Refused : await LoopAsync(context, target, request, cancellationToken);

    /// <summary>
    /// True (and says why on stderr) when the watch would run on a paid provider without <c>--max-cost</c>. Judged also
    /// when the script does not compile yet: the watch would run it on that provider once it does.
    /// </summary>
    public static bool Refused(CliContext context, RunOnce.Target target, RunRequest request)
    {
        var compiled = Common.Open(context, target.Path, target.Provider, target.AllowOutside, profile: target.Profile).Compile();
        var runsOn = compiled.Expanded?.Provider ?? target.Provider ?? compiled.Script?.Provider ?? "local";
        if (runsOn == "local" || request.Run.MaxCost is not null)
        {
            return false;
        }

        context.Error.WriteLine($"refused: --watch on the paid provider '{runsOn}' needs --max-cost (it caps everything the watch runs until it stops); nothing was submitted");
        return true;
    }

    /// <summary>The watch itself, once <see cref="Refused"/> has let it start.</summary>
    public static async Task<int> LoopAsync(CliContext context, RunOnce.Target target, RunRequest request, CancellationToken cancellationToken = default)
    {
        var project = Common.Open(context, target.Path, target.Provider, target.AllowOutside, profile: target.Profile);
        using var trap = context.TrapCancel();
        var spent = 0m;
        while (!cancellationToken.IsCancellationRequested)
        {
            var watched = WatchedFiles(project);
            var before = Fingerprint(watched);
            var left = request.Run.MaxCost is { } cap ? Math.Max(0m, cap - spent) : (decimal?)null;
            var (exit, paid) = await RunOnce.RunAsync(context, target, request with { Run = request.Run with { MaxCost = left } }, json: false, cancellationToken);
            spent += paid;
            if (exit == ExitCodes.Cancelled || cancellationToken.IsCancellationRequested)
            {
                break;
            }

            context.Error.WriteLine($"watching {target.Path} and {watched.Count - 1} other file{(watched.Count == 2 ? "" : "s")} it reads; save to run again, Ctrl+C to stop");
            try
            {
                // A file saved during the run counts too: compare with what the run started from.
                await WaitForSaveAsync(watched, before, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            context.Error.WriteLine("changed: planning again");
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Returns once the files differ from <paramref name="before"/> and have stayed the same for <see cref="Settle"/>.
    /// Change notifications wake it at once; a comparison every <see cref="PollInterval"/> catches what they miss.
    /// </summary>
    private static async Task WaitForSaveAsync(List<string> watched, string before, CancellationToken cancellationToken)
    {
        // Not disposed: a notification already under way may still release it, and it holds no wait handle.
        var wake = new SemaphoreSlim(0);
        using var notifications = Notify(watched, () => wake.Release());
        while (true)
        {
            while (Fingerprint(watched) == before)
            {
                await wake.WaitAsync(PollInterval, cancellationToken);
            }

            // Let an editor finish writing: wait until two looks a moment apart agree.
            var now = Fingerprint(watched);
            while (true)
            {
                await Task.Delay(Settle, cancellationToken);
                var again = Fingerprint(watched);
                if (again == now)
                {
                    break;
                }

                now = again;
            }

            if (now != before)
            {
                return;
            }
        }
    }

    /// <summary>Change notifications for the folders of <paramref name="files"/>; none where the system cannot give them (polling covers it).</summary>
    private static CompositeDisposable Notify(List<string> files, Action changed)
    {
        var watchers = new CompositeDisposable();
        foreach (var folder in files.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal).Where(Directory.Exists))
        {
            try
            {
                var watcher = new FileSystemWatcher(folder)
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    IncludeSubdirectories = false,
                };
                watcher.Changed += (_, _) => changed();
                watcher.Created += (_, _) => changed();
                watcher.Renamed += (_, _) => changed();
                watcher.Deleted += (_, _) => changed();
                watcher.EnableRaisingEvents = true;
                watchers.Add(watcher);
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                // Out of notification handles (or none on this file system): the polling still sees the save.
            }
        }

        return watchers;
    }

    /// <summary>The script, its includes and every input file its steps read (what a save there changes), as far as it compiles.</summary>
    private static List<string> WatchedFiles(Project project)
    {
        var compiled = project.Compile();
        List<string> files = [project.Workspace.ScriptPath];
        if (compiled.Script is { } s)
        {
            files.AddRange(s.IncludedFiles);
        }

        if (compiled.Expanded is { } expanded)
        {
            files.AddRange(expanded.Steps.SelectMany(step => step.Inputs).Select(i => Path.GetFullPath(i.Path, project.Workspace.Directory)));
        }

        return [.. files.Distinct(StringComparer.Ordinal)];
    }

    private static string Fingerprint(List<string> files) => string.Join('|', files.Select(f =>
    {
        var info = new FileInfo(f);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "-";
    }));

    private sealed class CompositeDisposable : IDisposable
    {
        private readonly List<IDisposable> _items = [];

        public void Add(IDisposable item) => _items.Add(item);

        public void Dispose()
        {
            foreach (var item in _items)
            {
                item.Dispose();
            }
        }
    }
}
