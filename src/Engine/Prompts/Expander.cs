using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

/// <summary>
/// Expand stage: applies defaults, matrix, takes and prompt templates and resolves references to
/// concrete step ids; then <see cref="CapabilityChecks"/> checks every step against the provider's
/// capability table. Input files are hashed by an <see cref="InputHasher"/>.
/// </summary>
public sealed partial class Expander
{
    public static readonly VideoSize DefaultSize = new(1280, 720);

    private static readonly int[] s_firstTake = [1];

    public const int DefaultSeconds = 4;

    private readonly Script _script;
    private readonly DiagnosticBag _diagnostics;
    private readonly ProviderCapabilities _caps;
    private readonly PromptRenderer _renderer;
    private readonly List<StepRequest> _steps = [];
    // Arrays, not immutable arrays, as values: a dictionary of a struct type would be compiled at run time in a cold process.
    private readonly Dictionary<string, ClipStep[]> _byDecl;
    private readonly Dictionary<string, StepDecl> _decls;
    private readonly Dictionary<string, CharacterDecl> _characters = new(StringComparer.Ordinal);
    private readonly InputHasher _hasher = new();
    private readonly HashSet<string> _unpicked = new(StringComparer.Ordinal);
    private bool _carryReported;

    private Expander(Script script, ProviderCapabilities caps, DiagnosticBag diagnostics)
    {
        _script = script;
        _caps = caps;
        _diagnostics = diagnostics;
        _renderer = new PromptRenderer(script);
        var count = script.Scenes.Length + script.Continuations.Length + script.Edits.Length;
        _byDecl = new(count, StringComparer.Ordinal);
        _decls = new(count, StringComparer.Ordinal);
        foreach (var decl in script.Steps)
        {
            // Ids are unique once bound (a repeated id is an error): as ToDictionary, which threw on a repeat.
            _decls.Add(decl.Id, decl);
        }

        foreach (var c in script.Characters)
        {
            // The first declaration of an id, as a search of the list would find it.
            _characters.TryAdd(c.Id, c);
        }
    }

    /// <summary>Expands a bound script and checks it against the provider's table. Returns null after reporting errors.</summary>
    public static ExpandedScript? Expand(Script script, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(script);
        var caps = CapabilityChecks.Provider(script, diagnostics);
        if (caps is null)
        {
            return null;
        }

        var steps = new Expander(script, caps, diagnostics).Run();
        new CapabilityChecks(script, caps, diagnostics).Check(steps);
        OutputPaths.Check(script, steps, diagnostics);
        return diagnostics.HasErrors ? null : new ExpandedScript(script, script.Provider, steps);
    }

    /// <summary>The model, size and seconds of a new clip with <paramref name="settings"/> (already inheriting the defaults).</summary>
    internal static ClipShape Shape(StepSettings settings, ProviderCapabilities caps) =>
        new(settings.Model ?? caps.DefaultModel, settings.Size ?? DefaultSize, settings.Seconds ?? DefaultSeconds);

    private ImmutableArray<StepRequest> Run()
    {
        // Characters registered with the provider: only those with a video, used by some scene whose model takes them.
        var used = _script.Scenes
            .Where(s => !s.Characters.IsEmpty && _caps.Supports(ModelFor(s.Settings.Model ?? _script.Defaults.Model), ModelFeatures.Characters))
            .SelectMany(s => s.Characters).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var c in _script.Characters.Where(c => c.Video is not null && used.Contains(c.Id) && !_caps.CharactersAsImages))
        {
            _steps.Add(new CharacterStep(StepId.Character(c.Id), _script.Provider, c.Name, ModelFor(null), Input("video", c.Video!.Path), c.Location));
        }

        foreach (var decl in _script.Steps)
        {
            ExpandDecl(decl);
        }

        foreach (var cut in _script.Cuts)
        {
            ExpandCut(cut);
        }

