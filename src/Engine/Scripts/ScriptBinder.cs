using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// Bind stage: a loaded and validated script (plus what its includes define) to the typed
/// <see cref="Script"/>, with the semantic checks a schema cannot make: ids, characters, takes,
/// paths, provider options and references (<see cref="ReferenceChecker"/>).
/// </summary>
public static partial class ScriptBinder
{
    public const string DefaultProvider = "local";

    /// <summary>Binds a script. Returns null when the diagnostics hold errors.</summary>
    /// <param name="document">The script as loaded; it must have passed <see cref="SchemaValidator.Validate"/>.</param>
    /// <param name="included">What the script's <c>include:</c> files define (<see cref="Includes.Load"/>).</param>
    /// <param name="diagnostics">Receives every problem found.</param>
    /// <param name="options">Provider override and path confinement.</param>
    public static Script? Bind(LoadedYaml document, Definitions included, DiagnosticBag diagnostics, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(included);
        if (document.Root is not YMapping root)
        {
            return null;
        }

        var script = new Binder(document.File, diagnostics, options ?? new LoadOptions()).BindRoot(root, included);
        return diagnostics.HasErrors ? null : script;
    }

    private sealed partial class Binder(SourceFile file, DiagnosticBag diagnostics, LoadOptions options)
    {
        private readonly ScriptPaths _paths = ScriptPaths.For(file.Path, options, diagnostics);
        // Classes as values: a dictionary of a struct type would be compiled at run time in a cold process.
        private readonly Dictionary<string, DeclaredId> _ids = new(StringComparer.Ordinal);
        private readonly Dictionary<string, YScalar> _matrixKeys = new(StringComparer.Ordinal);
        private OptionBinder? _options;
        private ProfileDecl? _profile;
        private Providers.ProviderCapabilities? _caps;
        private int? _sourceTakes;

        public Script BindRoot(YMapping root, Definitions included)
        {
            // The script's own definitions are checked against the included files'.
            var definitionsBuilder = new DefinitionsBuilder(included, _paths, diagnostics);
            definitionsBuilder.Add(root, file);
            var definitions = definitionsBuilder.Build();

            var (profileNames, profileNode, profileName) = ChooseProfile(root);
            var providerNode = profileNode?["provider"] as YScalar ?? root["provider"] as YScalar;
            var provider = options.ProviderOverride ?? providerNode?.Value ?? DefaultProvider;
            var providerLocation = providerNode?.Location ?? new SourceLocation(file.DisplayName, 1, 1);

            _options = OptionBinder.For(provider);
            _caps = Providers.ProviderCatalog.Find(provider);
            var defaults = root["defaults"] is YMapping d ? Settings(d) : StepSettings.Empty;
            _profile = profileNode is null ? null : BindProfile(profileName!, profileNode);
            var picksFrom = _profile is null ? null : PicksFrom(root, _profile, profileNode!);
            var characterIds = definitions.Characters.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            _ids.EnsureCapacity(Count(root, "scenes") + Count(root, "continuations") + Count(root, "edits") + Count(root, "cut"));

            var scenes = Items(root, "scenes").Select(m => BindScene(m, characterIds)).ToImmutableArray();
            var continuations = Items(root, "continuations").Select(BindContinuation).ToImmutableArray();
            var edits = Items(root, "edits").Select(BindEdit).ToImmutableArray();
            var cuts = Items(root, "cut").Select(m => CutBinder.Bind(m, DeclareId(m, "cut"), _paths)).ToImmutableArray();

            var script = new Script(
                file,
                file.Path,
                (root["title"] as YScalar)?.Value,
                provider,
                providerLocation,
                defaults,
                definitions.Vars,
                definitions.Templates,
                definitions.Characters,
                scenes,
                continuations,
                edits,
                cuts)
            {
                IncludedFiles = definitions.IncludedFiles,
                ProviderFromCommandLine = options.ProviderOverride is not null,
                Remote = BindRemote(root),
                ProfileNames = profileNames,
                Profile = _profile,
                PicksFrom = picksFrom,
            };

            ReferenceChecker.Check(script, diagnostics);
            ScriptLimits.Check(script, _matrixKeys, diagnostics);
            return script;
        }

