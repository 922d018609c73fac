using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

/// <summary>
/// Checks every step against the capability table of the provider the command uses — models,
/// sizes, seconds, features, extension limits and options — so nothing is spent on a request the
/// provider would refuse. Runs on the declarations and what they expanded to, right after expansion.
/// </summary>
internal sealed class CapabilityChecks(Script script, ProviderCapabilities caps, DiagnosticBag diagnostics)
{
    /// <summary>Where a diagnostic about a command-line option is reported (no line: nothing in a file to point at).</summary>
    public const string CommandLine = "command line";

    /// <summary>The table of the script's provider, or null after reporting an unknown provider.</summary>
    public static ProviderCapabilities? Provider(Script script, DiagnosticBag diagnostics)
    {
        var found = ProviderCatalog.Find(script.Provider);
        if (found is null)
        {
            // A name given with --provider is the command line's mistake, not the script's 'provider:' line.
            var (given, location) = script.ProviderFromCommandLine
                ? (" given with --provider", new SourceLocation(CommandLine, 0, 0))
                : ("", script.ProviderLocation);
            diagnostics.Report(DiagnosticCodes.UnknownProvider, $"unknown provider '{script.Provider}'{given}{Suggestions.DidYouMean(script.Provider, ProviderCatalog.Tables.Keys)} (known: {string.Join(", ", ProviderCatalog.Tables.Keys.Order(StringComparer.Ordinal))})", location);
        }

        return found;
    }

    /// <summary>Checks every scene, and every continuation and edit that expanded (one whose source or prompt failed was reported already).</summary>
    /// <param name="steps">What the script expanded to.</param>
    public void Check(ImmutableArray<StepRequest> steps)
    {
        foreach (var scene in script.Scenes)
        {
            Scene(scene);
        }

        // By the ids' text (how step ids compare): collections of strings are precompiled, of step ids not. The first clip of each.
        var byId = new Dictionary<string, ClipStep>(steps.Length, StringComparer.Ordinal);
        var firstOfDecl = new Dictionary<string, ClipStep>(script.Scenes.Length + script.Continuations.Length + script.Edits.Length, StringComparer.Ordinal);
        foreach (var s in steps)
        {
            if (s is ClipStep clip)
            {
                byId.TryAdd(clip.Id.Text, clip);
                firstOfDecl.TryAdd(clip.Source, clip);
            }
        }

        foreach (var decl in script.Continuations.Cast<StepDecl>().Concat(script.Edits))
        {
            if (!firstOfDecl.TryGetValue(decl.Id, out var step))
            {
                continue;
            }

            var source = byId[step.FromClip!.Text];
            var settings = decl.Settings.InheritFrom(script.Defaults);
            if (decl is ContinuationDecl c)
            {
                Continuation(c, step, source);
            }
            else
            {
                Edit(decl, step);
            }

            Options(settings.Options, step.Model, step.Kind, hasImage: step.IsLastFrame, step.Seconds, decl.Settings, decl.Location);
        }
    }

    private void Scene(SceneDecl scene)
    {
        var settings = scene.Settings.InheritFrom(script.Defaults);
        var (model, size, seconds) = Expander.Shape(settings, caps);
        ModelSizeSeconds(model, size, seconds, settings, scene.Settings, scene.Location, shapeFromDefaults: true);
        if (scene.Image is not null && !caps.Supports(model, ModelFeatures.Image))
        {
            diagnostics.Report(DiagnosticCodes.OperationNotSupported, caps.SupportsImage ? $"'{model}' on '{caps.Provider}' does not take a first-frame image" : $"provider '{caps.Provider}' does not take a first-frame image", scene.Image.Location);
        }

        Options(settings.Options, model, StepKind.Generate, scene.Image is not null, seconds, scene.Settings, scene.Location);
        SceneShots.Check(scene, model, seconds, settings, caps, diagnostics);
        if (scene.Characters.Length > caps.MaxCharacters)
        {
            diagnostics.Report(DiagnosticCodes.TooManyCharacters, $"provider '{caps.Provider}' takes at most {caps.MaxCharacters} characters per clip (this scene lists {scene.Characters.Length})", scene.Characters[caps.MaxCharacters].Location);
        }
    }

