using System.CommandLine;
using Reel.Engine.Core;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Cli.Commands;

/// <summary>Arguments and helpers shared by several commands.</summary>
internal static class Common
{
    public static Argument<string> ScriptArgument() => new("SCRIPT") { Description = "The storyboard script (*.yaml)." };

    public static Option<string?> ProviderOption() => new("--provider")
    {
        Description = $"Use this provider instead of the script's 'provider:' ({string.Join(", ", Engine.Providers.ProviderCatalog.Names)}).",
    };

    public static Option<bool> JsonOption(string what) => new("--json") { Description = $"Print {what} as JSON on stdout." };

    public static Option<bool> AllowOutsideOption() => new("--allow-outside") { Description = "Allow file paths that leave the script's directory." };

    /// <summary>What plan, status and run share: the compiled script, its lock and store, and the plan.</summary>
    public sealed record Planned(Compilation Compilation, Workspace Workspace, ScriptLock Lock, ObjectStore Store, Plan Plan);

    /// <summary>The workspace of the script at <paramref name="path"/> (as typed, relative to the working directory).</summary>
    public static Workspace Workspace(CliContext context, string path) => new(context.FullPath(path));

    /// <summary>Compiles a script and plans it against its lock and store, printing diagnostics. Null on errors.</summary>
    public static Planned? CompileAndPlan(CliContext context, string path, string? provider, bool allowOutside, PlanOptions? planOptions = null, bool quietWarnings = false)
    {
        var compilation = Compile(context, path, provider, allowOutside, quietWarnings);
        if (compilation is null)
        {
            return null;
        }

        var workspace = Workspace(context, path);
        var bag = new DiagnosticBag();
        var scriptLock = workspace.ReadLock(bag, context.WorkingDirectory);
        if (scriptLock is null)
        {
            new DiagnosticPrinter(context).Print(bag.ToImmutable());
            return null;
        }

        var store = workspace.OpenStore(context.Environment);
        var plan = Planner.Plan(compilation.Expanded!, new LockHistory(scriptLock, store), planOptions);
        return new Planned(compilation, workspace, scriptLock, store, plan);
    }

    /// <summary>
    /// Compiles a script, printing diagnostics to stderr. Null when there were errors. The file is read
    /// from <paramref name="path"/> resolved against the working directory; diagnostics name it as typed.
    /// </summary>
    public static Compilation? Compile(CliContext context, string path, string? provider, bool allowOutside, bool quietWarnings = false)
    {
        var compilation = Compilation.Compile(context.FullPath(path), path, new LoadOptions(provider, allowOutside));
        var shown = quietWarnings ? compilation.Diagnostics.Where(d => d.Severity == Severity.Error).ToList() : [.. compilation.Diagnostics];
        if (shown.Count > 0)
        {
            new DiagnosticPrinter(context).Print(shown);
        }

        if (!compilation.Succeeded)
        {
            DiagnosticPrinter.PrintSummary(context.Error, compilation.Diagnostics);
            return null;
        }

        return compilation;
    }
}
