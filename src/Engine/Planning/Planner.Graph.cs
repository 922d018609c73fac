using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Prompts;

namespace Reel.Engine.Planning;

/// <summary>The plan's graph: the steps' order, the steps an <c>--only</c> names with what they need, the critical path.</summary>
public static partial class Planner
{
    /// <summary>The longest chain of run steps: the plan's duration with unlimited concurrency.</summary>
    private static TimeSpan CriticalPath(ImmutableArray<PlannedStep> steps)
    {
        // By position in the plan, not a dictionary of durations: framework code over a value type is compiled by the JIT in
        // every cold process, over an int it is precompiled.
        var position = new Dictionary<StepId, int>(steps.Length);
        var finish = new TimeSpan[steps.Length];
        var longest = TimeSpan.Zero;
        for (var i = 0; i < steps.Length; i++)
        {
            var start = TimeSpan.Zero;
            foreach (var n in steps[i].Request.Needs)
            {
                var f = position.TryGetValue(n, out var at) ? finish[at] : TimeSpan.Zero;
                start = f > start ? f : start;
            }

            var end = start + steps[i].EstimatedDuration;
            position[steps[i].Id] = i;
            finish[i] = end;
            longest = end > longest ? end : longest;
        }

        return longest;
    }

    /// <summary>Topological order, stable: among ready steps, the one declared first goes first.</summary>
    public static ImmutableArray<StepRequest> Order(ImmutableArray<StepRequest> steps)
    {
        var index = new Dictionary<StepId, int>(steps.Length);
        for (var i = 0; i < steps.Length; i++)
        {
            index[steps[i].Id] = i;
        }

        // Arrays by declaration index: how many needs each step still waits for, and who waits for each step.
        var pending = new int[steps.Length];
        var dependents = new List<int>?[steps.Length];
        for (var i = 0; i < steps.Length; i++)
        {
            foreach (var need in steps[i].Needs)
            {
                if (index.TryGetValue(need, out var n))
                {
                    pending[i]++;
                    (dependents[n] ??= []).Add(i);
                }
            }
        }

        var ready = new IndexHeap(steps.Length);
        for (var i = 0; i < steps.Length; i++)
        {
            if (pending[i] == 0)
            {
                ready.Push(i);
            }
        }

        var result = ImmutableArray.CreateBuilder<StepRequest>(steps.Length);
        while (ready.Count > 0)
        {
            var next = ready.Pop();
            result.Add(steps[next]);
            foreach (var d in dependents[next] ?? [])
            {
                if (--pending[d] == 0)
                {
                    ready.Push(d);
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
    private static HashSet<StepId> Select(ImmutableArray<StepRequest> ordered, ImmutableArray<string> only)
    {
        if (only.IsEmpty)
        {
            var all = new HashSet<StepId>(ordered.Length);
            foreach (var s in ordered)
            {
                all.Add(s.Id);
            }

            return all;
        }

        var byId = ordered.ToDictionary(s => s.Id);
        var selected = new HashSet<StepId>();
        var stack = new Stack<StepId>(ordered.Where(s => only.Contains(s.Id.Text) || only.Contains(s.Source)).Select(s => s.Id));
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