    private void Continuation(ContinuationDecl c, ClipStep step, ClipStep source)
    {
        var settings = c.Settings;
        if (c.Mode == ContinuationMode.Extend && step.IsLastFrame)
        {
            var who = caps.SupportsExtend ? $"'{source.Model}' on '{caps.Provider}'" : $"provider '{caps.Provider}'";
            diagnostics.Report(DiagnosticCodes.NoNativeExtension, $"{who} has no native extension; '{c.Id}' continues from the last frame instead (mode: last-frame)", c.Location);
        }

        if (step is not ExtendStep extension)
        {
            ModelSizeSeconds(step.Model, step.Size, step.Seconds, settings.InheritFrom(script.Defaults), settings, c.Location, shapeFromDefaults: false);
            return;
        }

        if (settings.Size is { } s && s != source.Size)
        {
            diagnostics.Report(DiagnosticCodes.ExtensionMustKeep, $"an extension keeps its source's size ({source.Size}); remove 'size' or use mode: last-frame", settings.SizeLocation);
        }

        if (settings.Model is { } m && m != source.Model)
        {
            diagnostics.Report(DiagnosticCodes.ExtensionMustKeep, $"an extension keeps its source's model ({source.Model}); remove 'model' or use mode: last-frame", settings.ModelLocation);
        }

        if (caps.FindModel(source.Model) is { ExtensionSizes.IsDefaultOrEmpty: false } sourceModel && !sourceModel.ExtensionSizes.Contains(source.Size))
        {
            diagnostics.Report(DiagnosticCodes.ExtensionMustKeep, $"'{source.Model}' extends only {string.Join(", ", sourceModel.ExtensionSizes)} clips ('{source.Id}' is {source.Size}); use mode: last-frame", c.Location);
        }

        Extension(c, extension.Seconds, extension.TotalSeconds, extension.ExtensionDepth, settings);
    }

    private void Edit(StepDecl decl, ClipStep step)
    {
        if (!caps.Supports(step.Model, ModelFeatures.Edit))
        {
            diagnostics.Report(DiagnosticCodes.OperationNotSupported, caps.SupportsEdit ? $"'{step.Model}' on '{caps.Provider}' cannot edit clips" : $"provider '{caps.Provider}' cannot edit clips", decl.Location);
        }

        if (decl.Settings.Model is not null && !caps.AnyModel)
        {
            EditModel(step.Model, step.Size, decl.Settings.ModelLocation);
        }
    }

    /// <summary>
    /// Checks a new clip's model, size and seconds. A value the step inherits from <c>defaults</c> is reported at the step,
    /// saying so and where the default is, since that is where the user looks and what may need its own value.
    /// </summary>
    private void ModelSizeSeconds(string model, VideoSize size, int seconds, StepSettings settings, StepSettings own, SourceLocation stepLocation, bool shapeFromDefaults)
    {
        // Made only to report: most steps have nothing to report.
        InheritedDiagnostics Report() => new(diagnostics, stepLocation, [
            // A last-frame continuation takes its model and size from its source, only its seconds from defaults.
            (settings.ModelLocation, shapeFromDefaults && own.Model is null && script.Defaults.Model is not null, "model"),
            (settings.SizeLocation, shapeFromDefaults && own.Size is null && script.Defaults.Size is not null, "size"),
            (settings.SecondsLocation, own.Seconds is null && script.Defaults.Seconds is not null, "seconds"),
        ]);
        var modelLoc = settings.ModelLocation.IsKnown ? settings.ModelLocation : stepLocation;
        var sizeLoc = settings.SizeLocation.IsKnown ? settings.SizeLocation : stepLocation;
        var secondsLoc = settings.SecondsLocation.IsKnown ? settings.SecondsLocation : stepLocation;
        if (caps.AnyModel)
        {
            if (size.Width % 2 != 0 || size.Height % 2 != 0 || size.Width < caps.MinSide || size.Height < caps.MinSide || size.Width > caps.MaxSide || size.Height > caps.MaxSide)
            {
                Report().Report(DiagnosticCodes.SizeNotSupported, $"size {size} is not supported by '{caps.Provider}': each side must be even, {caps.MinSide}–{caps.MaxSide}", sizeLoc);
            }

            if (seconds < caps.MinSeconds || seconds > caps.MaxSeconds)
            {
                Report().Report(DiagnosticCodes.SecondsNotSupported, $"{seconds} s is not supported by '{caps.Provider}': {caps.MinSeconds}–{caps.MaxSeconds} s", secondsLoc);
            }

            return;
        }

        var m = caps.FindModel(model);
        if (m is null)
        {
            UnknownModel(model, modelLoc, Report());
            return;
        }

        if (!m.Sizes.Contains(size))
        {
            var other = caps.Models.Where(x => x.Sizes.Contains(size)).Select(x => x.Id).FirstOrDefault();
            var hint = other is null ? "" : $"; '{other}' has it";
            Report().Report(DiagnosticCodes.SizeNotSupported, $"'{model}' has no size {size} (sizes: {string.Join(", ", m.Sizes)}){hint}", sizeLoc);
        }

        if (!m.Seconds.Contains(seconds))
        {
            Report().Report(DiagnosticCodes.SecondsNotSupported, $"'{model}' cannot make {seconds} s clips (seconds: {string.Join(", ", m.Seconds)}; nearest: {Nearest(m.Seconds, seconds)})", secondsLoc);
        }
        else if (!m.SecondsBySize.IsEmpty && m.SecondsBySize.TryGetValue(size.ToString(), out var only) && !only.Contains(seconds))
        {
            var smaller = m.Sizes.Where(x => !m.SecondsBySize.ContainsKey(x.ToString()) && x.IsPortrait == size.IsPortrait).Select(x => x.ToString()).FirstOrDefault();
            Report().Report(DiagnosticCodes.SecondsNotSupported, $"'{model}' makes {size} clips of {string.Join(", ", only)} s only (got {seconds}; nearest: {Nearest(only, seconds)} s{(smaller is null ? "" : $", or {smaller} at {seconds} s")})", secondsLoc);
        }
    }

