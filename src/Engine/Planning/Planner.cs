using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;

namespace Reel.Engine.Planning;

/// <summary>Plan stage: orders the steps, computes their keys, and decides what runs and why.</summary>
public static partial class Planner
{
    public static Plan Plan(ExpandedScript script, IStepHistory history, PlanOptions? options = null)
    {
        options ??= new PlanOptions();
        var caps = ProviderCatalog.Find(script.Provider)!;
        var ordered = Order(script.Steps);
        var selected = Select(ordered, options.OnlyList);
        var force = options.ForceList;

        var keys = new Dictionary<StepId, string>(ordered.Length);
        var toRender = new HashSet<string>(ordered.Length, StringComparer.Ordinal);
        var status = new Dictionary<StepId, PlannedStep>(selected.Count);
        var result = ImmutableArray.CreateBuilder<PlannedStep>(selected.Count);
        foreach (var step in ordered)
        {
            var upstream = UpstreamKeys(step is CutStep cut ? cut.Shots : step.Needs, keys);
            var baseKey = StepKeys.Compute(step, upstream);
            var prior = history.Find(step.Id.Text, baseKey);

            // A re-rolled step keeps its roll (and key) while nothing else about it changes; --force rolls once more.
            var roll = prior is { Roll: > 0 } && prior.Key == StepKeys.Rolled(baseKey, prior.Roll) ? prior.Roll : 0;
            var forced = selected.Contains(step.Id) && step.Kind != StepKind.Cut && IsForced(step, force);
            if (forced)
            {
                roll++;
            }

            var key = StepKeys.Rolled(baseKey, roll);
            keys[step.Id] = key;
            if (!selected.Contains(step.Id))
            {
                continue;
            }

            var upstreamRan = UpstreamRan(step.Needs, status);
            var (st, reason) = Decide(step, key, prior, history, upstreamRan, forced || (step.Kind == StepKind.Cut && IsForced(step, force)));

            // Steps with equal keys (one prompt, one setting) make one job: the run renders the first and shares it.
            if (st == StepStatus.Run && step.Kind != StepKind.Cut && !toRender.Add(key))
            {
                (st, reason) = (StepStatus.Reuse, PlanReason.SameAsAnother);
            }

            var cost = st == StepStatus.Run && reason != PlanReason.OutputMissing ? EstimateCost(step, caps) : 0m;
            var duration = st == StepStatus.Run ? EstimateDuration(step, caps, reason) : TimeSpan.Zero;
            var planned = new PlannedStep(step, key, upstream, st, reason, cost, duration, prior, roll);
            status[step.Id] = planned;
            result.Add(planned);
        }

        var steps = result.DrainToImmutable();
        // A loop, not LINQ's Sum: its decimal overload is generic arithmetic, JIT-compiled in every cold process.
        var estimated = 0m;
        foreach (var planned in steps)
        {
            estimated += planned.EstimatedCost;
        }

        var totals = new PlanTotals(steps.Length, steps.Count(s => s.Status != StepStatus.Cached), estimated, CriticalPath(steps));
        return new Plan(script, steps, totals);
    }

    private static ImmutableArray<string> UpstreamKeys(ImmutableArray<StepId> ids, Dictionary<StepId, string> keys)
    {
        if (ids.IsEmpty)
        {
            return [];
        }

        var upstream = new string[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            upstream[i] = keys[ids[i]];
        }

        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(upstream);
    }

    /// <summary>Whether a step <paramref name="needs"/> renders anew in this plan (not only fetched again).</summary>
    private static bool UpstreamRan(ImmutableArray<StepId> needs, Dictionary<StepId, PlannedStep> status)
    {
        foreach (var n in needs)
        {
            if (status.TryGetValue(n, out var u) && u.Status == StepStatus.Run && u.Reason != PlanReason.OutputMissing)
            {
                return true;
            }
        }

        return false;
    }

    private static (StepStatus, PlanReason) Decide(StepRequest step, string key, PriorStep? prior, IStepHistory history, bool upstreamRan, bool forced)
    {
        // A job for this exact key that a run would pick up: paid once already, so never paid again. Asked only where it
        // decides, so a plan whose steps are all locked with their clips at hand never opens the journal.
        var asked = false;
        ExistingJob? job = null;
        ExistingJob? Existing()
        {
            if (!asked)
            {
                job = step.Kind == StepKind.Cut ? null : history.JobFor(key);
                asked = true;
            }

            return job;
        }

        if (forced)
        {
            // An interrupted re-roll's job is the new take: picked up, not paid again.
            return Existing() is null ? (StepStatus.Run, PlanReason.Forced) : (StepStatus.Reuse, PlanReason.JobExists);
        }

        // After a step it needs renders anew, a job with this key was made from another clip: never reused.
        if (prior is null)
        {
            return Existing() is null || upstreamRan ? (StepStatus.Run, PlanReason.New) : (StepStatus.Reuse, PlanReason.JobExists);
        }

        if (prior.Key != key || upstreamRan)
        {
            if (upstreamRan)
            {
                return (StepStatus.Run, PlanReason.UpstreamChanged);
            }

            if (Existing() is not null)
            {
                return (StepStatus.Reuse, PlanReason.JobExists);
            }

            if (prior.Prompt is not null && prior.Prompt != StepFacts.LockedPrompt(step))
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
            // Another finished job for this key, with its clip at hand, beats fetching the locked one again.
            return Existing() is { InFlight: false } existing && existing.JobId != prior.Job ? (StepStatus.Reuse, PlanReason.JobExists) : (StepStatus.Run, PlanReason.OutputMissing);
        }

        return (StepStatus.Cached, PlanReason.Locked);
    }

    private static bool IsForced(StepRequest step, ImmutableArray<string> force) =>
        force.Contains(step.Id.Text) || force.Contains(step.Source) || force.Contains("*");

    public static decimal EstimateCost(StepRequest step, ProviderCapabilities caps)
    {
        if (step is not ClipStep clip)
        {
            return 0m;
        }

        var model = caps.FindModel(clip.Model);
        var price = caps.PriceOption is { } name && clip.Options.FirstOrDefault(o => o.Name == name)?.Value is { } set
            ? decimal.Parse(set, System.Globalization.CultureInfo.InvariantCulture)
            : model?.PriceFor(clip.Size) ?? caps.DefaultPricePerSecond;
        return price * clip.Seconds;
    }

    private static TimeSpan EstimateDuration(StepRequest step, ProviderCapabilities caps, PlanReason reason)
    {
        return step switch
        {
            CutStep cut => TimeSpan.FromMilliseconds(100 + (10 * cut.TotalSeconds)),
            ClipStep clip when reason != PlanReason.OutputMissing => caps.RenderTimePerSecond * clip.Seconds,
            _ => TimeSpan.FromSeconds(caps.AnyModel ? 0.1 : 5),
        };
    }
}
