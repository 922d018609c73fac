using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Prompts;

namespace Reel.Engine.Scripts;

/// <summary>The result of Load → Validate → Bind → Expand for one script.</summary>
public sealed record Compilation(Script? Script, ExpandedScript? Expanded, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Succeeded => Expanded is not null && !Diagnostics.Any(d => d.Severity == Severity.Error);

    /// <summary>Runs the front half of the pipeline. Never throws for a user mistake.</summary>
    public static Compilation Compile(string path, LoadOptions? options = null) => Compile(Path.GetFullPath(path), path, options);

    /// <summary>
    /// Runs the front half of the pipeline on the script at <paramref name="fullPath"/>; diagnostics name it
    /// <paramref name="displayName"/> (the path as the user typed it). Never throws for a user mistake.
    /// </summary>
    public static Compilation Compile(string fullPath, string displayName, LoadOptions? options)
    {
        var bag = new DiagnosticBag();
        var file = ScriptBinder.ReadSource(fullPath, displayName, bag, SourceLocation.None);
        var script = file is null ? null : ScriptBinder.Bind(file, bag, options);
        var expanded = script is null ? null : Expander.Expand(script, bag);
        return new Compilation(script, bag.HasErrors ? null : expanded, bag.ToImmutable());
    }
}