    /// <summary>An edit may name its own model; it must exist and make clips of the source's size.</summary>
    private void EditModel(string model, VideoSize size, SourceLocation location)
    {
        var m = caps.FindModel(model);
        if (m is null)
        {
            UnknownModel(model, location);
        }
        else if (!m.Sizes.Contains(size))
        {
            diagnostics.Report(DiagnosticCodes.SizeNotSupported, $"'{model}' has no size {size}, the size of the clip being edited (sizes: {string.Join(", ", m.Sizes)})", location);
        }
    }

    private void UnknownModel(string model, SourceLocation location) => UnknownModel(model, location, new BagReporter(diagnostics));

    private void UnknownModel(string model, SourceLocation location, IReporter diagnostics) =>
        diagnostics.Report(DiagnosticCodes.UnknownModel, Counterpart(model) ?? $"provider '{caps.Provider}' has no model '{model}'{Suggestions.DidYouMean(model, caps.Models.Select(x => x.Id))} (models: {string.Join(", ", caps.Models.Select(x => x.Id))})", location);

    /// <summary>When <paramref name="model"/> is another provider's own id for a family this provider serves: what to write instead.</summary>
    private string? Counterpart(string model)
    {
        var (owner, family) = ProviderCatalog.Entries
            .Where(e => e.Name != caps.Provider)
            .SelectMany(e => e.Capabilities.Models.Where(m => m.Id == model && m.Family is not null).Select(m => (e.Name, m.Family!)))
            .FirstOrDefault();
        return family is not null && caps.Models.FirstOrDefault(m => m.Family == family) is { } here
            ? $"provider '{caps.Provider}' has no model '{model}': that is {owner}'s id for {family}; write '{family}' (any provider that serves it) or '{here.Id}'"
            : null;
    }

    private void Extension(ContinuationDecl c, int seconds, int total, int depth, StepSettings settings)
    {
        var loc = settings.SecondsLocation.IsKnown ? settings.SecondsLocation : c.Location;
        var allowed = caps.ExtensionSeconds.IsDefault ? [] : caps.ExtensionSeconds;
        if (caps.AnyModel)
        {
            if (seconds < caps.MinSeconds || seconds > caps.MaxSeconds)
            {
                diagnostics.Report(DiagnosticCodes.SecondsNotSupported, $"{seconds} s is not supported by '{caps.Provider}': {caps.MinSeconds}–{caps.MaxSeconds} s", loc);
            }
        }
        else if (!allowed.IsEmpty && !allowed.Contains(seconds))
        {
            diagnostics.Report(DiagnosticCodes.SecondsNotSupported, $"an extension on '{caps.Provider}' adds {string.Join(", ", allowed)} s (got {seconds}; nearest: {Nearest(allowed, seconds)})", loc);
        }

        if (depth > caps.MaxExtensionsPerClip)
        {
            diagnostics.Report(DiagnosticCodes.ExtensionLimit, $"'{c.Id}' would be extension number {depth} of one clip; '{caps.Provider}' allows at most {caps.MaxExtensionsPerClip}", c.Location);
        }

        if (total > Math.Min(caps.MaxTotalSeconds, caps.MaxSeconds))
        {
            diagnostics.Report(DiagnosticCodes.ExtensionLimit, $"'{c.Id}' would make the clip {total} s long; '{caps.Provider}' allows at most {Math.Min(caps.MaxTotalSeconds, caps.MaxSeconds)} s in total", c.Location);
        }
    }

