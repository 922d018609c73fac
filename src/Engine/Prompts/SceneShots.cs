using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

/// <summary>
/// A multi-shot scene's <c>shots:</c>: each prompt rendered like the scene's own (same variables, matrix cell and
/// templates), and the checks that need the provider and the defaults: the provider (and model) has multi-shot, takes
/// that many shots and prompts that long, and the shots' seconds add up to the scene's.
/// </summary>
internal static class SceneShots
{
    /// <summary>
    /// The rendered shots of <paramref name="scene"/> in one matrix cell (empty when it has none), or a default array after
    /// reporting a prompt that failed to render. The checks of the list as a whole are made once, for the first cell.
    /// </summary>
    /// <remarks>Default rather than null: <c>Nullable&lt;ImmutableArray&lt;…&gt;&gt;</c> is JIT-compiled on every cold start.</remarks>
    public static ImmutableArray<ShotPrompt> Render(SceneDecl scene, IReadOnlyList<KeyValuePair<string, string>> cell, PromptRenderer renderer, ProviderCapabilities caps, DiagnosticBag diagnostics)
    {
        if (scene.Shots.IsEmpty)
        {
            return [];
        }

        var limits = caps.MultiShot;
        var result = ImmutableArray.CreateBuilder<ShotPrompt>(scene.Shots.Length);
        var failed = false;
        foreach (var shot in scene.Shots)
        {
            var prompt = renderer.Render(shot.Prompt, cell, diagnostics);
            if (prompt is null)
            {
                failed = true;
                continue;
            }

            if (limits is not null && prompt.Length > limits.MaxPromptLength)
            {
                diagnostics.Report(DiagnosticCodes.PromptLength, $"a shot's prompt renders to {prompt.Length} characters; '{caps.Provider}' takes at most {limits.MaxPromptLength} per shot", shot.Prompt.Node.Location);
                failed = true;
                continue;
            }

            result.Add(new ShotPrompt(prompt, shot.Seconds));
        }

        return failed ? default : result.MoveToImmutable();
    }

    /// <summary>The checks of a scene's list of shots against the provider and its own seconds (once per scene).</summary>
    public static void Check(SceneDecl scene, string model, int seconds, StepSettings settings, ProviderCapabilities caps, DiagnosticBag diagnostics)
    {
        if (scene.Shots.IsEmpty)
        {
            return;
        }

        if (!caps.Supports(model, ModelFeatures.MultiShot))
        {
            var who = caps.MultiShot is null ? $"provider '{caps.Provider}'" : $"'{model}' on '{caps.Provider}'";
            diagnostics.Report(DiagnosticCodes.MultiShotNotSupported, $"{who} cannot render several shots in one clip; remove 'shots' or use {(caps.MultiShot is null ? "a provider" : "a model")} with multi-shot ({Supporting()})", scene.ShotsLocation);
            return;
        }

        if (scene.Shots.Length > caps.MultiShot!.MaxShots)
        {
            diagnostics.Report(DiagnosticCodes.MultiShotNotSupported, $"'{model}' on '{caps.Provider}' takes at most {caps.MultiShot.MaxShots} shots in one clip (this scene gives {scene.Shots.Length})", scene.Shots[caps.MultiShot.MaxShots].Location);
        }

        if (!caps.MultiShot.TakesLastFrame && settings.Options.FirstOrDefault(o => o.Option.Name == "last_frame") is { } lastFrame)
        {
            diagnostics.Report(DiagnosticCodes.MultiShotNotSupported, $"'{caps.Provider}' renders several shots without a last frame; remove 'last_frame' or 'shots'", lastFrame.Location);
        }

        var sum = scene.Shots.Sum(s => (long)s.Seconds);
        if (sum != seconds)
        {
            var from = settings.SecondsLocation.IsKnown ? $"seconds: {seconds}" : $"the default of {seconds} s: give the scene 'seconds: {sum}'";
            diagnostics.Report(DiagnosticCodes.ShotSeconds, $"the shots of scene '{scene.Id}' add up to {sum} s but the scene is {seconds} s ({from}); make the shots' seconds sum to {seconds}", scene.ShotsLocation);
        }
    }

    /// <summary>The providers (and their models) that render several shots in one clip, for the help of a refusal.</summary>
    private static string Supporting() => string.Join("; ", ProviderCatalog.Entries
        .Select(e => e.Capabilities)
        .Where(c => c.MultiShot is not null)
        .Select(c => c.AnyModel ? c.Provider : $"{c.Provider}: {string.Join(", ", c.Models.Where(m => c.Supports(m.Id, ModelFeatures.MultiShot)).Select(m => m.Id))}"));
}
