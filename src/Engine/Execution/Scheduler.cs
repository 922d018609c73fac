using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;

namespace Reel.Engine.Execution;

/// <summary>
/// Runs a plan's steps as soon as the steps they need are done, up to the run's concurrency limit,
/// longest remaining chain first (critical-path priority keeps the run short). After a failure it stops
/// launching unless <c>--keep-going</c>, in which case independent branches go on.
/// </summary>
internal sealed class Scheduler(Plan plan, ConcurrencyLimit limit, RunHalt halt, bool keepGoing)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _jobsSucceeded = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// For a step that may start as soon as one of its needs has a succeeded provider job (a native extend or edit
    /// that names its source by job id), that need; null for every other step. Such a step is launched early only
    /// when that need is the last one outstanding; everything else (cuts, last frames) still waits for the finished,
    /// verified clip.
    /// </summary>
    public Func<PlannedStep, StepId?>? EarlySource { get; init; }

    /// <summary>
    /// Tells the scheduler that <paramref name="stepId"/>'s job succeeded at the provider (thread-safe): steps waiting
    /// only on its job id may start, and the first of them takes its concurrency slot while it downloads.
    /// </summary>
    public void JobSucceeded(string stepId)
    {
        _jobsSucceeded.Enqueue(stepId);
        _wake.TrySetResult();
    }

    /// <summary>
    /// Runs every step it can with <paramref name="runStep"/>; returns one result per plan step, in plan order
    /// (steps that never ran are skipped, with the reason), and whether the run was cancelled.
    /// </summary>
    public async Task<(ImmutableArray<StepResult> Results, ImmutableArray<string> NotRun, bool Cancelled)> RunAsync(
        Func<PlannedStep, Task<StepResult>> runStep, IDictionary<string, StepResult> results, CancellationToken cancellationToken)
    {
        var byId = plan.Steps.ToDictionary(s => s.Id);
        var pending = plan.Steps.ToDictionary(s => s.Id, s => s.Request.Needs.Count(byId.ContainsKey));
        var dependents = plan.Steps.SelectMany(s => s.Request.Needs.Where(byId.ContainsKey).Select(n => (n, s.Id)))
            .GroupBy(x => x.n)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Id).ToList());
        var priority = RemainingPath(dependents);
        var order = plan.Steps.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var ready = new PriorityQueue<PlannedStep, (double, int)>();
        foreach (var s in plan.Steps.Where(s => pending[s.Id] == 0))
        {
            ready.Enqueue(s, (-priority[s.Id], order[s.Id]));
        }

        var running = new Dictionary<Task<StepResult>, StepId>();
        var launchedEarly = new HashSet<StepId>();

        // Sources whose provider job already succeeded, that only bring their clip in, and that handed their
        // concurrency slot to a step released early on their job id.
        var downloading = new HashSet<StepId>();
        var stepIds = plan.Steps.ToDictionary(s => s.Id.Text, s => s.Id, StringComparer.Ordinal);
        var stopLaunching = false;
        var cancelled = false;
        while (ready.Count > 0 || running.Count > 0)
        {
            while (!stopLaunching && !halt.IsHalted && !cancellationToken.IsCancellationRequested && running.Count - downloading.Count < limit.Current && ready.TryDequeue(out var next, out _))
            {
                running[runStep(next)] = next.Id;
            }

            if (running.Count == 0)
            {
                break;
            }

            var wake = _wake.Task;
            var first = await Task.WhenAny(running.Keys.Cast<Task>().Append(wake)).ConfigureAwait(false);
            if (first == wake)
            {
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                while (_jobsSucceeded.TryDequeue(out var source))
                {
                    ReleaseEarly(source);
                }

                continue;
            }

            var done = (Task<StepResult>)first;
            var id = running[done];
            running.Remove(done);
            downloading.Remove(id);
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
            if (result.Outcome is StepOutcome.Done or StepOutcome.Reused or StepOutcome.Cached)
            {
                foreach (var d in dependents.GetValueOrDefault(id) ?? [])
                {
                    if (launchedEarly.Contains(d))
                    {
                        continue;
                    }

                    if (--pending[d] == 0)
                    {
                        ready.Enqueue(byId[d], (-priority[d], order[d]));
                    }
                }
            }
            else if (result.Outcome == StepOutcome.Failed && !keepGoing && !IsUnusedTake(byId[id], dependents))
            {
                stopLaunching = true;
            }
        }

        cancelled |= cancellationToken.IsCancellationRequested;

        // Launches the steps that wait only on this source's job (see EarlySource); the source's own completion then
        // releases nothing more for them.
        void ReleaseEarly(string source)
        {
            if (results.ContainsKey(source) || !stepIds.TryGetValue(source, out var sourceId))
            {
                return;
            }

            if (EarlySource is null)
            {
                return;
            }

            foreach (var d in dependents.GetValueOrDefault(sourceId) ?? [])
            {
                if (pending[d] == 1 && !launchedEarly.Contains(d) && EarlySource(byId[d]) is { } early && early.Text == source)
                {
                    launchedEarly.Add(d);
                    pending[d] = 0;

                    // The source hands its slot to the step that continues it: its job is done at the provider,
                    // and it only brings its clip in. The continuation starts in that slot at once, so no other
                    // ready step of the same priority (the last link of a chain against an independent scene) takes it.
                    if (running.ContainsValue(sourceId) && downloading.Add(sourceId) && !stopLaunching && !halt.IsHalted && !cancellationToken.IsCancellationRequested)
                    {
                        running[runStep(byId[d])] = d;
                        continue;
                    }

                    ready.Enqueue(byId[d], (-priority[d], order[d]));
                }
            }
        }

        var final = plan.Steps
            .Select(s => results.TryGetValue(s.Id, out var r) ? r
                : cancelled ? new StepResult(s.Id, StepOutcome.Skipped, Error: "interrupted")
                : Skipped(s, results))
            .ToImmutableArray();
        var notRun = plan.Steps.Where(s => !results.ContainsKey(s.Id)).Select(s => s.Id.Text).ToImmutableArray();
        return (final, notRun, cancelled);
    }

    /// <summary>A take that no later step and no cut uses: its failure is reported, but the other takes and cuts go on.</summary>
    private static bool IsUnusedTake(PlannedStep step, Dictionary<StepId, List<StepId>> dependents) =>
        step.Request is ClipStep { Take: > 0 } && !dependents.ContainsKey(step.Id);

    private static StepResult Skipped(PlannedStep step, IDictionary<string, StepResult> results)
    {
        var failedNeed = step.Request.Needs.Select(n => n.Text).FirstOrDefault(n => results.TryGetValue(n, out var r) && r.Outcome is StepOutcome.Failed or StepOutcome.Skipped);
        return new StepResult(step.Id, StepOutcome.Skipped, Error: failedNeed is null ? "not started" : $"needs '{failedNeed}', which did not finish");
    }

    /// <summary>Longest chain of estimated durations from each step to the end: longest first keeps the run short.</summary>
    private Dictionary<StepId, double> RemainingPath(Dictionary<StepId, List<StepId>> dependents)
    {
        var result = new Dictionary<StepId, double>();
        foreach (var s in plan.Steps.Reverse())
        {
            var tail = (dependents.GetValueOrDefault(s.Id) ?? []).Select(d => result[d]).DefaultIfEmpty(0).Max();
            result[s.Id] = s.EstimatedDuration.TotalSeconds + 0.001 + tail;
        }

        return result;
    }
}