    /// <summary>Each option must apply to <paramref name="model"/>, <paramref name="kind"/> and the step; one diagnostic per option at most.</summary>
    private void Options(ImmutableArray<OptionSetting> settings, string model, StepKind kind, bool hasImage, int seconds, StepSettings own, SourceLocation stepLocation)
    {
        foreach (var setting in settings)
        {
            var spec = caps.FindOption(setting.Option.Name);
            var why = spec switch
            {
                { Models.IsDefaultOrEmpty: false } when !spec.Models.Contains(model, StringComparer.Ordinal) => $"is for {string.Join(", ", spec.Models)}, not '{model}'",
                { GenerateOnly: true } when kind != StepKind.Generate => $"applies to new clips only, not to {(kind == StepKind.Extend ? "extensions" : "edits")}",
                { NeedsImage: true } when !hasImage => "needs a first-frame 'image' on the step",
                { OnlySeconds: { } only } when seconds != only => $"works with {only} s clips only (this step makes {seconds} s)",
                { ExcludesImage: true } when hasImage => "can't be combined with a first-frame image (remove 'image' or the option)",
                _ => null,
            };
            if (why is not null)
            {
                var inherited = !own.Options.Any(o => o.Option.Name == setting.Option.Name);
                diagnostics.Report(
                    DiagnosticCodes.BadOption,
                    $"option '{spec!.Name}' on '{caps.Provider}' {why}{(inherited ? $" (inherited from defaults (line {setting.Location.Line}))" : "")}",
                    inherited ? stepLocation : setting.Location);
            }
        }

        if (caps.CheckOptions is { } check)
        {
            var options = settings.Select(s => s.Option).ToImmutableArray();
            foreach (var problem in check(options, hasImage))
            {
                var setting = settings.FirstOrDefault(s => s.Option.Name == problem.Option);
                var inherited = setting is not null && !own.Options.Any(o => o.Option.Name == setting.Option.Name);
                diagnostics.Report(
                    DiagnosticCodes.BadOption,
                    $"{problem.Message}{(inherited ? $" (inherited from defaults (line {setting!.Location.Line}))" : "")}",
                    setting is null || inherited ? stepLocation : setting.Location);
            }
        }
    }

    private static int Nearest(ImmutableArray<int> values, int x) => values.OrderBy(v => Math.Abs(v - x)).ThenBy(v => v).First();

    /// <summary>Reports through a bag, or anything else that takes diagnostics.</summary>
    private interface IReporter
    {
        void Report(DiagnosticDescriptor descriptor, string message, SourceLocation location);
    }

    private sealed class BagReporter(DiagnosticBag bag) : IReporter
    {
        public void Report(DiagnosticDescriptor descriptor, string message, SourceLocation location) => bag.Report(descriptor, message, location);
    }

    /// <summary>
    /// Moves a diagnostic about a value inherited from <c>defaults</c> to the step that inherits it, and says where the
    /// default is: <c>… (inherited from defaults (line 5))</c>.
    /// </summary>
    private sealed class InheritedDiagnostics(DiagnosticBag bag, SourceLocation stepLocation, (SourceLocation At, bool Inherited, string Key)[] values) : IReporter
    {
        public void Report(DiagnosticDescriptor descriptor, string message, SourceLocation location)
        {
            foreach (var (at, inherited, key) in values)
            {
                if (inherited && at == location)
                {
                    bag.Report(descriptor, $"{message} ('{key}' inherited from defaults (line {at.Line}))", stepLocation);
                    return;
                }
            }

            bag.Report(descriptor, message, location);
        }
    }
}
