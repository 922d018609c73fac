using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// Execute stage: runs a plan's steps on a provider, each exactly once. Every remote call is
/// journalled before and after, results go to the store, and the lock is rewritten after every
/// finished step, so a run killed at any instant resumes without paying twice.
/// </summary>
public sealed class Runner
{
    private static readonly TimeSpan MinPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MinHint = TimeSpan.FromMilliseconds(20);
    private const int MaxTransientTries = 8;

    private readonly IVideoProvider _provider;
    private readonly ObjectStore _store;
    private readonly Journal _journal;
    private readonly string _lockPath;
    private readonly TimeProvider _time;
    private readonly Retries _retries;
    private readonly ILogger _logger;
    private readonly System.Threading.Lock _gate = new();
    private readonly SemaphoreSlim _submitGate = new(1, 1);
    private readonly ConcurrentDictionary<string, JobStatus> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _firstPoll = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ProviderError> _batchFailures = new(StringComparer.Ordinal);
    private ScriptLock _lock;
    private decimal _spent;
    private decimal? _maxCost;
    private int _limit;
    private volatile bool _halt;
    private bool _warnedNoFfprobe;
    private string? _haltMessage;
    private RunStop _haltKind = RunStop.Completed;

    /// <param name="retries">The backoff between resubmits of a transient submit failure (default: on <paramref name="time"/>, with a fresh randomizer).</param>
    public Runner(IVideoProvider provider, ObjectStore store, Journal journal, string lockPath, ScriptLock initialLock, TimeProvider time, ILogger? logger = null, Retries? retries = null)
    {
        _provider = provider;
        _store = store;
        _journal = journal;
        _lockPath = lockPath;
        _lock = initialLock;
        _time = time;
        _retries = retries ?? new Retries(time, new Random().NextDouble);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Raised for every progress change; handlers must be quick and thread-safe.</summary>
    public event Action<RunEvent>? Progress;

    /// <summary>The lock as it stands after the run.</summary>
    public ScriptLock Lock
    {
        get
        {
            lock (_gate)
            {
                return _lock;
            }
        }
    }

    /// <summary>Checks the refusal rules (--frozen, --max-cost) before anything is spent.</summary>
    public static string? Refusal(Plan plan, RunOptions options)
    {
        var toRun = plan.Steps.Where(s => s.Status == StepStatus.Run && s.Reason != Reasons.OutputMissing).ToList();
        if (options.Frozen && toRun.Count > 0)
        {
            return $"--frozen: {toRun.Count} step{(toRun.Count == 1 ? " is" : "s are")} not locked ({string.Join(", ", toRun.Take(5).Select(s => $"{s.Id}: {s.Reason}"))}{(toRun.Count > 5 ? ", …" : "")})";
        }

        if (options.MaxCost is { } cap && plan.Totals.EstimatedCost > cap)
        {
            return $"--max-cost: the plan is estimated at ${plan.Totals.EstimatedCost:0.00}, above the cap of ${cap:0.00}; nothing was submitted";
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

        try
        {
            return await RunStepsAsync(plan, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new RunResult([.. plan.Steps.Select(s => new StepResult(s.Id, StepOutcome.Skipped, Error: "cancelled"))], RunStop.Cancelled, CancelledMessage);
        }
    }

    private const string CancelledMessage = "jobs already submitted keep running on the provider; run again to pick them up";

    private bool _resubmitUnanswered;

    private async Task<RunResult> RunStepsAsync(Plan plan, RunOptions options, CancellationToken cancellationToken)
    {

        _limit = Math.Max(1, options.Concurrency);
        _maxCost = options.MaxCost;
        _resubmitUnanswered = options.ResubmitUnanswered;
        if (plan.Steps.Any(s => s.Status == StepStatus.Run && s.Request.Kind != StepKind.Cut))
        {
            var halted = await PreflightAsync(plan, cancellationToken).ConfigureAwait(false);
            if (halted is not null)
            {
                return halted;
            }

            if (options.Batch && _provider is IBatchVideoProvider batchProvider)
            {
                await SubmitBatchAsync(plan, batchProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        var byId = plan.Steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var results = new ConcurrentDictionary<string, StepResult>(StringComparer.Ordinal);
        var pending = plan.Steps.ToDictionary(s => s.Id, s => s.Request.Needs.Count(byId.ContainsKey), StringComparer.Ordinal);
        var dependents = plan.Steps.SelectMany(s => s.Request.Needs.Where(byId.ContainsKey).Select(n => (n, s.Id)))
            .GroupBy(x => x.n, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Id).ToList(), StringComparer.Ordinal);
        var priority = RemainingPath(plan, dependents);
        var ready = new PriorityQueue<PlannedStep, (double, int)>();
        var order = plan.Steps.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        foreach (var s in plan.Steps.Where(s => pending[s.Id] == 0))
        {
            ready.Enqueue(s, (-priority[s.Id], order[s.Id]));
        }

        var running = new Dictionary<Task<StepResult>, string>();
        var stopLaunching = false;
        var cancelled = false;
        while (ready.Count > 0 || running.Count > 0)
        {
            while (!stopLaunching && !_halt && !cancellationToken.IsCancellationRequested && running.Count < _limit && ready.TryDequeue(out var next, out _))
            {
                running[RunStepAsync(next, results, options, cancellationToken)] = next.Id;
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
            var id = running[done];
            running.Remove(done);
            StepResult result;
            try
            {
                result = await done.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                continue;
            }

            results[id] = result;
            if (result.Outcome is StepOutcome.Done or StepOutcome.Cached)
            {
                foreach (var d in dependents.GetValueOrDefault(id) ?? [])
                {
                    if (--pending[d] == 0)
                    {
                        ready.Enqueue(byId[d], (-priority[d], order[d]));
                    }
                }
            }
            else if (result.Outcome == StepOutcome.Failed && !options.KeepGoing)
            {
                stopLaunching = true;
            }
        }

        cancelled |= cancellationToken.IsCancellationRequested;
        var final = plan.Steps.Select(s => results.TryGetValue(s.Id, out var r) ? r : cancelled ? new StepResult(s.Id, StepOutcome.Skipped, Error: "interrupted") : Skipped(s, results, byId)).ToImmutableArray();
        foreach (var r in final.Where(r => r.Outcome == StepOutcome.Skipped && !results.ContainsKey(r.Id)))
        {
            Emit(new RunEvent(r.Id, RunPhase.Skipped, Message: r.Error));
        }

        var stop = cancelled ? RunStop.Cancelled : _halt ? _haltKind : RunStop.Completed;
        return new RunResult(final, stop, cancelled ? CancelledMessage : _haltMessage);
    }

    /// <summary>
    /// One cheap call before anything is submitted, so a wrong key or an exhausted quota stops the
    /// run at the first call instead of failing several submits at once.
    /// </summary>
    private async Task<RunResult?> PreflightAsync(Plan plan, CancellationToken cancellationToken)
    {
        try
        {
            await _provider.CheckAccessAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.QuotaOrAuth)
        {
            var message = $"the provider refused the first call: {ex.Message}; nothing was submitted";
            Log.Failed(_logger, _provider.Name, message);
            return new RunResult([.. plan.Steps.Select(s => new StepResult(s.Id, s.Status == StepStatus.Cached ? StepOutcome.Cached : StepOutcome.Skipped))], RunStop.Halted, message);
        }
        catch (ProviderException)
        {
            // Transient trouble: the steps themselves retry.
            return null;
        }
    }

    /// <summary>
    /// --batch: every ready generate step goes to the provider as one batch job. Each step's intent
    /// is journalled first and its job id after, so the scheduler then simply resumes these jobs.
    /// </summary>
    private async Task SubmitBatchAsync(Plan plan, IBatchVideoProvider provider, CancellationToken cancellationToken)
    {
        var candidates = plan.Steps
            .Where(s => s.Status == StepStatus.Run && s.Reason != Reasons.OutputMissing
                && s.Request.Kind == StepKind.Generate && s.Request.Mode is null && s.Request.Characters.IsEmpty
                && !_journal.AttemptsForKey(s.Key).Any(a => !a.IsFinished || a.State == JournalStates.Succeeded))
            .ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var empty = new ConcurrentDictionary<string, StepResult>(StringComparer.Ordinal);
        var requests = new List<JobRequest>();
        var attempts = new List<long>();
        foreach (var step in candidates)
        {
            requests.Add(await BuildRequestAsync(step, empty, cancellationToken).ConfigureAwait(false));
            ReserveBudget(step, Planner.EstimateCost(step.Request, _provider.Capabilities));
            attempts.Add(_journal.BeginAttempt(step.Id, step.Key, _provider.Name, "batch:" + step.Key));
            Emit(new RunEvent(step.Id, RunPhase.Submitting, Message: "in batch", SpentSoFar: _spent));
        }

        IReadOnlyList<JobStatus> statuses;
        try
        {
            var batchId = await provider.StartBatchAsync(requests, cancellationToken).ConfigureAwait(false);
            Log.BatchStarted(_logger, batchId, requests.Count);
            statuses = await provider.CompleteBatchAsync(batchId, requests, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class != ErrorClass.Transient)
        {
            foreach (var (step, attempt) in candidates.Zip(attempts))
            {
                _journal.RecordFailed(attempt, ex.Class.ToString(), ex.Message);
                _batchFailures[step.Id] = ex.Error;
            }

            return;
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            var status = statuses[i];
            if (string.IsNullOrEmpty(status.JobId) || status.State == JobState.Failed && status.Error is not null && string.IsNullOrEmpty(status.JobId))
            {
                var error = status.Error ?? new ProviderError(ErrorClass.Invalid, "the batch returned no job for this step");
                _journal.RecordFailed(attempts[i], error.Class.ToString(), error.Message);
                _batchFailures[candidates[i].Id] = error;
                continue;
            }

            _journal.RecordSubmitted(attempts[i], status.JobId);
            _known[status.JobId] = status;
        }
    }

    private static StepResult Skipped(PlannedStep step, ConcurrentDictionary<string, StepResult> results, Dictionary<string, PlannedStep> byId)
    {
        var failedNeed = step.Request.Needs.FirstOrDefault(n => results.TryGetValue(n, out var r) && r.Outcome is StepOutcome.Failed or StepOutcome.Skipped);
        return new StepResult(step.Id, StepOutcome.Skipped, Error: failedNeed is null ? "not started" : $"needs '{failedNeed}', which did not finish");
    }

    /// <summary>Longest chain of estimated durations from each step to the end: longest first keeps the run short.</summary>
    private static Dictionary<string, double> RemainingPath(Plan plan, Dictionary<string, List<string>> dependents)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in plan.Steps.Reverse())
        {
            var tail = (dependents.GetValueOrDefault(s.Id) ?? []).Select(d => result[d]).DefaultIfEmpty(0).Max();
            result[s.Id] = s.EstimatedDuration.TotalSeconds + 0.001 + tail;
        }

        return result;
    }

    private async Task<StepResult> RunStepAsync(PlannedStep step, ConcurrentDictionary<string, StepResult> results, RunOptions options, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var started = _time.GetTimestamp();
        try
        {
            var result = await ExecuteAsync(step, results, options, cancellationToken).ConfigureAwait(false);
            result = result with { Duration = _time.GetElapsedTime(started) };
            if (result.Outcome == StepOutcome.Done)
            {
                Record(step, result);
                Log.Done(_logger, step.Id, result.Output ?? result.Character ?? "");
            }

            Emit(new RunEvent(step.Id, result.Outcome == StepOutcome.Cached ? RunPhase.Cached : RunPhase.Done, 100, SpentSoFar: _spent));
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ProviderException ex)
        {
            var message = ex.Class switch
            {
                ErrorClass.Moderation => $"refused by the provider's moderation: {ex.Message} (prompt: \"{Shorten(step.Request.Prompt)}\"{(step.Request.Image is { } img ? $", image: {Path.GetFileName(img.Path)}" : "")})",
                ErrorClass.Invalid => $"rejected by the provider: {ex.Message}{(ex.Error.Param is { } p ? $" (param: {p})" : "")}",
                ErrorClass.QuotaOrAuth => $"stopped: {ex.Message}",
                _ => ex.Message,
            };
            if (ex.Class == ErrorClass.QuotaOrAuth)
            {
                _halt = true;
                _haltKind = RunStop.Halted;
                _haltMessage = $"{step.Id}: {message}; nothing else was submitted";
            }

            return Fail(step, message);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or RunRefusedException or NotSupportedException or FfmpegMissingException or FfmpegException)
        {
            if (ex is RunRefusedException)
            {
                _halt = true;
                _haltKind = RunStop.Refused;
                _haltMessage = ex.Message;
            }

            return Fail(step, ex.Message);
        }
    }

    private StepResult Fail(PlannedStep step, string message)
    {
        Log.Failed(_logger, step.Id, message);
        Emit(new RunEvent(step.Id, RunPhase.Failed, Message: message, SpentSoFar: _spent));
        return new StepResult(step.Id, StepOutcome.Failed, Error: message);
    }

    private static string Shorten(string s) => s.Length <= 120 ? s.ReplaceLineEndings(" ") : s[..117].ReplaceLineEndings(" ") + "…";

    private async Task<StepResult> ExecuteAsync(PlannedStep step, ConcurrentDictionary<string, StepResult> results, RunOptions options, CancellationToken cancellationToken)
    {
        var request = step.Request;
        if (step.Status == StepStatus.Cached)
        {
            var prior = _lock.ForStep(step.Id);
            return new StepResult(step.Id, StepOutcome.Cached, prior?.Job, prior?.Output, prior?.Thumbnail, prior?.Spritesheet, prior?.Cost ?? 0m, Character: prior?.Character);
        }

        if (request.Kind == StepKind.Cut)
        {
            return await CutAsync(step, results, cancellationToken).ConfigureAwait(false);
        }

        if (_batchFailures.TryGetValue(step.Id, out var batchError))
        {
            throw ProviderException.From(batchError);
        }

        // A finished attempt for this exact key whose result never reached the lock (killed in between).
        var finished = _journal.AttemptsForKey(step.Key).LastOrDefault(a => a.State == JournalStates.Succeeded);
        if (finished is not null && (request.Kind == StepKind.Character || (finished.OutputSha256 is { } sha && _store.Contains(sha))))
        {
            if (request.Kind == StepKind.Character)
            {
                return new StepResult(step.Id, StepOutcome.Done, finished.JobId, Cost: finished.Cost, Character: finished.JobId);
            }

            var extras = await FetchExtrasAsync(step, finished.JobId!, cancellationToken).ConfigureAwait(false);
            return new StepResult(step.Id, StepOutcome.Done, finished.JobId, finished.OutputSha256, extras.Thumb, extras.Sprite, finished.Cost);
        }

        // Output missing from the store: fetch the locked job again instead of paying for a new one.
        if (step.Reason == Reasons.OutputMissing && step.Prior?.Job is { } lockedJob && request.Kind != StepKind.Character)
        {
            Log.Refetching(_logger, step.Id, lockedJob);
            var attempt = _journal.BeginAttempt(step.Id, step.Key, _provider.Name, "refetch:" + step.Key);
            try
            {
                _journal.RecordSubmitted(attempt, lockedJob);
                return await FinishAsync(step, attempt, lockedJob, results, 0m, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex) when (ex.Class is ErrorClass.Invalid or ErrorClass.Transient)
            {
                var current = _journal.Get(attempt);
                if (current is { IsFinished: false })
                {
                    _journal.RecordAbandoned(attempt, "locked job is no longer available: " + ex.Message);
                }

                // The job is gone (expired, deleted, or a fresh machine for the local renderer): generate it
                // again, unless --frozen forbids spending; regenerating a free step changes nothing.
                if (options.Frozen && Planner.EstimateCost(request, _provider.Capabilities) > 0m)
                {
                    throw ProviderException.Invalid($"the locked job {lockedJob} is no longer available and --frozen forbids paying for it again ({ex.Message})");
                }
            }
        }

        var job = await ResumeOrSubmitAsync(step, results, cancellationToken).ConfigureAwait(false);
        if (request.Kind == StepKind.Character)
        {
            _journal.RecordSucceeded(job.Attempt, job.JobId, 0m);
            return new StepResult(step.Id, StepOutcome.Done, job.JobId, Character: job.JobId);
        }

        return await FinishAsync(step, job.Attempt, job.JobId, results, job.Cost, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(long Attempt, string JobId, decimal Cost)> ResumeOrSubmitAsync(PlannedStep step, ConcurrentDictionary<string, StepResult> results, CancellationToken cancellationToken)
    {
        var cost = Planner.EstimateCost(step.Request, _provider.Capabilities);
        var open = _journal.AttemptsForKey(step.Key).Where(a => !a.IsFinished && a.Provider == _provider.Name).ToList();
        foreach (var stale in open.SkipLast(1))
        {
            _journal.RecordAbandoned(stale.Id, "superseded by a later attempt for the same key");
        }

        var attempt = open.LastOrDefault();
        if (attempt?.JobId is { } existing)
        {
            Log.Resuming(_logger, step.Id, existing);
            return (attempt.Id, existing, cost);
        }

        JobRequest? request = null;
        var attemptId = attempt?.Id;
        var since = attempt?.IntentAt;

        // An attempt left open by an earlier run may have created a job; one whose submit was answered with an error did not.
        var outcomeUnknown = attempt is not null;
        for (var tries = 1; ; tries++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            request ??= await BuildRequestAsync(step, results, cancellationToken).ConfigureAwait(false);
            TimeSpan delay;

            // Submits and reconciliations are serialised: while one step looks for its job in the
            // provider's recent list, no other submit is in flight, so an unclaimed job that matches
            // can only come from this step's earlier, interrupted attempt.
            await _submitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // An intent without a job id: the submit may have reached the provider before the crash
                // or the dropped connection. Look for it before paying again.
                if (attemptId is { } pendingAttempt && since is { } intentAt)
                {
                    if (_provider.Capabilities.CanReconcile)
                    {
                        var adopted = await ReconcileAsync(request, intentAt, cancellationToken).ConfigureAwait(false);
                        if (adopted is not null)
                        {
                            _journal.RecordSubmitted(pendingAttempt, adopted);
                            Log.Adopted(_logger, step.Id, adopted);
                            return (pendingAttempt, adopted, cost);
                        }
                    }
                    else if (outcomeUnknown)
                    {
                        // The provider cannot list its jobs: the earlier submit may have created one that can't be
                        // found. (After a submit answered with an error nothing was created: it is simply sent again.)
                        if (!_resubmitUnanswered)
                        {
                            throw Unanswered(step, intentAt);
                        }

                        _journal.RecordAbandoned(pendingAttempt, "unanswered submit; submitted again (--resubmit-unanswered)");
                        attemptId = null;
                        since = null;
                    }
                }

                ReserveBudget(step, cost);
                attemptId ??= _journal.BeginAttempt(step.Id, step.Key, _provider.Name, step.Key);
                since ??= _journal.Get(attemptId.Value)!.IntentAt;
                Emit(new RunEvent(step.Id, RunPhase.Submitting, SpentSoFar: _spent));
                try
                {
                    var status = await _provider.SubmitAsync(request, cancellationToken).ConfigureAwait(false);
                    _journal.RecordSubmitted(attemptId.Value, status.JobId);
                    if (status.State is JobState.Queued or JobState.Running && status.PollAfter is { } firstPoll)
                    {
                        _firstPoll[status.JobId] = firstPoll;
                    }

                    Log.Submitted(_logger, step.Id, status.JobId);
                    return (attemptId.Value, status.JobId, cost);
                }
                catch (ProviderException ex) when (ex.Class == ErrorClass.Transient && ex.Unanswered && !_provider.Capabilities.CanReconcile)
                {
                    // Keep the intent open: a later run reports it again rather than paying twice.
                    throw Unanswered(step, _journal.Get(attemptId.Value)!.IntentAt, ex);
                }
                catch (ProviderException ex) when (ex.Class == ErrorClass.Transient && tries < MaxTransientTries)
                {
                    ReleaseBudget(cost);
                    outcomeUnknown = ex.Unanswered;
                    if (ex.RetryAfter is not null || ex.RateLimited)
                    {
                        LowerConcurrency();
                    }

                    delay = _retries.DelayFor(tries, ex);
                    Log.Retrying(_logger, step.Id, ex.Message, delay);
                    Emit(new RunEvent(step.Id, RunPhase.Retrying, Message: ex.Message, SpentSoFar: _spent));
                }
                catch (ProviderException ex)
                {
                    ReleaseBudget(cost);
                    _journal.RecordFailed(attemptId.Value, ex.Class.ToString(), ex.Message);
                    throw;
                }
            }
            finally
            {
                _submitGate.Release();
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private ProviderException Unanswered(PlannedStep step, DateTimeOffset intentAt, Exception? inner = null) => ProviderException.Invalid(
        $"the submit of '{step.Id}' at {intentAt:yyyy-MM-dd HH:mm:ss}Z got no answer ({(inner is null ? "the run stopped" : inner.Message)}); "
        + $"'{_provider.Name}' cannot list its jobs, so Reel does not know whether it created one and will not pay twice on its own. "
        + $"Check the provider's dashboard; to submit it again, run with --resubmit-unanswered",
        "unanswered_submit",
        inner: inner);

    private async Task<string?> ReconcileAsync(JobRequest request, DateTimeOffset intentAt, CancellationToken cancellationToken)
    {
        if (_provider is not IListingVideoProvider lister)
        {
            return null;
        }

        var recent = await lister.ListRecentAsync(intentAt.AddSeconds(-2), cancellationToken).ConfigureAwait(false);
        var claimed = _journal.All().Where(a => a.JobId is not null).Select(a => a.JobId!).ToHashSet(StringComparer.Ordinal);

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

    private void ReserveBudget(PlannedStep step, decimal cost)
    {
        lock (_gate)
        {
            if (_maxCost is { } cap && _spent + cost > cap)
            {
                throw new RunRefusedException($"--max-cost: submitting '{step.Id}' (${cost:0.00}) would bring the spend to ${_spent + cost:0.00}, above the cap of ${cap:0.00}");
            }

            _spent += cost;
        }
    }

    private void ReleaseBudget(decimal cost)
    {
        lock (_gate)
        {
            _spent -= cost;
        }
    }

    private void LowerConcurrency()
    {
        lock (_gate)
        {
            if (_limit > 1)
            {
                _limit--;
                Log.ConcurrencyLowered(_logger, _limit);
            }
        }
    }

    /// <summary>The step's job request: its kind's fields, the neutral options as typed fields, the rest as provider options.</summary>
    private async Task<JobRequest> BuildRequestAsync(PlannedStep step, ConcurrentDictionary<string, StepResult> results, CancellationToken cancellationToken)
    {
        var request = await BuildBaseRequestAsync(step, results, cancellationToken).ConfigureAwait(false);
        var options = step.Request.Options;
        return request switch
        {
            GenerateRequest g => g with
            {
                Seed = SeedFor(step),
                LastFramePath = NeutralOptions.LastFramePath(options),
                ReferenceImagePaths = NeutralOptions.ReferenceImagePaths(options),
                Options = NeutralOptions.ProviderOnly(options),
            },
            ExtendRequest e => e with { Seed = SeedFor(step), Options = NeutralOptions.ProviderOnly(options) },
            _ => request with { Options = NeutralOptions.ProviderOnly(options) },
        };
    }

    /// <summary>The seed a step sends: its <c>options.seed</c>, else one derived from its key when the provider takes seeds.</summary>
    private long? SeedFor(PlannedStep step) =>
        step.Request.Kind is StepKind.Character or StepKind.Cut
        || step.Request.Options.Any(o => _provider.Capabilities.FindOption(o.Name)?.DropsSeed == true) ? null
        : step.Request.SeedOption ?? (_provider.Capabilities.Supports(step.Request.Model, ModelFeatures.Seed) ? StepKeys.Seed(step.Key) : null);

    private async Task<JobRequest> BuildBaseRequestAsync(PlannedStep step, ConcurrentDictionary<string, StepResult> results, CancellationToken cancellationToken)
    {
        var r = step.Request;
        var characters = r.Characters
            .Select(c => (Step: c, Result: results.GetValueOrDefault(c)))
            .Where(x => x.Result?.Character is not null)
            .Select(x => new ProviderCharacter(x.Result!.Character!, step.Request.Prompt.Length > 0 ? CharacterName(x.Step) : x.Step))
            .ToImmutableArray();
        switch (r.Kind)
        {
            case StepKind.Character:
                // A character step's prompt is the character's name.
                return new CreateCharacterRequest(r.Id, r.Prompt, r.Inputs[0].Path) { Model = r.Model };
            case StepKind.Extend:
                return new ExtendRequest(r.Id, r.Prompt, r.Model, r.Size, r.Seconds, results[r.From!].Job, OutputPath(results[r.From!])) { Take = r.Take };
            case StepKind.Edit:
                return new EditRequest(r.Id, r.Prompt, r.Model, r.Size, r.Seconds, results[r.From!].Job, OutputPath(results[r.From!])) { Take = r.Take };
            default:
                string? firstFrame = null;
                if (r.Mode == ContinuationMode.LastFrame)
                {
                    firstFrame = await LastFrameAsync(results[r.From!], r.Size, cancellationToken).ConfigureAwait(false);
                }
                else if (r.Image is { } image)
                {
                    firstFrame = await FitImageAsync(image, r.Size, r.Fit, cancellationToken).ConfigureAwait(false);
                }

                return new GenerateRequest(r.Id, r.Prompt, r.Model, r.Size, r.Seconds) { FirstFramePath = firstFrame, Characters = characters, Take = r.Take };
        }
    }

    private static string CharacterName(string characterStep) => characterStep.TrimStart('@');

    private string? OutputPath(StepResult result) => result.Output is { } sha ? _store.PathOf(sha) : null;

    /// <summary>The source clip's last frame, fitted to the size, as a PNG kept in the store (content-addressed, so reruns reuse it).</summary>
    private async Task<string> LastFrameAsync(StepResult source, VideoSize size, CancellationToken cancellationToken)
    {
        var temp = TempPath(".png");
        try
        {
            var clip = _store.PathOf(source.Output!);
            if (IsLocalEncoding(clip))
            {
                await using var png = File.Create(temp);
                Mp4Clip.WriteLastFrame(clip, png, size);
            }
            else
            {
                await FrameGrab.LastFrameAsync(clip, temp, size, FitMode.Cover, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            var stored = await _store.PutFileAsync(temp, cancellationToken: cancellationToken).ConfigureAwait(false);
            return _store.PathOf(stored.Sha256);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task<string> FitImageAsync(InputFile image, VideoSize size, ImageFit fit, CancellationToken cancellationToken)
    {
        var temp = TempPath(".png");
        try
        {
            await using (var png = File.Create(temp))
            {
                ImageFitter.Fit(image.Path, size, fit, png);
            }

            var stored = await _store.PutFileAsync(temp, cancellationToken: cancellationToken).ConfigureAwait(false);
            return _store.PathOf(stored.Sha256);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private string TempPath(string extension)
    {
        Directory.CreateDirectory(_store.TempDirectory);
        return Path.Combine(_store.TempDirectory, Guid.NewGuid().ToString("N") + extension);
    }

    /// <summary>Polls a submitted job to the end, then downloads its clip and pictures into the store.</summary>
    private async Task<StepResult> FinishAsync(PlannedStep step, long attempt, string jobId, ConcurrentDictionary<string, StepResult> results, decimal cost, CancellationToken cancellationToken)
    {
        var delay = MinPoll;
        var lastState = "";
        if (_firstPoll.TryRemove(jobId, out var firstWait))
        {
            // The create response already said when to look first.
            await Task.Delay(TimeSpan.FromTicks(Math.Clamp(firstWait.Ticks, MinHint.Ticks, MaxPoll.Ticks)), _time, cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            // The transport retries a failed poll; a transient failure that gets here fails the step.
            var status = _known.TryRemove(jobId, out var known) && known.State is JobState.Succeeded or JobState.Failed
                ? known
                : await _provider.GetAsync(jobId, cancellationToken).ConfigureAwait(false);

            var state = status.State.ToString().ToLowerInvariant();
            if (state != lastState)
            {
                _journal.RecordStatus(attempt, status.State is JobState.Succeeded ? JournalStates.Running : status.State is JobState.Queued ? JournalStates.Submitted : JournalStates.Running, status.Progress);
                lastState = state;
            }

            if (status.State == JobState.Succeeded)
            {
                break;
            }

            if (status.State == JobState.Failed)
            {
                var error = status.Error ?? new ProviderError(ErrorClass.Invalid, "the job failed without a reason");
                _journal.RecordFailed(attempt, error.Class.ToString(), error.Message);
                throw ProviderException.From(error);
            }

            Emit(new RunEvent(step.Id, status.State == JobState.Queued ? RunPhase.Queued : RunPhase.Running, status.Progress, SpentSoFar: _spent));
            TimeSpan wait;
            if (status.PollAfter is { } hint)
            {
                // The provider's hint, kept within sane bounds; the fallback backoff only grows when used.
                wait = TimeSpan.FromTicks(Math.Clamp(hint.Ticks, MinHint.Ticks, MaxPoll.Ticks));
            }
            else
            {
                wait = delay;
                delay = TimeSpan.FromTicks(Math.Min(MaxPoll.Ticks, delay.Ticks * 2));
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }

        Emit(new RunEvent(step.Id, RunPhase.Downloading, 100, SpentSoFar: _spent));
        var video = await DownloadVerifiedAsync(step, jobId, cancellationToken).ConfigureAwait(false);
        _journal.RecordDownloaded(attempt, "video", video);
        var output = video;
        if (step.Request.Mode == ContinuationMode.LastFrame)
        {
            output = await JoinAsync([results[step.Request.From!].Output!, video], null, cancellationToken).ConfigureAwait(false);
        }

        var extras = await FetchExtrasAsync(step, jobId, cancellationToken).ConfigureAwait(false);
        _journal.RecordSucceeded(attempt, output, cost);
        return new StepResult(step.Id, StepOutcome.Done, jobId, output, extras.Thumb, extras.Sprite, cost);
    }

    private async Task<(string? Thumb, string? Sprite)> FetchExtrasAsync(PlannedStep step, string jobId, CancellationToken cancellationToken)
    {
        string? thumb = null, sprite = null;
        if (!_provider.Capabilities.HasExtras)
        {
            return (null, null);
        }

        try
        {
            thumb = await DownloadAsync(jobId, ContentVariant.Thumbnail, cancellationToken).ConfigureAwait(false);
            sprite = await DownloadAsync(jobId, ContentVariant.Spritesheet, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex)
        {
            Log.VariantMissing(_logger, step.Id, thumb is null ? "thumbnail" : "spritesheet", ex.Message);
        }

        return (thumb, sprite);
    }

    /// <summary>
    /// Downloads the clip and checks it decodes with the expected duration and aspect; a damaged
    /// clip is fetched once more, then reported. Local-encoding clips are checked in-process,
    /// others with ffprobe (skipped, with a warning, where ffmpeg is not installed).
    /// </summary>
    private async Task<string> DownloadVerifiedAsync(PlannedStep step, string jobId, CancellationToken cancellationToken)
    {
        var r = step.Request;
        var expectedSeconds = r.Mode == ContinuationMode.LastFrame ? r.Seconds : r.TotalSeconds;
        string? problem = null;
        for (var tries = 1; tries <= 2; tries++)
        {
            var sha = await DownloadAsync(jobId, ContentVariant.Video, cancellationToken).ConfigureAwait(false);
            problem = await VerifyClipAsync(_store.PathOf(sha), expectedSeconds, r.Size, cancellationToken).ConfigureAwait(false);
            if (problem is null)
            {
                return sha;
            }

            Log.ClipDamaged(_logger, step.Id, problem);
            _store.Delete(sha);
        }

        throw ProviderException.Transient($"the downloaded clip of job {jobId} is damaged: {problem}");
    }

    private async Task<string?> VerifyClipAsync(string path, int expectedSeconds, VideoSize size, CancellationToken cancellationToken)
    {
        ClipInfo? local = null;
        try
        {
            local = Mp4Clip.Probe(path);
        }
        catch (InvalidDataException)
        {
            // Not an MP4 we can read ourselves: ffprobe decides.
        }

        if (local is { IsLocalEncoding: true })
        {
            return Math.Abs(local.Seconds - expectedSeconds) > 0.5 ? $"duration {local.Seconds:0.##} s, expected {expectedSeconds} s" : Mp4Clip.Verify(path);
        }

        FfmpegPaths tools;
        try
        {
            tools = FfmpegTools.Locate();
        }
        catch (FfmpegMissingException ex)
        {
            if (!_warnedNoFfprobe)
            {
                _warnedNoFfprobe = true;
                Log.NotVerified(_logger, ex.Message);
            }

            return null;
        }

        return await MediaProbe.VerifyAsync(path, expectedSeconds, (double)size.Width / size.Height, 0.5, tools, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsLocalEncoding(string path)
    {
        try
        {
            return Mp4Clip.Probe(path).IsLocalEncoding;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>
    /// Streams one variant into the store. The file is seekable, so the provider's transport retries a truncated or
    /// dropped download into it from the start.
    /// </summary>
    private async Task<string> DownloadAsync(string jobId, ContentVariant variant, CancellationToken cancellationToken)
    {
        var temp = TempPath(".part");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true))
            {
                await _provider.DownloadAsync(jobId, variant, file, cancellationToken).ConfigureAwait(false);
            }

            var stored = await _store.PutFileAsync(temp, cancellationToken: cancellationToken).ConfigureAwait(false);
            return stored.Sha256;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task<StepResult> CutAsync(PlannedStep step, ConcurrentDictionary<string, StepResult> results, CancellationToken cancellationToken)
    {
        var shots = step.Request.Shots.Select(s => results[s].Output ?? throw new InvalidDataException($"shot '{s}' has no clip")).ToList();
        var cut = step.Request.Cut;
        var output = cut is { HasEffects: true } || !shots.All(sha => IsLocalEncoding(_store.PathOf(sha)))
            ? await RenderCutAsync(shots, cut, cancellationToken).ConfigureAwait(false)
            : await JoinAsync(shots, step.Request.Size, cancellationToken).ConfigureAwait(false);
        return new StepResult(step.Id, StepOutcome.Done, Output: output);
    }

    /// <summary>A cut of provider clips or with effects: ffmpeg, by stream copy where the encodings allow, else one re-encode.</summary>
    private async Task<string> RenderCutAsync(IReadOnlyList<string> clips, CutSettings? cut, CancellationToken cancellationToken)
    {
        var shots = clips.Select((sha, i) => new CutShot(_store.PathOf(sha), cut?.Shots[i].TrimIn, cut?.Shots[i].TrimOut)).ToList();
        var transitions = cut is null
            ? []
            : cut.Shots.Skip(1).Select(s => new Transition(s.Transition.Kind, s.Transition.Seconds)).ToList();
        var music = cut?.Music is { } m ? new MusicBed(m.File.Path, m.VolumeDb, m.Duck) : null;
        var video = cut?.Video;
        var output = new CutOutput(video?.Size?.Width, video?.Size?.Height, video?.FramesPerSecond, video?.Crf ?? 20, video?.Preset ?? "medium", video?.Crop == true ? "crop" : "pad");
        var temp = TempPath(".mp4");
        try
        {
            await CutRenderer.RenderAsync(new CutSpec(shots, transitions, music, cut?.Loudness, output), temp, cancellationToken: cancellationToken).ConfigureAwait(false);
            return (await _store.PutFileAsync(temp, cancellationToken: cancellationToken).ConfigureAwait(false)).Sha256;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task<string> JoinAsync(IReadOnlyList<string> clips, VideoSize? target, CancellationToken cancellationToken)
    {
        if (!clips.All(sha => IsLocalEncoding(_store.PathOf(sha))))
        {
            return await RenderCutAsync(clips, null, cancellationToken).ConfigureAwait(false);
        }

        var temp = TempPath(".mp4");
        try
        {
            await using (var file = File.Create(temp))
            {
                Mp4Clip.Concat([.. clips.Select(_store.PathOf)], file, target is { } t ? Fit(t, _store.PathOf(clips[0])) : null);
            }

            return (await _store.PutFileAsync(temp, cancellationToken: cancellationToken).ConfigureAwait(false)).Sha256;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Cuts join at the first clip's encoded size, so same-size clips are copied without re-encoding.</summary>
    private static VideoSize Fit(VideoSize requested, string firstClip)
    {
        _ = requested;
        var info = Mp4Clip.Probe(firstClip);
        return new VideoSize(info.Width, info.Height);
    }

    private void Record(PlannedStep step, StepResult result)
    {
        var r = step.Request;
        var entry = new LockEntry(
            step.Id, step.Key, r.Provider, r.Kind == StepKind.Cut ? null : r.Model, result.Job, result.Output, result.Thumbnail, result.Spritesheet,
            r.Kind is StepKind.Character ? null : r.TotalSeconds, r.Kind is StepKind.Character ? null : r.Size.ToString(), result.Cost,
            _time.GetUtcNow(), result.Character, SeedFor(step),
            r.Kind is StepKind.Cut ? null : r.Prompt,
            r.Inputs.IsEmpty ? null : string.Join(',', r.Inputs.Select(i => $"{i.Role}:{i.Sha256}")));
        lock (_gate)
        {
            _lock = _lock.With(entry);
            LockFile.Write(_lockPath, _lock);
        }
    }

    private void Emit(RunEvent e) => Progress?.Invoke(e);
}
