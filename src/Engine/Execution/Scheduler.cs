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
        var stopLaunching = false;
        var cancelled = false;
        while (ready.Count > 0 || running.Count > 0)
        {
            while (!stopLaunching && !halt.IsHalted && !cancellationToken.IsCancellationRequested && running.Count < limit.Current && ready.TryDequeue(out var next, out _))
            {
                running[runStep(next)] = next.Id;
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
            if (result.Outcome is StepOutcome.Done or StepOutcome.Reused or StepOutcome.Cached)
            {
                foreach (var d in dependents.GetValueOrDefault(id) ?? [])
                {
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
