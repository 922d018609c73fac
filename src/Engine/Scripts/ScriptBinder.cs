using System.Collections.Immutable;
using System.Globalization;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>Options of the Load → Validate → Bind stages.</summary>
public sealed record LoadOptions(string? ProviderOverride = null, bool AllowOutside = false);

/// <summary>
/// Load, Validate and Bind: a script file (and its includes) to a typed <see cref="Script"/>,
/// with every problem reported as a diagnostic.
/// </summary>
public static class ScriptBinder
{
    public const string DefaultProvider = "local";

    /// <summary>Load, Validate and Bind already-read text. Returns null when there are errors.</summary>
    public static Script? Bind(SourceFile file, DiagnosticBag diagnostics, LoadOptions? options = null)
    {
        options ??= new LoadOptions();
        var doc = YamlLoader.Load(file, diagnostics);
        if (doc.Root is null)
        {
            if (!diagnostics.HasErrors)
            {
                diagnostics.Report(DiagnosticCodes.EmptyScript, "the script is empty; a script starts with 'reel: 1'", new SourceLocation(file.DisplayName, 1, 1));
            }

            return null;
        }

        SchemaValidator.Validate(doc, diagnostics);
        if (diagnostics.HasErrors)
        {
            return null;
        }

        var binder = new Binder(file, diagnostics, options);
        var script = binder.BindRoot((YMapping)doc.Root!);
        return diagnostics.HasErrors ? null : script;
    }

    internal static SourceFile? ReadSource(string fullPath, string displayName, DiagnosticBag diagnostics, SourceLocation referencedFrom)
    {
        try
        {
            var text = File.ReadAllText(fullPath);
            return new SourceFile(fullPath, displayName, text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found"
                : Directory.Exists(fullPath) ? $"it is a directory; name the script file, e.g. '{System.IO.Path.Combine(displayName, "storyboard.yaml")}'"
                : ex.Message;
            diagnostics.Report(DiagnosticCodes.CannotRead, $"cannot read '{displayName}': {reason}", referencedFrom.IsKnown ? referencedFrom : new SourceLocation(displayName, 0, 0));
            return null;
        }
    }

    private sealed class Binder(SourceFile file, DiagnosticBag diagnostics, LoadOptions options)
    {
        private readonly string _dir = System.IO.Path.GetDirectoryName(file.Path)!;
        private readonly List<string> _included = [];
        private OptionBinder? _options;
        private readonly Dictionary<string, (SourceLocation Location, string Kind)> _ids = new(StringComparer.Ordinal);

        public Script BindRoot(YMapping root)
        {
            var vars = ImmutableDictionary.CreateBuilder<string, object?>(StringComparer.Ordinal);
            var varLocations = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
            var templates = ImmutableDictionary.CreateBuilder<string, TemplateText>(StringComparer.Ordinal);
            var templateLocations = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
            var characters = new List<CharacterDecl>();

            // Includes first, so the main file's own definitions are checked against them.
            if (root["include"] is YSequence includes)
            {
                foreach (var item in includes.Items.OfType<YScalar>())
                {
                    BindInclude(item, vars, varLocations, templates, templateLocations, characters);
                }
            }

            BindShared(root, file, vars, varLocations, templates, templateLocations, characters);

            var providerNode = root["provider"] as YScalar;
            var provider = options.ProviderOverride ?? providerNode?.Value ?? DefaultProvider;
            var providerLocation = providerNode?.Location ?? new SourceLocation(file.DisplayName, 1, 1);

            _options = OptionBinder.For(provider);
            var defaults = root["defaults"] is YMapping d ? Settings(d) : StepSettings.Empty;
            var characterIds = characters.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);

            var scenes = Items(root, "scenes").Select(m => BindScene(m, characterIds)).ToImmutableArray();
            var continuations = Items(root, "continuations").Select(BindContinuation).ToImmutableArray();
            var edits = Items(root, "edits").Select(BindEdit).ToImmutableArray();
            var cuts = Items(root, "cut").Select(BindCut).ToImmutableArray();

            var script = new Script(
                file,
                file.Path,
                (root["title"] as YScalar)?.Value,
                provider,
                providerLocation,
                defaults,
                vars.ToImmutable(),
                templates.ToImmutable(),
                [.. characters],
                scenes,
                continuations,
                edits,
                cuts) { IncludedFiles = [.. _included] };

            ReferenceChecker.Check(script, diagnostics);
            return script;
        }

        private void BindInclude(
            YScalar item,
            ImmutableDictionary<string, object?>.Builder vars,
            Dictionary<string, SourceLocation> varLocations,
            ImmutableDictionary<string, TemplateText>.Builder templates,
            Dictionary<string, SourceLocation> templateLocations,
            List<CharacterDecl> characters)
        {
            var full = ResolvePath(item.Value, item.Location, mustExist: false);
            if (full is null)
            {
                return;
            }

            if (!File.Exists(full))
            {
                // RL0001 (a script file cannot be read) rather than RL0303, which is for assets.
                diagnostics.Report(DiagnosticCodes.CannotRead, $"include file not found: '{item.Value}'{MissingFileHint(full)}", item.Location);
                return;
            }

            var display = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(file.DisplayName) ?? "", item.Value);
            _included.Add(full);
            var included = ReadSource(full, display, diagnostics, item.Location);
            if (included is null)
            {
                return;
            }

            var doc = YamlLoader.Load(included, diagnostics);
            if (doc.Root is null)
            {
                return;
            }

            var before = diagnostics.HasErrors;
            SchemaValidator.ValidateInclude(doc, diagnostics);
            if (diagnostics.HasErrors && !before)
            {
                return;
            }

            if (doc.Root is YMapping map)
            {
                BindShared(map, included, vars, varLocations, templates, templateLocations, characters);
            }
        }

