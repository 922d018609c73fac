using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

/// <summary>The result of Load → Validate → Bind → Expand for one script.</summary>
public sealed record Compilation(Script? Script, ExpandedScript? Expanded, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Succeeded => Expanded is not null && !Diagnostics.Any(d => d.Severity == Severity.Error);

    /// <summary>Reads the script at <paramref name="path"/> and runs the front half of the pipeline. Never throws for a user mistake.</summary>
    public static Compilation Compile(string path, LoadOptions? options = null) => Compile(Path.GetFullPath(path), path, options);

    /// <summary>
    /// Reads the script at <paramref name="fullPath"/> and runs the front half of the pipeline; diagnostics name it
    /// <paramref name="displayName"/> (the path as the user typed it). Never throws for a user mistake.
    /// </summary>
    public static Compilation Compile(string fullPath, string displayName, LoadOptions? options)
    {
        var bag = new DiagnosticBag();
        var file = SourceReader.Read(fullPath, displayName, bag, SourceLocation.None);
        return file is null ? new Compilation(null, null, bag.ToImmutable()) : Compile(file, bag, options);
    }

    /// <summary>Runs the front half of the pipeline on text already read. Never throws for a user mistake.</summary>
    public static Compilation Compile(SourceFile file, LoadOptions? options = null) => Compile(file, new DiagnosticBag(), options);

    private static Compilation Compile(SourceFile file, DiagnosticBag bag, LoadOptions? options)
    {
        var script = Bind(file, bag, options);
        var expanded = script is null ? null : Expander.Expand(script, bag);
        if (expanded is not null && !bag.HasErrors)
        {
            MatrixChecks.ReportIdleAxes(expanded, bag);
        }

        return new Compilation(script, bag.HasErrors ? null : expanded, bag.ToImmutable());
    }

    /// <summary>Load → Validate → Bind, each stage only when the one before it left no errors. Null when there are errors.</summary>
    public static Script? Bind(SourceFile file, DiagnosticBag diagnostics, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var document = YamlLoader.Load(file, diagnostics);
        if (document.Root is null)
        {
            // Nothing to validate: either Load reported why, or the file holds no YAML at all.
            if (!diagnostics.HasErrors)
            {
                diagnostics.Report(DiagnosticCodes.EmptyScript, "the script is empty; a script starts with 'reel: 1'", new SourceLocation(file.DisplayName, 1, 1));
            }

            return null;
        }

        SchemaValidator.Validate(document, diagnostics);
        if (diagnostics.HasErrors)
        {
            return null;
        }

        var included = Includes.Load(document, diagnostics, options);
        return ScriptBinder.Bind(document, included, diagnostics, options);
    }
}
