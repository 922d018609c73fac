using System.Collections.Immutable;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;

namespace Reel.Engine.Planning;

/// <summary>Plan stage: orders the steps, computes their keys, and decides what runs and why.</summary>
public static class Planner
{
    public static Plan Plan(ExpandedScript script, IStepHistory history, PlanOptions? options = null)
    {
        options ??= new PlanOptions();
        var caps = ProviderCatalog.Find(script.Provider)!;
        var ordered = Order(script.Steps);
        var selected = Select(ordered, options.OnlyList);
        var force = options.ForceList;

        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var status = new Dictionary<string, PlannedStep>(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<PlannedStep>();
        foreach (var step in ordered)
        {
            var upstream = (step.Kind == StepKind.Cut ? step.Shots : step.Needs).Select(id => keys[id]).ToImmutableArray();
            var key = StepKeys.Compute(step, upstream);
            keys[step.Id] = key;
            if (!selected.Contains(step.Id))
            {
                continue;
            }

            var prior = history.Find(step.Id);
            var upstreamRan = step.Needs.Any(n => status.TryGetValue(n, out var u) && u.Status == StepStatus.Run && u.Reason != PlanReason.OutputMissing);
            var (st, reason) = Decide(step, key, prior, history, upstreamRan, IsForced(step, force));
            var cost = st == StepStatus.Run && reason != PlanReason.OutputMissing ? EstimateCost(step, caps) : 0m;
            var duration = st == StepStatus.Run ? EstimateDuration(step, caps, reason) : TimeSpan.Zero;
            var planned = new PlannedStep(step, key, upstream, st, reason, cost, duration, prior);
            status[step.Id] = planned;
            result.Add(planned);
        }

        var steps = result.ToImmutable();
        var totals = new PlanTotals(
            steps.Length,
            steps.Count(s => s.Status == StepStatus.Run),
            steps.Sum(s => s.EstimatedCost),
            CriticalPath(steps));
        return new Plan(script, steps, totals);
    }

    private static (StepStatus, PlanReason) Decide(StepRequest step, string key, PriorStep? prior, IStepHistory history, bool upstreamRan, bool forced)
    {
        if (forced)
        {
            return (StepStatus.Run, PlanReason.Forced);
        }

        if (prior is null)
        {
            return (StepStatus.Run, PlanReason.New);
        }

        if (prior.Key != key || upstreamRan)
        {
            if (upstreamRan)
            {
                return (StepStatus.Run, PlanReason.UpstreamChanged);
            }

            if (prior.Prompt is not null && prior.Prompt != step.Prompt)
            {
                return (StepStatus.Run, PlanReason.PromptChanged);
            }

            var inputs = step.Inputs.Select(i => $"{i.Role}:{i.Sha256}").ToImmutableArray();
            if (!prior.Inputs.IsDefault && !prior.Inputs.SequenceEqual(inputs))
            {
                return (StepStatus.Run, PlanReason.InputChanged);
            }

            return (StepStatus.Run, step.Kind == StepKind.Cut ? PlanReason.UpstreamChanged : PlanReason.SettingsChanged);
        }

        if (step.Kind == StepKind.Character)
        {
            return (StepStatus.Cached, PlanReason.Locked);
        }

        if (prior.OutputSha256 is null || !history.HasObject(prior.OutputSha256))
        {
            return (StepStatus.Run, PlanReason.OutputMissing);
        }

        return (StepStatus.Cached, PlanReason.Locked);
    }

    private static bool IsForced(StepRequest step, ImmutableArray<string> force) =>
        force.Contains(step.Id) || force.Contains(step.Source) || force.Contains("*");

    public static decimal EstimateCost(StepRequest step, ProviderCapabilities caps)
    {
        if (step.Kind is StepKind.Cut or StepKind.Character)
        {
            return 0m;
        }

        var model = caps.FindModel(step.Model);
        var price = model?.PriceFor(step.Size) ?? caps.DefaultPricePerSecond;
        return price * step.Seconds;
    }

    private static TimeSpan EstimateDuration(StepRequest step, ProviderCapabilities caps, PlanReason reason)
    {
        if (step.Kind is StepKind.Cut)
        {
            return TimeSpan.FromMilliseconds(100 + (10 * step.TotalSeconds));
        }

        if (reason == PlanReason.OutputMissing || step.Kind == StepKind.Character)
        {
            return TimeSpan.FromSeconds(caps.AnyModel ? 0.1 : 5);
        }

        return caps.RenderTimePerSecond * step.Seconds;
    }

    /// <summary>The longest chain of run steps: the plan's duration with unlimited concurrency.</summary>
    private static TimeSpan CriticalPath(ImmutableArray<PlannedStep> steps)
    {
        var finish = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var longest = TimeSpan.Zero;
        foreach (var s in steps)
        {
            var start = s.Request.Needs.Select(n => finish.GetValueOrDefault(n)).DefaultIfEmpty(TimeSpan.Zero).Max();
            var end = start + s.EstimatedDuration;
            finish[s.Id] = end;
            longest = end > longest ? end : longest;
        }

        return longest;
    }

    /// <summary>Topological order, stable: among ready steps, the one declared first goes first.</summary>
    public static ImmutableArray<StepRequest> Order(ImmutableArray<StepRequest> steps)
    {
        var index = steps.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var pending = steps.ToDictionary(s => s.Id, s => s.Needs.Count(index.ContainsKey), StringComparer.Ordinal);
        var dependents = steps.SelectMany(s => s.Needs.Where(index.ContainsKey).Select(n => (n, s.Id)))
            .GroupBy(x => x.n, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Id).ToList(), StringComparer.Ordinal);
        var ready = new PriorityQueue<StepRequest, int>();
        foreach (var s in steps.Where(s => pending[s.Id] == 0))
        {
            ready.Enqueue(s, index[s.Id]);
        }

        var result = ImmutableArray.CreateBuilder<StepRequest>(steps.Length);
        while (ready.TryDequeue(out var next, out _))
        {
            result.Add(next);
            foreach (var d in dependents.GetValueOrDefault(next.Id) ?? [])
            {
                if (--pending[d] == 0)
                {
                    ready.Enqueue(steps[index[d]], index[d]);
                }
            }
        }

        if (result.Count != steps.Length)
        {
            throw new InvalidOperationException("the step graph has a cycle that validation did not report");
        }

        return result.MoveToImmutable();
    }

    /// <summary>The steps named by --only (ids or source ids) and everything they need.</summary>
    private static HashSet<string> Select(ImmutableArray<StepRequest> ordered, ImmutableArray<string> only)
    {
        if (only.IsEmpty)
        {
            return ordered.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        }

        var byId = ordered.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var selected = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(ordered.Where(s => only.Contains(s.Id) || only.Contains(s.Source)).Select(s => s.Id));
        while (stack.TryPop(out var id))
        {
            if (selected.Add(id))
            {
                foreach (var n in byId[id].Needs)
                {
                    stack.Push(n);
                }
            }
        }

        return selected;
    }
}
