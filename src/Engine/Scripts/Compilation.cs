using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
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

        // Schema validation and binding only read the same immutable tree, so they run side by side.
        // Binding is speculative: when the schema finds errors, its results (or the exception a
        // malformed tree caused) are dropped and only the schema's diagnostics are reported.
        var schema = new DiagnosticBag();
        var validation = Task.Run(() => SchemaValidator.Validate(doc, schema));
        var bound = new DiagnosticBag();
        Script? script = null;
        ExpandedScript? expanded = null;
        ExceptionDispatchInfo? failure = null;
        try
        {
            script = ScriptBinder.BindTree(file, doc, bound, options);
            expanded = script is null ? null : Expander.Expand(script, bound);
        }
        catch (Exception ex) when (ex is InvalidCastException or NullReferenceException or FormatException or OverflowException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            failure = ExceptionDispatchInfo.Capture(ex);
        }

        validation.GetAwaiter().GetResult();
        bag.AddRange(schema.ToImmutable());
        if (schema.HasErrors)
        {
            return new Compilation(null, null, bag.ToImmutable());
        }

        failure?.Throw();
        bag.AddRange(bound.ToImmutable());
        return new Compilation(script, bag.HasErrors ? null : expanded, bag.ToImmutable());
    }
}