        private void BindShared(
            YMapping root,
            SourceFile source,
            ImmutableDictionary<string, object?>.Builder vars,
            Dictionary<string, SourceLocation> varLocations,
            ImmutableDictionary<string, TemplateText>.Builder templates,
            Dictionary<string, SourceLocation> templateLocations,
            List<CharacterDecl> characters)
        {
            if (root["vars"] is YMapping varsNode)
            {
                foreach (var e in varsNode.Entries)
                {
                    if (varLocations.TryGetValue(e.Key.Value, out var first))
                    {
                        diagnostics.Report(DiagnosticCodes.DefinedTwice, $"variable '{e.Key.Value}' is already defined at {first}", e.Key.Location);
                        continue;
                    }

                    varLocations[e.Key.Value] = e.Key.Location;
                    vars[e.Key.Value] = ToValue(e.Value);
                }
            }

            if (root["templates"] is YMapping templatesNode)
            {
                foreach (var e in templatesNode.Entries)
                {
                    if (templateLocations.TryGetValue(e.Key.Value, out var first))
                    {
                        diagnostics.Report(DiagnosticCodes.DefinedTwice, $"template '{e.Key.Value}' is already defined at {first}", e.Key.Location);
                        continue;
                    }

                    templateLocations[e.Key.Value] = e.Key.Location;

                    if (e.Value is YScalar s)
                    {
                        templates[e.Key.Value] = new TemplateText(s.Value, s, source);
                    }
                }
            }

            if (root["characters"] is YMapping charactersNode)
            {
                foreach (var e in charactersNode.Entries)
                {
                    var existing = characters.FirstOrDefault(c => c.Id == e.Key.Value);
                    if (existing is not null)
                    {
                        diagnostics.Report(DiagnosticCodes.DefinedTwice, $"character '{e.Key.Value}' is already defined at {existing.Location}", e.Key.Location);
                        continue;
                    }

                    if (e.Value is not YMapping c)
                    {
                        continue;
                    }

                    var video = c["video"] is YScalar v ? FileAt(v, mustExist: true, relativeTo: System.IO.Path.GetDirectoryName(source.Path)!) : null;
                    characters.Add(new CharacterDecl(
                        e.Key.Value,
                        (c["name"] as YScalar)?.Value ?? e.Key.Value,
                        (c["description"] as YScalar)?.Value,
                        video,
                        e.Key.Location));
                }
            }
        }