        /// <summary>The schema has checked its shape; an option left out is null (chosen at run time).</summary>
        private static Storage.Remote.RemoteDeclaration? BindRemote(YMapping root) => root["remote"] switch
        {
            YScalar url => new(url.Value),
            YMapping m when m["url"] is YScalar url => new(
                url.Value,
                (m["endpoint"] as YScalar)?.Value,
                (m["region"] as YScalar)?.Value,
                (m["path-style"] as YScalar)?.Value is { } ps ? ps == "true" : null),
            _ => null,
        };

        private static IEnumerable<YMapping> Items(YMapping root, string key) =>
            root[key] is YSequence seq ? seq.Items.OfType<YMapping>() : [];

        private sealed record DeclaredId(SourceLocation Location, string Kind);

        private static int Count(YMapping root, string key) => root[key] is YSequence items ? items.Items.Length : 0;

        private string DeclareId(YMapping node, string kind)
        {
            var idNode = (YScalar)node["id"]!;
            var id = idNode.Value;
            if (_ids.TryGetValue(id, out var first))
            {
                diagnostics.Report(DiagnosticCodes.DuplicateId, $"duplicate id '{id}': already used by the {first.Kind} at line {first.Location.Line}", idNode.Location);
            }
            else
            {
                _ids[id] = new DeclaredId(idNode.Location, kind);
            }

            return id;
        }

        private SceneDecl BindScene(YMapping node, HashSet<string> characterIds)
        {
            var id = DeclareId(node, "scene");
            var refs = node["characters"] is YSequence cs
                ? cs.Items.OfType<YScalar>().Select(s => new CharacterRef(s.Value, s.Location)).ToImmutableArray()
                : [];
            foreach (var r in refs)
            {
                if (!characterIds.Contains(r.Id))
                {
                    diagnostics.Report(DiagnosticCodes.UnknownCharacter, $"unknown character '{r.Id}'{Suggestions.DidYouMean(r.Id, characterIds)}", r.Location);
                }
            }

            // Most scenes list one character or none: nothing to repeat.
            var seen = refs.Length > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
            foreach (var r in refs)
            {
                if (seen?.Add(r.Id) == false)
                {
                    diagnostics.Report(DiagnosticCodes.RepeatedEntry, $"character '{r.Id}' is listed twice", r.Location);
                }
            }

            if (node.Find("matrix") is { } matrixKey)
            {
                _matrixKeys.TryAdd(id, matrixKey.Key);
            }

            var (takes, pick, pickLoc) = TakesAndPick(node);
            return new SceneDecl(
                id,
                Prompt(node),
                Overlay(Settings(node), model: true, size: true),
                node["image"] is YScalar img ? _paths.File(img, mustExist: true, kind: InputKind.Image) : null,
                (node["fit"] as YScalar)?.Value == "pad" ? ImageFit.Pad : ImageFit.Cover,
                refs,
                takes,
                pick,
                Matrix(node),
                node.Location)
            {
                PickLocation = pickLoc,
                Shots = Shots(node),
                ShotsLocation = node.Find("shots")?.Key.Location ?? SourceLocation.None,
            };
        }

        /// <summary>A scene's <c>shots:</c> (the schema has checked their shape); their sum is checked once defaults apply.</summary>
        private ImmutableArray<SceneShot> Shots(YMapping node) => node["shots"] is YSequence shots
            ? [.. shots.Items.OfType<YMapping>().Select(shot =>
            {
                var seconds = (YScalar)shot["seconds"]!;
                return new SceneShot(Prompt(shot), Integer(seconds), shot.Location, seconds.Location);
            })]
            : [];

