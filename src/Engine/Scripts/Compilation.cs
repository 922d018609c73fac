using System.Collections.Immutable;
using Reel.Engine.Prompts;

namespace Reel.Engine.Scripts;

/// <summary>The result of Load → Validate → Bind → Expand for one script.</summary>
public sealed record Compilation(Script? Script, ExpandedScript? Expanded, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Succeeded => Expanded is not null && !Diagnostics.Any(d => d.Severity == Severity.Error);

    /// <summary>Runs the front half of the pipeline. Never throws for a user mistake.</summary>
    public static Compilation Compile(string path, LoadOptions? options = null)
    {
        options ??= new LoadOptions();
        var bag = new DiagnosticBag();
        var file = ScriptBinder.ReadSource(Path.GetFullPath(path), path, bag, SourceLocation.None);
        var doc = file is null ? null : YamlLoader.Load(file, bag);
        if (file is null || doc?.Root is null)
        {
            if (file is not null && !bag.HasErrors)
            {
                bag.Error("RL0106", "the script is empty; a script starts with 'reel: 1'", new SourceLocation(file.DisplayName, 1, 1));
            }

            return new Compilation(null, null, bag.ToImmutable());
        }

        SchemaValidator.Validate(doc, bag);
        if (bag.HasErrors)
        {
            return new Compilation(null, null, bag.ToImmutable());
        }

        var script = ScriptBinder.BindTree(file, doc, bag, options);
        var expanded = script is null ? null : Expander.Expand(script, bag);
        return new Compilation(script, bag.HasErrors ? null : expanded, bag.ToImmutable());
    }
}
