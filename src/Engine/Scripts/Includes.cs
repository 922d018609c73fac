using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// The files a script names under <c>include:</c>: each is read, loaded and validated (against the
/// include schema: only <c>characters</c>, <c>vars</c> and <c>templates</c>) and its definitions are
/// merged in order. Run after the script itself passed Validate, before Bind. An include is confined like any
/// path (links resolved), must be named <c>.yaml</c> or <c>.yml</c> and be a regular file within the YAML cap:
/// a diagnostic quotes the line it points at, so a file that is not YAML is never read, let alone echoed.
/// </summary>
public static class Includes
{
    /// <summary>What the included files define, with every problem reported as a diagnostic.</summary>
    /// <param name="script">The script as loaded and validated.</param>
    /// <param name="diagnostics">Receives the included files' diagnostics.</param>
    /// <param name="options">Whether include paths may leave the script's directory.</param>
    public static Definitions Load(LoadedYaml script, DiagnosticBag diagnostics, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (script.Root is not YMapping root || root["include"] is not YSequence items)
        {
            return Definitions.None;
        }

        var paths = ScriptPaths.For(script.File.Path, options ?? new LoadOptions(), diagnostics);
        var definitions = new DefinitionsBuilder(Definitions.None, paths, diagnostics);
        foreach (var item in items.Items.OfType<YScalar>())
        {
            LoadOne(item, script.File, paths, definitions, diagnostics);
        }

        return definitions.Build();
    }

    private static void LoadOne(YScalar item, SourceFile script, ScriptPaths paths, DefinitionsBuilder definitions, DiagnosticBag diagnostics)
    {
        var full = paths.Resolve(item.Value, item.Location, mustExist: false);
        if (full is null)
        {
            return;
        }

        if (!File.Exists(full))
        {
            // CannotRead (a script file cannot be read) rather than FileNotFound, which is for assets.
            diagnostics.Report(DiagnosticCodes.CannotRead, $"include file not found: '{item.Value}'{ScriptPaths.MissingFileHint(full)}", item.Location);
            return;
        }

        if (Path.GetExtension(full).ToLowerInvariant() is not (".yaml" or ".yml"))
        {
            diagnostics.Report(DiagnosticCodes.CannotRead, $"cannot read '{item.Value}': an included file must be YAML ('.yaml' or '.yml')", item.Location);
            return;
        }

        var display = Path.Combine(Path.GetDirectoryName(script.DisplayName) ?? "", item.Value);
        definitions.AddFile(full);
        var included = SourceReader.Read(full, display, diagnostics, item.Location);
        if (included is null)
        {
            return;
        }

        if (included.Text.Contains('\0', StringComparison.Ordinal))
        {
            // Binary content named .yaml: say so at the include, without quoting a line of it.
            diagnostics.Report(DiagnosticCodes.CannotRead, $"cannot read '{item.Value}': it is not a text file", item.Location);
            return;
        }

        var doc = YamlLoader.Load(included, diagnostics);
        if (doc.Root is null)
        {
            return;
        }

        // An include that fails validation is not merged, unless errors were reported before it.
        var before = diagnostics.HasErrors;
        SchemaValidator.ValidateInclude(doc, diagnostics);
        if (diagnostics.HasErrors && !before)
        {
            return;
        }

        if (doc.Root is YMapping map)
        {
            definitions.Add(map, included);
        }
    }
}
