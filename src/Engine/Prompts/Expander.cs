using System.Collections.Immutable;
using System.Security.Cryptography;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

/// <summary>
/// Expand stage: applies defaults, matrix, takes and prompt templates, resolves references to
/// concrete step ids, and checks every step against the provider's capability table.
/// </summary>
public sealed class Expander
{
    public static readonly VideoSize DefaultSize = new(1280, 720);

    public const int DefaultSeconds = 4;

    private readonly Script _script;
    private readonly DiagnosticBag _diagnostics;
    private readonly ProviderCapabilities _caps;
    private readonly PromptRenderer _renderer;
    private readonly List<StepRequest> _steps = [];
    private readonly Dictionary<string, ImmutableArray<StepRequest>> _byDecl = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StepDecl> _decls;
    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);

    private Expander(Script script, ProviderCapabilities caps, DiagnosticBag diagnostics)
    {
        _script = script;
        _caps = caps;
        _diagnostics = diagnostics;
        _renderer = new PromptRenderer(script);
        _decls = script.Steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>Expands a bound script. Returns null after reporting errors.</summary>
    public static ExpandedScript? Expand(Script script, DiagnosticBag diagnostics)
    {
        var caps = ProviderCatalog.Find(script.Provider);
        if (caps is null)
        {
            diagnostics.Report(DiagnosticCodes.UnknownProvider, $"unknown provider '{script.Provider}'{Suggestions.DidYouMean(script.Provider, ProviderCatalog.Tables.Keys)} (known: {string.Join(", ", ProviderCatalog.Tables.Keys.Order(StringComparer.Ordinal))})", script.ProviderLocation);
            return null;
        }

        var expander = new Expander(script, caps, diagnostics);
        expander.Run();
        return diagnostics.HasErrors ? null : new ExpandedScript(script, script.Provider, [.. expander._steps]);
    }

    private void Run()
    {
        // Characters registered with the provider: only those with a video, used by some scene whose model takes them.
        var used = _script.Scenes
            .Where(s => _caps.Supports(ModelFor(s.Settings.InheritFrom(_script.Defaults).Model), ModelFeatures.Characters))
            .SelectMany(s => s.Characters).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var c in _script.Characters.Where(c => c.Video is not null && used.Contains(c.Id)))
        {
            _steps.Add(new StepRequest(
                StepNames.Character(c.Id), c.Id, StepKind.Character, 0, [], _script.Provider, ModelFor(null), DefaultSize, 0, 0,
                c.Name, [Input("video", c.Video!.Path)], [], null, null, [], null, ImageFit.Cover, [], c.Location));
        }

        foreach (var decl in _script.Steps)
        {
            ExpandDecl(decl);
        }

        foreach (var cut in _script.Cuts)
        {
            ExpandCut(cut);
        }
    }

    private ImmutableArray<StepRequest> ExpandDecl(StepDecl decl)
    {
        if (_byDecl.TryGetValue(decl.Id, out var done))
        {
            return done;
        }

        _byDecl[decl.Id] = [];
        var result = decl switch
        {
            SceneDecl s => ExpandScene(s),
            ContinuationDecl c => ExpandFrom(c, c.From),
            EditDecl e => ExpandFrom(e, e.From),
            _ => [],
        };
        _byDecl[decl.Id] = result;
        _steps.AddRange(result);
        return result;
    }

    private ImmutableArray<StepRequest> ExpandScene(SceneDecl scene)
    {
        var settings = scene.Settings.InheritFrom(_script.Defaults);
        var model = ModelFor(settings.Model);
        var size = settings.Size ?? DefaultSize;
        var seconds = settings.Seconds ?? DefaultSeconds;
        var characterSteps = scene.Characters
            .Select(r => _script.Characters.First(c => c.Id == r.Id))
            .Where(c => c.Video is not null && _caps.Supports(model, ModelFeatures.Characters))
            .Select(c => StepNames.Character(c.Id))
            .ToImmutableArray();

        CheckModelSizeSeconds(model, size, seconds, settings, scene.Location);
        if (scene.Image is not null && !_caps.Supports(model, ModelFeatures.Image))
        {
            _diagnostics.Report(DiagnosticCodes.OperationNotSupported, _caps.SupportsImage ? $"'{model}' on '{_caps.Provider}' does not take a first-frame image" : $"provider '{_caps.Provider}' does not take a first-frame image", scene.Image.Location);
        }

        var options = CheckOptions(settings.Options, model, StepKind.Generate, scene.Image is not null, seconds);

        if (scene.Characters.Length > _caps.MaxCharacters)
        {
            _diagnostics.Report(DiagnosticCodes.TooManyCharacters, $"provider '{_caps.Provider}' takes at most {_caps.MaxCharacters} characters per clip (this scene lists {scene.Characters.Length})", scene.Characters[_caps.MaxCharacters].Location);
        }

        var inputs = (scene.Image is null ? ImmutableArray<InputFile>.Empty : [Input("image", scene.Image.Path)]).AddRange(OptionInputs(options));
        var results = ImmutableArray.CreateBuilder<StepRequest>();
        foreach (var combo in Combinations(scene.Matrix))
        {
            var prompt = _renderer.Render(scene.Prompt, combo, _diagnostics);
            if (prompt is null)
            {
                continue;
            }

            foreach (var r in scene.Characters)
            {
                var name = _script.Characters.First(c => c.Id == r.Id).Name;
                if (!prompt.Contains(name, StringComparison.OrdinalIgnoreCase))
                {
                    _diagnostics.Report(DiagnosticCodes.CharacterNotInPrompt, $"character '{r.Id}' is listed but its name '{name}' does not appear in the prompt; providers need the name in the prompt to keep the character", r.Location);
                }
            }

            var variant = StepNames.Variant(scene.Id, combo);
            for (var take = 1; take <= scene.Takes; take++)
            {
                results.Add(new StepRequest(
                    StepNames.Take(variant, take, scene.Takes), scene.Id, StepKind.Generate, scene.Takes > 1 ? take : 0,
                    characterSteps, _script.Provider, model, size, seconds, seconds, prompt, inputs, characterSteps,
                    null, null, [], null, scene.Fit, [.. combo], scene.Location) { Options = options });
            }
        }

        return results.ToImmutable();
    }

    private ImmutableArray<StepRequest> ExpandFrom(StepDecl decl, StepRef from)
    {
        var source = ResolveOne(from);
        if (source is null)
        {
            return [];
        }

        var settings = decl.Settings;
        var prompt = _renderer.Render(decl.Prompt, source.Matrix, _diagnostics);
        if (prompt is null)
        {
            return [];
        }

        StepKind kind;
        ContinuationMode? mode = null;
        string model;
        VideoSize size;
        int seconds, total, depth = source.ExtensionDepth;
        if (decl is ContinuationDecl c)
        {
            mode = c.Mode;
            if (mode == ContinuationMode.Extend && !_caps.Supports(source.Model, ModelFeatures.Extend))
            {
                var who = _caps.SupportsExtend ? $"'{source.Model}' on '{_caps.Provider}'" : $"provider '{_caps.Provider}'";
                _diagnostics.Report(DiagnosticCodes.NoNativeExtension, $"{who} has no native extension; '{c.Id}' continues from the last frame instead (mode: last-frame)", c.Location);
                mode = ContinuationMode.LastFrame;
            }

            seconds = settings.Seconds ?? _script.Defaults.Seconds ?? DefaultSeconds;
            if (mode == ContinuationMode.Extend)
            {
                kind = StepKind.Extend;
                model = source.Model;
                size = source.Size;
                if (settings.Size is { } s && s != source.Size)
                {
                    _diagnostics.Report(DiagnosticCodes.ExtensionMustKeep, $"an extension keeps its source's size ({source.Size}); remove 'size' or use mode: last-frame", settings.SizeLocation);
                }

                if (settings.Model is { } m && m != source.Model)
                {
                    _diagnostics.Report(DiagnosticCodes.ExtensionMustKeep, $"an extension keeps its source's model ({source.Model}); remove 'model' or use mode: last-frame", settings.ModelLocation);
                }

                if (_caps.FindModel(source.Model) is { ExtensionSizes.IsDefaultOrEmpty: false } sourceModel && !sourceModel.ExtensionSizes.Contains(source.Size))
                {
                    _diagnostics.Report(DiagnosticCodes.ExtensionMustKeep, $"'{source.Model}' extends only {string.Join(", ", sourceModel.ExtensionSizes)} clips ('{source.Id}' is {source.Size}); use mode: last-frame", c.Location);
                }

                depth++;
                total = source.TotalSeconds + seconds;
                CheckExtension(c, seconds, total, depth, settings);
            }
            else
            {
                kind = StepKind.Generate;
                model = ModelFor(settings.Model ?? source.Model);
                size = settings.Size ?? source.Size;
                CheckModelSizeSeconds(model, size, seconds, settings.InheritFrom(_script.Defaults), c.Location);
                total = source.TotalSeconds + seconds;
                depth = 0;
            }
        }
        else
        {
            kind = StepKind.Edit;

            // An edit keeps its source's size and duration; the schema has no 'size' or 'seconds' on edits.
            model = settings.Model ?? source.Model;
            if (!_caps.Supports(model, ModelFeatures.Edit))
            {
                _diagnostics.Report(DiagnosticCodes.OperationNotSupported, _caps.SupportsEdit ? $"'{model}' on '{_caps.Provider}' cannot edit clips" : $"provider '{_caps.Provider}' cannot edit clips", decl.Location);
            }

            if (settings.Model is not null && !_caps.AnyModel)
            {
                CheckEditModel(model, source.Size, settings.ModelLocation);
            }

            size = source.Size;
            seconds = source.TotalSeconds;
            total = seconds;
        }

        var options = CheckOptions(settings.InheritFrom(_script.Defaults).Options, model, kind, hasImage: mode == ContinuationMode.LastFrame, seconds);
        var results = ImmutableArray.CreateBuilder<StepRequest>();
        for (var take = 1; take <= decl.Takes; take++)
        {
            results.Add(new StepRequest(
                StepNames.Take(decl.Id, take, decl.Takes), decl.Id, kind, decl.Takes > 1 ? take : 0,
                [source.Id], _script.Provider, model, size, seconds, total, prompt, OptionInputs(options), [], mode, source.Id, [], null,
                ImageFit.Cover, source.Matrix, decl.Location) { ExtensionDepth = depth, Options = options });
        }

        return results.ToImmutable();
    }

    private void ExpandCut(CutDecl cut)
    {
        var shots = new List<(StepRequest Clip, ShotSpec Spec)>();
        foreach (var spec in cut.ShotSpecs)
        {
            shots.AddRange(Resolve(spec.Ref).Select(r => (r, spec)));
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

        var ids = shots.Select(s => s.Clip.Id).ToImmutableArray();
        var inputs = cut.Music is { } music ? ImmutableArray.Create(Input("music", music.File.Path)) : [];
        var settings = new CutSettings(requests.ToImmutable(), cut.Music, cut.Loudness, cut.Video);
        var relativeOutput = Path.GetRelativePath(_script.Directory, cut.Output.Path).Replace('\\', '/');
        var size = cut.Video?.Size ?? shots[0].Clip.Size;
        _steps.Add(new StepRequest(
            cut.Id, cut.Id, StepKind.Cut, 0, [.. ids.Distinct()], _script.Provider, "cut", size, 0, (int)Math.Round(total), "",
            inputs, [], null, null, ids, relativeOutput, ImageFit.Pad, [], cut.Location) { Cut = settings });
    }

    /// <summary>A reference naming one clip: the picked take (or the named take) of one variant.</summary>
    private StepRequest? ResolveOne(StepRef reference) => Resolve(reference).FirstOrDefault();

    private List<StepRequest> Resolve(StepRef reference)
    {
        var parsed = ParsedStepRef.Parse(reference.Text)!;
        var decl = _decls[parsed.Id];
        var all = ExpandDecl(decl);
        var take = parsed.Take ?? decl.Pick;
        var matching = all.Where(r => (r.Take == 0 || r.Take == take)
            && parsed.Selector.All(kv => r.Matrix.Any(m => m.Key == kv.Key && m.Value == kv.Value)));
        return [.. matching];
    }

    private void CheckModelSizeSeconds(string model, VideoSize size, int seconds, StepSettings settings, SourceLocation stepLocation)
    {
        var modelLoc = settings.ModelLocation.IsKnown ? settings.ModelLocation : stepLocation;
        var sizeLoc = settings.SizeLocation.IsKnown ? settings.SizeLocation : stepLocation;
        var secondsLoc = settings.SecondsLocation.IsKnown ? settings.SecondsLocation : stepLocation;
        if (_caps.AnyModel)
        {
            if (size.Width % 2 != 0 || size.Height % 2 != 0 || size.Width < _caps.MinSide || size.Height < _caps.MinSide || size.Width > _caps.MaxSide || size.Height > _caps.MaxSide)
            {
                _diagnostics.Report(DiagnosticCodes.SizeNotSupported, $"size {size} is not supported by '{_caps.Provider}': each side must be even, {_caps.MinSide}–{_caps.MaxSide}", sizeLoc);
            }

            if (seconds < _caps.MinSeconds || seconds > _caps.MaxSeconds)
            {
                _diagnostics.Report(DiagnosticCodes.SecondsNotSupported, $"{seconds} s is not supported by '{_caps.Provider}': {_caps.MinSeconds}–{_caps.MaxSeconds} s", secondsLoc);
            }

            return;
        }

        var m = _caps.FindModel(model);
        if (m is null)
        {
            _diagnostics.Report(DiagnosticCodes.UnknownModel, $"provider '{_caps.Provider}' has no model '{model}'{Suggestions.DidYouMean(model, _caps.Models.Select(x => x.Id))} (models: {string.Join(", ", _caps.Models.Select(x => x.Id))})", modelLoc);
            return;
        }

        if (!m.Sizes.Contains(size))
        {
            var other = _caps.Models.Where(x => x.Sizes.Contains(size)).Select(x => x.Id).FirstOrDefault();
            var hint = other is null ? "" : $"; '{other}' has it";
            _diagnostics.Report(DiagnosticCodes.SizeNotSupported, $"'{model}' has no size {size} (sizes: {string.Join(", ", m.Sizes)}){hint}", sizeLoc);
        }

        if (!m.Seconds.Contains(seconds))
        {
            _diagnostics.Report(DiagnosticCodes.SecondsNotSupported, $"'{model}' cannot make {seconds} s clips (seconds: {string.Join(", ", m.Seconds)}; nearest: {Nearest(m.Seconds, seconds)})", secondsLoc);
        }
        else if (m.SecondsBySize.TryGetValue(size.ToString(), out var only) && !only.Contains(seconds))
        {
            var smaller = m.Sizes.Where(x => !m.SecondsBySize.ContainsKey(x.ToString()) && x.IsPortrait == size.IsPortrait).Select(x => x.ToString()).FirstOrDefault();
            _diagnostics.Report(DiagnosticCodes.SecondsNotSupported, $"'{model}' makes {size} clips of {string.Join(", ", only)} s only (got {seconds}; nearest: {Nearest(only, seconds)} s{(smaller is null ? "" : $", or {smaller} at {seconds} s")})", secondsLoc);
        }
    }

    /// <summary>An edit may name its own model; it must exist and make clips of the source's size.</summary>
    private void CheckEditModel(string model, VideoSize size, SourceLocation location)
    {
        var m = _caps.FindModel(model);
        if (m is null)
        {
            _diagnostics.Report(DiagnosticCodes.UnknownModel, $"provider '{_caps.Provider}' has no model '{model}'{Suggestions.DidYouMean(model, _caps.Models.Select(x => x.Id))} (models: {string.Join(", ", _caps.Models.Select(x => x.Id))})", location);
        }
        else if (!m.Sizes.Contains(size))
        {
            _diagnostics.Report(DiagnosticCodes.SizeNotSupported, $"'{model}' has no size {size}, the size of the clip being edited (sizes: {string.Join(", ", m.Sizes)})", location);
        }
    }

    private void CheckExtension(ContinuationDecl c, int seconds, int total, int depth, StepSettings settings)
    {
        var loc = settings.SecondsLocation.IsKnown ? settings.SecondsLocation : c.Location;
        var allowed = _caps.ExtensionSeconds.IsDefault ? [] : _caps.ExtensionSeconds;
        if (_caps.AnyModel)
        {
            if (seconds < _caps.MinSeconds || seconds > _caps.MaxSeconds)
            {
                _diagnostics.Report(DiagnosticCodes.SecondsNotSupported, $"{seconds} s is not supported by '{_caps.Provider}': {_caps.MinSeconds}–{_caps.MaxSeconds} s", loc);
            }
        }
        else if (!allowed.IsEmpty && !allowed.Contains(seconds))
        {
            _diagnostics.Report(DiagnosticCodes.SecondsNotSupported, $"an extension on '{_caps.Provider}' adds {string.Join(", ", allowed)} s (got {seconds}; nearest: {Nearest(allowed, seconds)})", loc);
        }

        if (depth > _caps.MaxExtensionsPerClip)
        {
            _diagnostics.Report(DiagnosticCodes.ExtensionLimit, $"'{c.Id}' would be extension number {depth} of one clip; '{_caps.Provider}' allows at most {_caps.MaxExtensionsPerClip}", c.Location);
        }

        if (total > Math.Min(_caps.MaxTotalSeconds, _caps.MaxSeconds))
        {
            _diagnostics.Report(DiagnosticCodes.ExtensionLimit, $"'{c.Id}' would make the clip {total} s long; '{_caps.Provider}' allows at most {Math.Min(_caps.MaxTotalSeconds, _caps.MaxSeconds)} s in total", c.Location);
        }
    }

    private static int Nearest(ImmutableArray<int> values, int x) => values.OrderBy(v => Math.Abs(v - x)).ThenBy(v => v).First();

    private string ModelFor(string? model) => model ?? _caps.DefaultModel;

    /// <summary>Options that apply to <paramref name="model"/> and <paramref name="kind"/> (RL0411 for the others).</summary>
    private ImmutableArray<StepOption> CheckOptions(ImmutableArray<OptionSetting> settings, string model, StepKind kind, bool hasImage, int seconds)
    {
        var result = ImmutableArray.CreateBuilder<StepOption>();
        foreach (var setting in settings)
        {
            var spec = _caps.FindOption(setting.Option.Name);
            if (spec is { Models.IsDefaultOrEmpty: false } && !spec.Models.Contains(model, StringComparer.Ordinal))
            {
                _diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_caps.Provider}' is for {string.Join(", ", spec.Models)}, not '{model}'", setting.Location);
                continue;
            }

            if (spec is { GenerateOnly: true } && kind != StepKind.Generate)
            {
                _diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_caps.Provider}' applies to new clips only, not to {(kind == StepKind.Extend ? "extensions" : "edits")}", setting.Location);
                continue;
            }

            if (spec is { NeedsImage: true } && !hasImage)
            {
                _diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_caps.Provider}' needs a first-frame 'image' on the step", setting.Location);
                continue;
            }

            if (spec?.OnlySeconds is { } only && seconds != only)
            {
                _diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_caps.Provider}' works with {only} s clips only (this step makes {seconds} s)", setting.Location);
                continue;
            }

            if (spec is { ExcludesImage: true } && hasImage)
            {
                _diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_caps.Provider}' can't be combined with a first-frame image (remove 'image' or the option)", setting.Location);
                continue;
            }

            result.Add(setting.Option);
        }

        return result.ToImmutable();
    }

    /// <summary>Image options are inputs: their content enters the step key.</summary>
    private ImmutableArray<InputFile> OptionInputs(ImmutableArray<StepOption> options) =>
    [
        .. options.Where(o => o.IsPath).SelectMany(o => o.Paths.Select((path, i) =>
            Input(o.Kind == OptionKind.ImageList ? $"option:{o.Name}:{i}" : $"option:{o.Name}", path))),
    ];

    private InputFile Input(string role, string path)
    {
        if (!_hashes.TryGetValue(path, out var sha))
        {
            using var stream = File.OpenRead(path);
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            _hashes[path] = sha;
        }

        return new InputFile(role, path, sha);
    }

    private static IEnumerable<List<KeyValuePair<string, string>>> Combinations(ImmutableArray<MatrixAxis> axes)
    {
        IEnumerable<List<KeyValuePair<string, string>>> result = [[]];
        foreach (var axis in axes)
        {
            result = result.SelectMany(prefix => axis.Values.Select(v => new List<KeyValuePair<string, string>>(prefix) { new(axis.Name, v) })).ToList();
        }

        return result;
    }
}