        private static IEnumerable<YMapping> Items(YMapping root, string key) =>
            root[key] is YSequence seq ? seq.Items.OfType<YMapping>() : [];

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
                _ids[id] = (idNode.Location, kind);
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

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in refs)
            {
                if (!seen.Add(r.Id))
                {
                    diagnostics.Report(DiagnosticCodes.RepeatedEntry, $"character '{r.Id}' is listed twice", r.Location);
                }
            }

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

            var (takes, pick, pickLoc) = TakesAndPick(node);
            return new SceneDecl(
                id,
                Prompt(node),
                Settings(node),
                node["image"] is YScalar img ? FileAt(img, mustExist: true, relativeTo: _dir) : null,
                (node["fit"] as YScalar)?.Value == "pad" ? ImageFit.Pad : ImageFit.Cover,
                refs,
                takes,
                pick,
                matrix.ToImmutable(),
                node.Location) { PickLocation = pickLoc };
        }

        private ContinuationDecl BindContinuation(YMapping node)
        {
            var id = DeclareId(node, "continuation");
            var modeNode = node["mode"] as YScalar;
            var (takes, pick, pickLoc) = TakesAndPick(node);
            return new ContinuationDecl(
                id,
                Ref((YScalar)node["from"]!),
                Prompt(node),
                Settings(node),
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
            return new EditDecl(id, Ref((YScalar)node["from"]!), Prompt(node), Settings(node), takes, pick, node.Location) { PickLocation = pickLoc };
        }

        private CutDecl BindCut(YMapping node)
        {
            var id = DeclareId(node, "cut");
            var outputNode = (YScalar)node["output"]!;
            var output = FileAt(outputNode, mustExist: false, relativeTo: _dir) ?? new FileRef(outputNode.Value, outputNode.Location);
            var specs = node["shots"] is YSequence s ? s.Items.Select(BindShot).OfType<ShotSpec>().ToImmutableArray() : [];
            var music = node["music"] is YMapping m && m["file"] is YScalar file && FileAt(file, mustExist: true, relativeTo: _dir) is { } musicFile
                ? new MusicSpec(musicFile, Number(m["volume"]) ?? -12, (m["duck"] as YScalar)?.Value is not "false")
                : null;
            var video = node["video"] is YMapping v
                ? new CutVideoSpec(
                    v["size"] is YScalar sz && VideoSize.TryParse(sz.Value, out var size) ? size : null,
                    Number(v["fps"]),
                    Number(v["crf"]) is { } crf ? (int)crf : null,
                    (v["preset"] as YScalar)?.Value,
                    (v["fit"] as YScalar)?.Value == "crop")
                : null;
            return new CutDecl(id, output, [.. specs.Select(x => x.Ref)], node.Location)
            {
                ShotSpecs = specs,
                Transition = Transition(node["transition"]),
                Music = music,
                Loudness = Number(node["loudness"]),
                Video = video,
            };
        }

        private ShotSpec? BindShot(YNode node) => node switch
        {
            YScalar s => new ShotSpec(Ref(s), null, null, null),
            YMapping m when m["shot"] is YScalar s => new ShotSpec(
                Ref(s),
                m["trim"] is YMapping t ? Number(t["in"]) : null,
                m["trim"] is YMapping t2 ? Number(t2["out"]) : null,
                Transition(m["transition"])),
            _ => null,
        };

        private static TransitionSpec? Transition(YNode? node) => node is YMapping t
            ? new TransitionSpec(
                (t["type"] as YScalar)?.Value switch { "fade" => TransitionKind.Fade, "crossfade" => TransitionKind.Crossfade, _ => TransitionKind.Cut },
                Number(t["seconds"]) ?? 0.5)
            : null;

        private static double? Number(YNode? node) =>
            node is YScalar s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

        private (int Takes, int Pick, SourceLocation PickLocation) TakesAndPick(YMapping node)
        {
            var takes = node["takes"] is YScalar t ? int.Parse(t.Value, CultureInfo.InvariantCulture) : 1;
            var pickNode = node["pick"] as YScalar;
            var pick = pickNode is null ? 1 : int.Parse(pickNode.Value, CultureInfo.InvariantCulture);
            if (pickNode is not null && pick > takes)
            {
                diagnostics.Report(DiagnosticCodes.TakeOutOfRange, $"pick {pick} is out of range: the step has {takes} take{(takes == 1 ? "" : "s")}", pickNode.Location);
            }

            return (takes, pick, pickNode?.Location ?? SourceLocation.None);
        }

        private TemplateText Prompt(YMapping node)
        {
            var p = (YScalar)node["prompt"]!;
            return new TemplateText(p.Value, p, file);
        }

        private static StepRef Ref(YScalar node) => new(node.Value, node.Location);

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

            return new StepSettings(
                model?.Value,
                parsed,
                seconds is null ? null : int.Parse(seconds.Value, CultureInfo.InvariantCulture),
                model?.Location ?? SourceLocation.None,
                size?.Location ?? SourceLocation.None,
                seconds?.Location ?? SourceLocation.None)
            {
                Options = node["options"] is YMapping map && _options is not null
                    ? _options.Bind(map, diagnostics, (text, location) => ResolvePath(text, location, mustExist: true))
                    : [],
            };
        }

        private FileRef? FileAt(YScalar node, bool mustExist, string relativeTo)
        {
            var full = ResolvePath(node.Value, node.Location, mustExist, relativeTo);
            return full is null ? null : new FileRef(full, node.Location);
        }

        /// <summary>Resolves a script-relative path, enforcing confinement to the script's directory tree.</summary>
        private string? ResolvePath(string path, SourceLocation location, bool mustExist, string? relativeTo = null)
        {
            relativeTo ??= _dir;
            if (System.IO.Path.IsPathRooted(path) && !options.AllowOutside)
            {
                diagnostics.Report(DiagnosticCodes.AbsolutePath, $"absolute path '{path}' is not allowed; use a path relative to the script (or --allow-outside)", location);
                return null;
            }

            var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(relativeTo, path));
            var root = _dir.EndsWith(System.IO.Path.DirectorySeparatorChar) ? _dir : _dir + System.IO.Path.DirectorySeparatorChar;
            if (!options.AllowOutside && !full.StartsWith(root, StringComparison.Ordinal))
            {
                diagnostics.Report(DiagnosticCodes.PathEscapes, $"path '{path}' leaves the script's directory; keep assets beside the script (or --allow-outside)", location);
                return null;
            }

            if (mustExist && !File.Exists(full))
            {
                diagnostics.Report(DiagnosticCodes.FileNotFound, $"file not found: '{path}'{MissingFileHint(full)}", location);
                return null;
            }

            return full;
        }

        private static string MissingFileHint(string full)
        {
            var parent = System.IO.Path.GetDirectoryName(full);
            return parent is not null && Directory.Exists(parent)
                ? Suggestions.DidYouMean(System.IO.Path.GetFileName(full), Directory.EnumerateFiles(parent).Select(System.IO.Path.GetFileName).OfType<string>())
                : "";
        }

        /// <summary>YAML value to a plain .NET value for template variables (YAML 1.2 core schema typing).</summary>
        private static object? ToValue(YNode node) => node switch
        {
            YScalar s when s.Kind != ScalarKind.Plain => s.Value,
            YScalar s when s.IsNull => null,
            YScalar s when s.Value is "true" or "True" or "TRUE" => true,
            YScalar s when s.Value is "false" or "False" or "FALSE" => false,
            YScalar s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            YScalar s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var dbl) => dbl,
            YScalar s => s.Value,
            YSequence seq => seq.Items.Select(ToValue).ToList(),
            YMapping map => map.Entries.ToDictionary(e => e.Key.Value, e => ToValue(e.Value), StringComparer.Ordinal),
            _ => null,
        };
    }
}
