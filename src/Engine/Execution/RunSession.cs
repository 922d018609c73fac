using Microsoft.Extensions.Logging;
using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// One run of a plan: the rooms of the run (scheduler, job lifecycle, budget, batch, failure policy,
/// media workshop) wired for this run only. Created by <see cref="Runner.RunAsync"/>, used once.
/// </summary>
internal sealed class RunSession
{
    private readonly IVideoProvider _provider;
    private readonly Journal _journal;
    private readonly LockRecorder _lock;
    private readonly TimeProvider _time;
    private readonly Retries _retries;
    private readonly ILogger _logger;
    private readonly RunContext _run;
    private readonly MediaWorkshop _workshop;
    private readonly RequestBuilder _requests;
    private readonly JobLifecycle _lifecycle;
    private HashSet<string>? _recorded;

    // With a remote every step is claimed before it is paid for, which a batch submitted up front would skip.
    private readonly bool _claimsSteps;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<StepResult>>> _byKey = new(StringComparer.Ordinal);

    public RunSession(Plan plan, RunOptions options, long runId, IVideoProvider provider, ObjectStore store, Journal journal, LockRecorder lockRecorder, TimeProvider time, IReadOnlyDictionary<string, string?> environment, Retries retries, ILogger logger, Action<RunEvent> emit, Storage.Remote.RemoteStore? remote = null)
    {
        _provider = provider;
        _journal = journal;
        _lock = lockRecorder;
        _time = time;
        _retries = retries;
        _logger = logger;
        _run = new RunContext(plan, options, runId, new ConcurrencyLimit(options.Concurrency, logger), emit);
        _workshop = new MediaWorkshop(store, environment, logger);
        _requests = new RequestBuilder(provider.Capabilities, store, _workshop);
        var submitter = new JobSubmitter(provider, journal, _requests, _run, time, retries, logger);
        var completion = new JobCompletion(provider, journal, store, _workshop, _run, time, logger);
        _claimsSteps = remote is not null;
        var shared = remote is null ? null : new RemoteSteps(remote, store, journal, provider, _requests, _run, time, logger);
        _lifecycle = new JobLifecycle(provider, journal, store, submitter, completion, _run, logger, shared);
    }

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        var plan = _run.Plan;
        if (plan.Steps.Any(s => s.Status == StepStatus.Run && s.Request.Kind != StepKind.Cut))
        {
            var halted = await PreflightAsync(cancellationToken).ConfigureAwait(false);
            if (halted is not null)
            {
                return halted;
            }

            if (_run.Options.Batch && _provider is IBatchVideoProvider batchProvider && !_claimsSteps)
            {
                await new BatchSubmission(batchProvider, _journal, _requests, _run, _time, _retries, _logger).SubmitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        var recorded = new HashSet<string>(StringComparer.Ordinal);
        _run.Extras.Arrived = (id, thumb, sprite) =>
        {
            lock (recorded)
            {
                if (recorded.Contains(id))
                {
                    _lock.AddExtras(id, thumb, sprite);
                }
            }
        };
        _recorded = recorded;
        var scheduler = new Scheduler(plan, _run.Concurrency, _run.Halt, _run.Options.KeepGoing)
        {
            // A native extend or edit that names its source by job id is submitted once that job succeeded, while
            // the source clip downloads; cuts and last frames still wait for the verified clip.
            EarlySource = _provider.Capabilities.ExtendsFromJobId ? EarlySource : null,
        };
        _run.JobSucceeded = scheduler.JobSucceeded;
        var (results, notRun, cancelled) = await scheduler.RunAsync(step => RunStepAsync(step, cancellationToken), _run.Results, cancellationToken).ConfigureAwait(false);

        // Pictures fetched in the background: the run ends when they are in, and now they are all that is left to do.
        await _run.Extras.WhenAllAsync(Math.Max(BackgroundExtras.MaxConcurrent, _run.Concurrency.Current)).ConfigureAwait(false);
        // A step whose clip failed its check after its pictures were started shows none.
        results = [.. results.Select(r => r.Outcome is StepOutcome.Done or StepOutcome.Reused && _run.Extras.All.TryGetValue(r.Id, out var e) ? r with { Thumbnail = e.Thumb, Spritesheet = e.Sprite } : r)];
        foreach (var r in results.Where(r => notRun.Contains(r.Id) && r.Outcome == StepOutcome.Skipped))
        {
            _run.Emit(new RunEvent(r.Id, RunPhase.Skipped, Message: r.Error));
        }

        var stop = cancelled ? RunStop.Cancelled : _run.Halt.IsHalted ? _run.Halt.Kind : RunStop.Completed;
        return Runner.Result(_journal, _run.RunId, results, stop, cancelled ? Runner.CancelledMessage : _run.Halt.Message);
    }

    /// <summary>
    /// One cheap call before anything is submitted, so a wrong key or an exhausted quota stops the run at
    /// the first call instead of failing several submits at once.
    /// </summary>
    private static StepId? EarlySource(PlannedStep step) => step.Status != StepStatus.Run ? null : step.Request switch
    {
        ExtendStep extend => extend.From,
        EditStep edit => edit.From,
        _ => null,
    };

    private async Task<RunResult?> PreflightAsync(CancellationToken cancellationToken)
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
            return new RunResult([.. _run.Plan.Steps.Select(s => new StepResult(s.Id, s.Status == StepStatus.Cached ? StepOutcome.Cached : StepOutcome.Skipped))], RunStop.Halted, message);
        }
        catch (ProviderException)
        {
            // Transient trouble: the steps themselves retry.
            return null;
        }
    }

    private async Task<StepResult> RunStepAsync(PlannedStep step, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var scope = Log.StepScope(_logger, step.Id.Text);
        var started = _time.GetTimestamp();
        try
        {
            var result = await ExecuteAsync(step, cancellationToken).ConfigureAwait(false);
            result = result with { Duration = _time.GetElapsedTime(started) };
            if (result.Outcome is StepOutcome.Done or StepOutcome.Reused)
            {
                var price = step.Request is CutStep ? 0m : Planner.EstimateCost(step.Request, _provider.Capabilities);
                lock (_recorded!)
                {
                    _lock.Record(step, result, _requests.SeedFor(step), price, _run.Plan.Script.Script.Profile?.Name);
                    _recorded.Add(step.Id.Text);
                    if (_run.Extras.All.TryGetValue(step.Id.Text, out var extras))
                    {
                        _lock.AddExtras(step.Id.Text, extras.Thumb, extras.Sprite);
                    }
                }

                Log.Done(_logger, step.Id, result.Output ?? result.Character ?? "");
            }

            _run.Emit(step.Id, result.Shown switch { StepOutcome.Cached => RunPhase.Cached, StepOutcome.Reused => RunPhase.Reused, _ => RunPhase.Done }, 100, result.Source);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (FailurePolicy.FailsTheStep(ex))
        {
            var failure = FailurePolicy.Decide(step, ex);
            if (failure.Halt is { } kind)
            {
                _run.Halt.Request(kind, failure.HaltMessage!);
            }

            Log.Failed(_logger, step.Id, failure.Message);
            _run.Emit(step.Id, RunPhase.Failed, message: failure.Message);
            return new StepResult(step.Id, StepOutcome.Failed, Error: failure.Message, Advice: failure.Advice);
        }
    }

    private async Task<StepResult> ExecuteAsync(PlannedStep step, CancellationToken cancellationToken)
    {
        if (step.Status == StepStatus.Cached)
        {
            var prior = _lock.Current.ForStep(step.Id, step.Key);
            return new StepResult(step.Id, StepOutcome.Cached, prior?.Job, prior?.Output, prior?.Thumbnail, prior?.Spritesheet, Character: prior?.Character);
        }

        if (step.Request is CutStep cut)
        {
            var shots = cut.Shots.Select(s => _run.Results[s].Output ?? throw new InvalidDataException($"shot '{s}' has no clip")).ToList();
            var output = await _workshop.CutAsync(shots, cut.Cut, cut.Size, cancellationToken).ConfigureAwait(false);
            return new StepResult(step.Id, StepOutcome.Done, Output: output);
        }

        // Steps with one key make one job: the first to get here runs it, the others share its result.
        var shared = _byKey.GetOrAdd(step.Key, _ => new Lazy<Task<StepResult>>(() => _lifecycle.RunAsync(step, cancellationToken)));
        var result = await shared.Value.ConfigureAwait(false);
        if (result.Id == step.Id)
        {
            return result;
        }

        if (result.Job is { } job)
        {
            _journal.RecordReused(_run.RunId, step.Id, step.Key, _provider.Name, job);
        }

        return result with { Id = step.Id, Outcome = StepOutcome.Reused, Cost = 0m, Duration = TimeSpan.Zero };
    }
}