        return [.. _steps];
    }

    private ImmutableArray<ClipStep> ExpandDecl(StepDecl decl)
    {
        if (_byDecl.TryGetValue(decl.Id, out var done))
        {
            return ImmutableCollectionsMarshal.AsImmutableArray(done);
        }

        _byDecl[decl.Id] = [];
        var result = decl switch
        {
            SceneDecl s => ExpandScene(s),
            ContinuationDecl c => ExpandFrom(c, c.From),
            EditDecl e => ExpandFrom(e, e.From),
            _ => [],
        };
        _byDecl[decl.Id] = ImmutableCollectionsMarshal.AsArray(result)!;
        _steps.AddRange(result);
        return result;
    }

    private ImmutableArray<ClipStep> ExpandScene(SceneDecl scene)
    {
        var settings = scene.Settings.InheritFrom(_script.Defaults);
        var (model, size, seconds) = Shape(settings, _caps);
        ImmutableArray<StepId> characterSteps = [];
        ImmutableArray<CharacterVideo> characterVideos = [];
        if (!scene.Characters.IsEmpty && _caps.Supports(model, ModelFeatures.Characters))
        {
            var registered = scene.Characters.Select(r => _characters[r.Id]).Where(c => c.Video is not null).ToList();
            characterSteps = _caps.CharactersAsImages ? [] : [.. registered.Select(c => StepId.Character(c.Id))];
            characterVideos = _caps.CharactersAsImages
                ? [.. registered.Select(c => new CharacterVideo(c.Name, Input("character:" + c.Id, c.Video!.Path)))]
                : [];
        }

        var options = Options(settings);

        var inputs = (scene.Image is null ? ImmutableArray<InputFile>.Empty : [Input("image", scene.Image.Path)])
            .AddRange(OptionInputs(options)).AddRange(characterVideos.Select(c => c.Video));
        var carry = _script.Profile is { CarryFirstFrame: true, TakesPicked: true } profile && scene.Image is null && CanCarry(profile, model);
        var combos = Combinations(scene.Matrix);
        var results = ImmutableArray.CreateBuilder<ClipStep>(combos.Count * (_script.TakesPicked ? 1 : scene.Takes));
        foreach (var combo in combos)
        {
            var prompt = _renderer.Render(scene.Prompt, combo, _diagnostics);
            var shots = SceneShots.Render(scene, combo, _renderer, _caps, _diagnostics);
            if (prompt is null || shots.IsDefault)
            {
                continue;
            }

            foreach (var r in scene.Characters)
            {
                var name = _characters[r.Id].Name;
                if (!prompt.Contains(name, StringComparison.OrdinalIgnoreCase))
                {
                    _diagnostics.Report(DiagnosticCodes.CharacterNotInPrompt, $"character '{r.Id}' is listed but its name '{name}' does not appear in the prompt; providers need the name in the prompt to keep the character", r.Location);
                }
            }

            foreach (var take in Takes(scene))
            {
                results.Add(new GenerateStep(
                    StepId.Of(scene.Id, combo, take, scene.Takes), characterSteps, _script.Provider, model, size, seconds, seconds, prompt,
                    inputs, characterSteps, scene.Fit, [.. combo], scene.Location) { Options = options, CarryFirstFrame = carry, Shots = shots, CharacterVideos = characterVideos });
            }
        }

        return results.DrainToImmutable();
    }

    private ImmutableArray<ClipStep> ExpandFrom(StepDecl decl, StepRef from)
    {
        var source = ResolveOne(from);
        if (source is null)
        {
            return [];
        }

        var prompt = _renderer.Render(decl.Prompt, source.Matrix, _diagnostics);
        if (prompt is null)
        {
            return [];
        }

        var options = Options(decl.Settings.InheritFrom(_script.Defaults));
        var inputs = OptionInputs(options);
        var results = ImmutableArray.CreateBuilder<ClipStep>();
        foreach (var take in Takes(decl))
        {
            var id = StepId.Of(decl.Id, [], take, decl.Takes);
            results.Add(decl is ContinuationDecl c ? Continue(c, id, source, prompt, inputs) with { Options = options }
                : Edit(decl, id, source, prompt, inputs) with { Options = options });
        }

        return results.ToImmutable();
    }

    /// <summary>
    /// The takes a step renders: all of them, or with <c>takes: picked</c> only its pick, under the same id (<c>open#2</c>)
    /// so the draft take and its final share one name. A step with several takes and no pick is rendered as take 1 by
    /// <c>plan</c> and refused by <c>run</c> (<see cref="DiagnosticCodes.NoPick"/>).
    /// </summary>
    private IReadOnlyList<int> Takes(StepDecl decl)
    {
        if (decl.Takes == 1)
        {
            return s_firstTake;
        }

        if (!_script.TakesPicked)
        {
            return [.. Enumerable.Range(1, decl.Takes)];
        }

        if (decl.PickLocation == SourceLocation.None && _unpicked.Add(decl.Id))
        {
            _diagnostics.Report(DiagnosticCodes.NoPick, NoPickMessage(decl, _script.File.DisplayName), decl.Location);
        }

        return [decl.Pick];
    }

    /// <summary>What to do about a step with several takes and no pick, under <c>takes: picked</c>.</summary>
    public static string NoPickMessage(StepDecl decl, string scriptPath)
    {
        ArgumentNullException.ThrowIfNull(decl);
        var path = scriptPath.Contains(' ', StringComparison.Ordinal) ? $"'{scriptPath}'" : scriptPath;
        return $"'{decl.Id}' has {decl.Takes} takes and no pick; choose one with `reel pick {path} {decl.Id}#N` (N from 1 to {decl.Takes})";
    }

    /// <summary><c>carry: first-frame</c> needs a model that starts from an image; said once per profile.</summary>
    private bool CanCarry(ProfileDecl profile, string model)
    {
        if (_caps.Supports(model, ModelFeatures.Image))
        {
            return true;
        }

        if (!_carryReported)
        {
            _carryReported = true;
            _diagnostics.Report(DiagnosticCodes.OperationNotSupported, $"profile '{profile.Name}' carries the picked take's first frame, but '{model}' on '{_script.Provider}' takes no first-frame image; drop 'carry' or use a model that takes images", profile.CarryLocation);
        }

        return false;
    }

    /// <summary>
    /// A continuation extends its source natively, or starts a new clip from the source's last frame
    /// (<c>mode: last-frame</c>, or a model without native extension: <see cref="CapabilityChecks"/> warns).
    /// </summary>
    private ClipStep Continue(ContinuationDecl c, StepId id, ClipStep source, string prompt, ImmutableArray<InputFile> inputs)
    {
        var seconds = c.Settings.Seconds ?? _script.Defaults.Seconds ?? DefaultSeconds;
        var total = source.TotalSeconds + seconds;
        return c.Mode == ContinuationMode.Extend && _caps.Supports(source.Model, ModelFeatures.Extend)
            ? new ExtendStep(id, source.Id, _script.Provider, source.Model, source.Size, seconds, total, prompt, inputs, source.Matrix, ExtensionDepth(source) + 1, c.Location)
            : new GenerateStep(id, [source.Id], _script.Provider, ModelFor(c.Settings.Model ?? source.Model), c.Settings.Size ?? source.Size, seconds, total, prompt, inputs, [], ImageFit.Cover, source.Matrix, c.Location)
            {
                LastFrameOf = source.Id,
            };
    }

    /// <summary>An edit keeps its source's size and duration; the schema has no 'size' or 'seconds' on edits.</summary>
    private EditStep Edit(StepDecl decl, StepId id, ClipStep source, string prompt, ImmutableArray<InputFile> inputs) =>
        new(id, source.Id, _script.Provider, decl.Settings.Model ?? source.Model, source.Size, source.TotalSeconds, prompt, inputs, source.Matrix, ExtensionDepth(source), decl.Location);

    /// <summary>Native extensions in a clip's history.</summary>
    internal static int ExtensionDepth(ClipStep clip) => clip switch
    {
        ExtendStep e => e.ExtensionDepth,
        EditStep e => e.ExtensionDepth,
        _ => 0,
    };

    /// <summary>A reference naming one clip: the picked take (or the named take) of one variant.</summary>
    private ClipStep? ResolveOne(StepRef reference) => Resolve(reference).FirstOrDefault();

    private List<ClipStep> Resolve(StepRef reference)
    {
        var parsed = ParsedStepRef.Parse(reference.Text)!;
        var decl = _decls[parsed.Id];
        var all = ExpandDecl(decl);
        var take = parsed.Take ?? decl.Pick;
        if (_script.TakesPicked && take != decl.Pick && decl.Takes > 1)
        {
            _diagnostics.Report(DiagnosticCodes.TakeOutOfRange, $"'{reference.Text}' is not rendered by profile '{_script.Profile!.Name}', which renders only the picked take of '{decl.Id}' (take {decl.Pick}); refer to '{decl.Id}'", reference.Location);
            return [];
        }

        var matching = all.Where(r => (r.Take == 0 || r.Take == take)
            && parsed.Selects(r.Matrix));
        return [.. matching];
    }

    private string ModelFor(string? model) => model ?? _caps.DefaultModel;

    private static ImmutableArray<StepOption> Options(StepSettings settings) =>
        settings.Options.IsEmpty ? [] : [.. settings.Options.Select(o => o.Option)];

    /// <summary>Image options are inputs: their content enters the step key.</summary>
    private ImmutableArray<InputFile> OptionInputs(ImmutableArray<StepOption> options) => options.IsEmpty ? [] :
    [
        .. options.Where(o => o.IsPath).SelectMany(o => o.Paths.Select((path, i) =>
            Input(o.Kind == OptionKind.ImageList ? $"option:{o.Name}:{i}" : $"option:{o.Name}", path))),
    ];

    private InputFile Input(string role, string path) => _hasher.Input(role, path);

    private static List<List<KeyValuePair<string, string>>> Combinations(ImmutableArray<MatrixAxis> axes)
    {
        List<List<KeyValuePair<string, string>>> result = [[]];
        foreach (var axis in axes)
        {
            result = result.SelectMany(prefix => axis.Values.Select(v => new List<KeyValuePair<string, string>>(prefix) { new(axis.Name, v) })).ToList();
        }

        return result;
    }
}
