using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Prompts;

namespace Reel.Engine.Planning;

/// <summary>
/// <c>takes: picked</c>: links each step of the final profile to the take it finishes, as the profile the takes were
/// picked from planned it (same step id, e.g. <c>open#2</c>). The take's key becomes the final's
/// <see cref="ClipStep.Draft"/> (the seed, where the provider takes seeds), and with <c>carry: first-frame</c> its clip
/// becomes an input by content (<see cref="GenerateStep.CarriedClip"/>).
/// </summary>
public static class PickedTakes
{
    /// <summary>The final script linked to its drafts, and the picked takes it would carry from that are not rendered yet.</summary>
    /// <param name="final">The script under the profile with <c>takes: picked</c>.</param>
    /// <param name="draft">The plan of the same script under the profile the takes were picked from.</param>
    /// <param name="pathOf">The store path of a clip, by its SHA-256.</param>
    public static (ExpandedScript Script, ImmutableArray<StepId> NotRendered) Link(ExpandedScript final, Plan draft, Func<string, string> pathOf)
    {
        ArgumentNullException.ThrowIfNull(final);
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(pathOf);
        var profile = final.Script.PicksFrom ?? throw new ArgumentException("the script does not render picked takes", nameof(final));
        var drafts = draft.Steps.ToDictionary(s => s.Id);
        var notRendered = ImmutableArray.CreateBuilder<StepId>();
        var steps = ImmutableArray.CreateBuilder<StepRequest>(final.Steps.Length);
        foreach (var step in final.Steps)
        {
            if (step is not ClipStep clip || !drafts.TryGetValue(step.Id, out var planned))
            {
                steps.Add(step);
                continue;
            }

            // Only a clip the draft holds is carried: one that is still to render has no first frame yet.
            var output = planned.Status == StepStatus.Cached ? planned.Prior?.OutputSha256 : null;
            var linked = clip with { Draft = new DraftTake(profile, planned.Key, output) };
            if (linked is GenerateStep { CarryFirstFrame: true } generate)
            {
                if (output is null)
                {
                    notRendered.Add(step.Id);
                }
                else
                {
                    linked = generate with { Inputs = generate.Inputs.Add(new InputFile(GenerateStep.CarryRole, pathOf(output), output)) };
                }
            }

            steps.Add(linked);
        }

        return (final with { Steps = steps.MoveToImmutable() }, notRendered.ToImmutable());
    }
}
