using System.Collections.Immutable;
using System.Globalization;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// The characters, variables and templates a script can use, each with the key that defined it (its location is
/// where), and the files they came from. <see cref="Includes.Load"/> collects the included files';
/// <see cref="ScriptBinder.Bind"/> adds the script's own.
/// </summary>
public sealed record Definitions(
    ImmutableArray<string> IncludedFiles,
    ImmutableDictionary<string, object?> Vars,
    ImmutableDictionary<string, YScalar> VarKeys,
    ImmutableDictionary<string, TemplateText> Templates,
    ImmutableDictionary<string, YScalar> TemplateKeys,
    ImmutableArray<CharacterDecl> Characters)
{
    /// <summary>Nothing defined: a script without <c>include:</c>.</summary>
    public static Definitions None { get; } = new(
        [],
        ImmutableDictionary.Create<string, object?>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, YScalar>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, TemplateText>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, YScalar>(StringComparer.Ordinal),
        []);
}

/// <summary>Adds the <c>vars</c>, <c>templates</c> and <c>characters</c> of one file after another; a name defined twice is a diagnostic.</summary>
internal sealed class DefinitionsBuilder(Definitions start, ScriptPaths paths, DiagnosticBag diagnostics)
{
    private readonly ImmutableArray<string>.Builder _files = start.IncludedFiles.ToBuilder();
    private readonly ImmutableDictionary<string, object?>.Builder _vars = start.Vars.ToBuilder();
    private readonly ImmutableDictionary<string, YScalar>.Builder _varKeys = start.VarKeys.ToBuilder();
    private readonly ImmutableDictionary<string, TemplateText>.Builder _templates = start.Templates.ToBuilder();
    private readonly ImmutableDictionary<string, YScalar>.Builder _templateKeys = start.TemplateKeys.ToBuilder();
    private readonly ImmutableArray<CharacterDecl>.Builder _characters = start.Characters.ToBuilder();

    /// <summary>Records an included file (its definitions are added with <see cref="Add"/> once it loads).</summary>
    public void AddFile(string fullPath) => _files.Add(fullPath);

    /// <summary>Adds the definitions of one file's root mapping.</summary>
    public void Add(YMapping root, SourceFile source)
    {
        if (root["vars"] is YMapping varsNode)
        {
            foreach (var e in varsNode.Entries)
            {
                if (_varKeys.TryGetValue(e.Key.Value, out var first))
                {
                    diagnostics.Report(DiagnosticCodes.DefinedTwice, $"variable '{e.Key.Value}' is already defined at {first.Location}", e.Key.Location);
                    continue;
                }

                _varKeys[e.Key.Value] = e.Key;
                _vars[e.Key.Value] = ToValue(e.Value);
            }
        }

        if (root["templates"] is YMapping templatesNode)
        {
            foreach (var e in templatesNode.Entries)
            {
                if (_templateKeys.TryGetValue(e.Key.Value, out var first))
                {
                    diagnostics.Report(DiagnosticCodes.DefinedTwice, $"template '{e.Key.Value}' is already defined at {first.Location}", e.Key.Location);
                    continue;
                }

                _templateKeys[e.Key.Value] = e.Key;
                if (e.Value is YScalar s)
                {
                    _templates[e.Key.Value] = new TemplateText(s.Value, s, source);
                }
            }
        }

        if (root["characters"] is YMapping charactersNode)
        {
            foreach (var e in charactersNode.Entries)
            {
                var existing = _characters.FirstOrDefault(c => c.Id == e.Key.Value);
                if (existing is not null)
                {
                    diagnostics.Report(DiagnosticCodes.DefinedTwice, $"character '{e.Key.Value}' is already defined at {existing.Location}", e.Key.Location);
                    continue;
                }

                if (e.Value is not YMapping c)
                {
                    continue;
                }

                var video = c["video"] is YScalar v ? paths.File(v, mustExist: true, relativeTo: Path.GetDirectoryName(source.Path)!) : null;
                _characters.Add(new CharacterDecl(
                    e.Key.Value,
                    (c["name"] as YScalar)?.Value ?? e.Key.Value,
                    (c["description"] as YScalar)?.Value,
                    video,
                    e.Key.Location));
            }
        }
    }

    public Definitions Build() => new(
        _files.ToImmutable(),
        _vars.ToImmutable(),
        _varKeys.ToImmutable(),
        _templates.ToImmutable(),
        _templateKeys.ToImmutable(),
        _characters.ToImmutable());

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
