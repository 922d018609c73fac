using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Planning;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// Execute stage: runs a plan's steps on a provider, each exactly once. Every remote call is
/// journalled before and after, results go to the store, and the lock is rewritten after every
/// finished step, so a run killed at any instant resumes without paying twice. Each call of
/// <see cref="RunAsync"/> works in a fresh <see cref="RunSession"/>; the runner itself only keeps the lock.
/// </summary>
public sealed class Runner
{
    internal const string CancelledMessage = "jobs already submitted keep running on the provider; run again to pick them up";

    private readonly IVideoProvider _provider;
    private readonly ObjectStore _store;
    private readonly Journal _journal;
    private readonly LockRecorder _lock;
    private readonly TimeProvider _time;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly Retries _retries;
    private readonly ILogger _logger;
    private readonly string _script;
    private readonly Storage.Remote.RemoteStore? _remote;

    /// <param name="environment">The environment variables of the run (where ffmpeg is found).</param>
    /// <param name="remote">The team's shared remote, when the project has one: steps found there are not paid, and each step is claimed before it is.</param>
    /// <param name="retries">The backoff between resubmits of a transient submit failure (default: on <paramref name="time"/>, with a fresh randomizer).</param>
    public Runner(IVideoProvider provider, ObjectStore store, Journal journal, string lockPath, ScriptLock initialLock, TimeProvider time, IReadOnlyDictionary<string, string?> environment, ILogger? logger = null, Retries? retries = null, Storage.Remote.RemoteStore? remote = null)
    {
        _remote = remote;
        _provider = provider;
        _store = store;
        _journal = journal;
        _lock = new LockRecorder(lockPath, initialLock, time);
        _script = LockFile.ScriptName(lockPath);
        _time = time;
        _environment = environment;
        _retries = retries ?? new Retries(time, new Random().NextDouble);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Raised for every progress change; handlers must be quick and thread-safe.</summary>
    public event Action<RunEvent>? Progress;

    /// <summary>The lock as it stands after the run.</summary>
    public ScriptLock Lock => _lock.Current;

    /// <summary>Checks the refusal rules (--frozen, --max-cost) before anything is spent.</summary>
    public static string? Refusal(Plan plan, RunOptions options)
    {
        var toRun = plan.Steps.Where(s => s.Status == StepStatus.Run && s.Reason != PlanReason.OutputMissing).ToList();
        if (options.Frozen && toRun.Count > 0)
        {
            return $"--frozen: {toRun.Count} step{(toRun.Count == 1 ? " is" : "s are")} not locked ({string.Join(", ", toRun.Take(5).Select(s => $"{s.Id}: {s.Reason.Text()}"))}{(toRun.Count > 5 ? ", …" : "")})";
        }

        if (options.MaxCost is { } cap && plan.Totals.EstimatedCost > cap)
        {
            return $"--max-cost: the new jobs of this plan are estimated at ${plan.Totals.EstimatedCost:0.00}, above the cap of ${cap:0.00}; nothing was submitted";
        }

        return null;
    }

    public async Task<RunResult> RunAsync(Plan plan, RunOptions options, CancellationToken cancellationToken = default)
    {
        var refusal = Refusal(plan, options);
        if (refusal is not null)
        {
            return new RunResult([.. plan.Steps.Select(s => new StepResult(s.Id, StepOutcome.Skipped))], RunStop.Refused, refusal);
        }

        EnsureThreads(options.Concurrency);
        var runId = _journal.BeginRun(_script, _provider.Name);
        var session = new RunSession(plan, options, runId, _provider, _store, _journal, _lock, _time, _environment, _retries, _logger, e => Progress?.Invoke(e), _remote);
        RunResult result;
        try
        {
            result = await session.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = Result(_journal, runId, [.. plan.Steps.Select(s => new StepResult(s.Id, StepOutcome.Skipped, Error: "cancelled"))], RunStop.Cancelled, CancelledMessage);
        }

        await FlushLockAsync().ConfigureAwait(false);
        return result;
    }

    /// <summary>The run ends when the lock file holds every step it finished (the lock is written behind the steps).</summary>
    private async Task FlushLockAsync()
    {
        try
        {
            await _lock.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProjectStateException(
                $"could not write {Path.GetFileName(_lock.Path)}: {ex.Message}; free some space (or fix its permissions) and run again: the journal keeps every job, so nothing is paid twice",
                ex);
        }
    }

    /// <summary>
    /// A run's steps flush files and the journal to disk, and check clips, on thread-pool threads; with only as many
    /// threads as cores, one step's flush holds up another's poll or submit until the pool adds a thread (about one
    /// every half second), which on a busy 2-core machine delayed a continuation's submit by up to a second. So the
    /// pool starts with a few threads per step in flight (it never lowers a larger minimum).
    /// </summary>
    private static void EnsureThreads(int concurrency)
    {
        ThreadPool.GetMinThreads(out var workers, out var completion);
        var wanted = Math.Clamp((concurrency * 3) + 8, 16, 256);
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, Math.Max(completion, wanted));
        }
    }

    /// <summary>True when every step of <paramref name="plan"/> is cached: a run has nothing to submit, fetch or make.</summary>
    public static bool NothingToRun(Plan plan) => plan.Steps.All(s => s.Status == StepStatus.Cached);

    /// <summary>
    /// The result of a plan whose steps are all cached (<see cref="NothingToRun"/>), without a run: nothing is submitted,
    /// journalled or written, as when a run is answered from the up-to-date stamp. Each step's cached phase is raised in
    /// plan order, with its locked job and outputs, as a run reports them.
    /// </summary>
    public static RunResult Cached(Plan plan, ScriptLock scriptLock, Action<RunEvent>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(scriptLock);
        if (!NothingToRun(plan))
        {
            throw new InvalidOperationException("the plan has steps to run");
        }

        var results = plan.Steps.Select(step =>
        {
            var prior = scriptLock.ForStep(step.Id, step.Key);
            progress?.Invoke(new RunEvent(step.Id, RunPhase.Cached, 100));
            return new StepResult(step.Id, StepOutcome.Cached, prior?.Job, prior?.Output, prior?.Thumbnail, prior?.Spritesheet, Character: prior?.Character);
        });
        return new RunResult([.. results], RunStop.Completed, null);
    }

    /// <summary>A run's result with its money from the ledger: what its jobs cost, and how many were still running when it stopped.</summary>
    internal static RunResult Result(Journal journal, long runId, System.Collections.Immutable.ImmutableArray<StepResult> steps, RunStop stop, string? message)
    {
        var unfinished = journal.All().Count(a => a.Run == runId && a.JobId is not null && !a.IsFinished);
        // A step's cost is what the ledger charged this run for it: also a job still running when the run stopped.
        var charged = journal.Ledger().Where(e => e.Run == runId && e.Kind == LedgerKind.Created).GroupBy(e => e.Step, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Price), StringComparer.Ordinal);
        steps = [.. steps.Select(s => charged.TryGetValue(s.Id, out var cost) ? s with { Cost = cost } : s)];
        return new RunResult(steps, stop, message, charged.Values.Sum(), unfinished);
    }
}
