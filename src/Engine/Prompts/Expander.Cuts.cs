using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Reel.Engine.Core;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

/// <summary>The Expander's cuts: shots resolved to clips, trims and transitions checked, one <see cref="CutStep"/> each.</summary>
public sealed partial class Expander
{
    private void ExpandCut(CutDecl cut)
    {
        var shots = new List<(ClipStep Clip, ShotSpec Spec)>();
        foreach (var spec in cut.ShotSpecs)
        {
            foreach (var clip in Resolve(spec.Ref))
            {
                shots.Add((clip, spec));
            }
        }

        if (shots.Count == 0)
        {
            return;
        }

        var requests = ImmutableArray.CreateBuilder<CutShotRequest>();
        var total = 0.0;
        for (var i = 0; i < shots.Count; i++)
        {
            var (clip, spec) = shots[i];
            var start = spec.TrimIn ?? 0;
            var end = spec.TrimOut ?? clip.TotalSeconds;
            if (spec.TrimOut is { } o && o > clip.TotalSeconds)
            {
                _diagnostics.Report(DiagnosticCodes.BadTrim, $"trim out {o:0.###} s is past the end of '{clip.Id}' ({clip.TotalSeconds} s)", spec.Ref.Location);
            }

            if (end <= start)
            {
                _diagnostics.Report(DiagnosticCodes.BadTrim, $"trim of '{clip.Id}' keeps nothing: 'in' ({start:0.###} s) must be before 'out' ({end:0.###} s)", spec.Ref.Location);
            }

            var transition = i == 0 ? TransitionSpec.HardCut : spec.Transition ?? cut.Transition ?? TransitionSpec.HardCut;
            var length = end - start;
            if (i > 0 && transition.Overlap >= Math.Min(length, requests[i - 1].Length))
            {
                _diagnostics.Report(DiagnosticCodes.TransitionTooLong, $"a {transition.Seconds:0.###} s {transition.Kind.ToString().ToLowerInvariant()} into '{clip.Id}' is longer than a shot it joins", spec.Ref.Location);
            }

            requests.Add(new CutShotRequest(clip.Id, spec.TrimIn, spec.TrimOut, transition, length));
            total += length - transition.Overlap;
        }

        PlaysTwice(cut, shots);
        var ids = new StepId[shots.Count];
        for (var i = 0; i < shots.Count; i++)
        {
            ids[i] = shots[i].Clip.Id;
        }

        var inputs = cut.Music is { } music ? ImmutableArray.Create(Input("music", music.File.Path)) : [];
        var settings = new CutSettings(requests.ToImmutable(), cut.Music, cut.Loudness, cut.Video);
        var relativeOutput = Path.GetRelativePath(_script.Directory, cut.Output.Path).Replace('\\', '/');
        var size = cut.Video?.Size ?? shots[0].Clip.Size;
        _steps.Add(new CutStep(StepId.Plain(cut.Id), _script.Provider, ImmutableCollectionsMarshal.AsImmutableArray(ids), relativeOutput, size, (int)Math.Round(total), settings, inputs, cut.Location));
    }

    /// <summary>
    /// Warns when a cut plays a clip and also a continuation whose clip starts with it (an extension's stitched clip, or a
    /// last-frame continuation's source and new clip), unless that shot is trimmed past the source.
    /// </summary>
    private void PlaysTwice(CutDecl cut, List<(ClipStep Clip, ShotSpec Spec)> shots)
    {
        // Keyed by the ids' text (how step ids compare): collections of strings are precompiled, of step ids not.
        var byId = new Dictionary<string, ClipStep>(_steps.Count, StringComparer.Ordinal);
        foreach (var step in _steps)
        {
            if (step is ClipStep c)
            {
                byId.Add(c.Id.Text, c);
            }
        }

        var played = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shot in shots)
        {
            played.Add(shot.Clip.Id.Text);
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (clip, spec) in shots)
        {
            for (var from = clip.FromClip; from is { } sourceId && clip is ExtendStep or GenerateStep { IsLastFrame: true }; )
            {
                if (!byId.TryGetValue(sourceId.Text, out var source))
                {
                    break;
                }

                if (played.Contains(sourceId.Text) && (spec.TrimIn ?? 0) < source.TotalSeconds && reported.Add(sourceId.Text))
                {
                    var at = shots.First(s => s.Clip.Id == sourceId).Spec.Ref.Location;
                    _diagnostics.Report(DiagnosticCodes.ClipPlaysTwice, $"cut '{cut.Id}' plays '{sourceId}' and '{clip.Id}', which already starts with it (a continuation's clip holds its source); '{sourceId}' plays twice: remove it from 'shots'", at);
                }

                from = source is ExtendStep or GenerateStep { IsLastFrame: true } ? source.FromClip : null;
            }
        }
    }
}