        private ImmutableArray<MatrixAxis> Matrix(YMapping node)
        {
            var matrix = ImmutableArray.CreateBuilder<MatrixAxis>();
            if (node["matrix"] is YMapping m)
            {
                foreach (var e in m.Entries)
                {
                    if (e.Value is YSequence values)
                    {
                        var list = values.Items.OfType<YScalar>().Select(v => v.Value).ToImmutableArray();
                        var dup = list.GroupBy(v => v, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
                        if (dup is not null)
                        {
                            diagnostics.Report(DiagnosticCodes.RepeatedEntry, $"matrix axis '{e.Key.Value}' lists '{dup.Key}' twice", e.Value.Location);
                        }

                        matrix.Add(new MatrixAxis(e.Key.Value, list, e.Key.Location));
                    }
                }
            }

            return matrix.ToImmutable();
        }

        private ContinuationDecl BindContinuation(YMapping node)
        {
            var id = DeclareId(node, "continuation");
            var modeNode = node["mode"] as YScalar;
            var (takes, pick, pickLoc) = TakesAndPick(node);
            var lastFrame = modeNode?.Value == "last-frame";
            return new ContinuationDecl(
                id,
                Ref((YScalar)node["from"]!),
                Prompt(node),
                Overlay(Settings(node), model: lastFrame, size: lastFrame),
                modeNode?.Value == "last-frame" ? ContinuationMode.LastFrame : ContinuationMode.Extend,
                modeNode is not null,
                takes,
                pick,
                node.Location) { PickLocation = pickLoc };
        }

        private EditDecl BindEdit(YMapping node)
        {
            var id = DeclareId(node, "edit");
            var (takes, pick, pickLoc) = TakesAndPick(node);
            return new EditDecl(id, Ref((YScalar)node["from"]!), Prompt(node), Overlay(Settings(node), model: true, size: false), takes, pick, node.Location) { PickLocation = pickLoc };
        }

        private TakesPick TakesAndPick(YMapping node)
        {
            // A profile's number of takes wins over the step's (a pick past it is out of range, as ever).
            var takes = _profile?.Takes ?? _sourceTakes ?? (node["takes"] is YScalar t ? Integer(t) : 1);
            var pickNode = node["pick"] as YScalar;
            var pick = pickNode is null ? 1 : Integer(pickNode);
            if (pickNode is not null && pick > takes)
            {
                diagnostics.Report(DiagnosticCodes.TakeOutOfRange, $"pick {pickNode.Value} is out of range: the step has {takes} take{(takes == 1 ? "" : "s")}", pickNode.Location);
            }

            return new(takes, pick, pickNode?.Location ?? SourceLocation.None);
        }

        private TemplateText Prompt(YMapping node)
        {
            var p = (YScalar)node["prompt"]!;
            return new TemplateText(p.Value, p, file);
        }

        private static StepRef Ref(YScalar node) => new(node.Value, node.Location);

        /// <summary>
        /// An integer the schema has accepted, written as YAML 1.2 allows (<c>16</c>, <c>0x10</c>, <c>0o20</c>), saturated to
        /// the range of <see cref="int"/>: a larger value is out of range for every key that has a maximum, and the schema or
        /// the checks after it report it. Read by <see cref="SchemaJson.Classify"/>, not through a JSON token: a valid script
        /// then never loads Newtonsoft.Json (and what it brings: System.Linq.Expressions, System.Runtime.Numerics).
        /// </summary>
        private static int Integer(YScalar node) => SchemaJson.Classify(node, out var integer, out var number) switch
        {
            ScalarType.Integer => (int)Math.Clamp(integer, int.MinValue, int.MaxValue),
            ScalarType.Float when double.IsNaN(number) => 0,
            ScalarType.Float => (int)Math.Clamp(Math.Truncate(number), int.MinValue, int.MaxValue),
            var other => throw new InvalidOperationException($"'{node.Value}' passed the schema as an integer but reads as {other.ToString().ToLowerInvariant()}"),
        };

        private StepSettings Settings(YMapping node)
        {
            var model = node["model"] as YScalar;
            var size = node["size"] as YScalar;
            var seconds = node["seconds"] as YScalar;
            VideoSize? parsed = null;
            if (size is not null)
            {
                if (VideoSize.TryParse(size.Value, out var vs))
                {
                    parsed = vs;
                }
                else
                {
                    diagnostics.Report(DiagnosticCodes.NotAllowed, $"'size' must look like 1280x720 (got '{size.Value}')", size.Location);
                }
            }

            // A neutral model name (veo-3.1-fast) becomes the provider's own id here, so keys and checks see one name.
            return new StepSettings(
                model is null ? null : _caps?.ResolveModel(model.Value) ?? model.Value,
                parsed,
                seconds is null ? null : Integer(seconds),
                model?.Location ?? SourceLocation.None,
                size?.Location ?? SourceLocation.None,
                seconds?.Location ?? SourceLocation.None)
            {
                Options = node["options"] is YMapping map && _options is not null
                    ? _options.Bind(map, diagnostics, (text, location, image) => _paths.Resolve(text, location, mustExist: true, kind: image ? InputKind.Image : InputKind.Media))
                    : [],
            };
        }
    }
}
