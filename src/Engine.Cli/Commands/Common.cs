using System.CommandLine;
using Microsoft.Extensions.Logging;
using Reel.Engine.Core;
using Reel.Engine.Projects;
using Reel.Engine.Prompts;

namespace Reel.Cli.Commands;

/// <summary>Arguments and helpers shared by several commands.</summary>
internal static class Common
{
    /// <summary>The script a command reads when none is named, as <c>make</c> reads <c>Makefile</c>.</summary>
    public const string DefaultScript = "storyboard.yaml";

    public static Argument<string?> ScriptArgument() => new("SCRIPT")
    {
        Description = $"The storyboard script (*.yaml); default ./{DefaultScript}.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>
    /// The script to open: the one named, else <c>./storyboard.yaml</c> when it exists; null (after saying so on
    /// stderr) when none was named and there is none here.
    /// </summary>
    public static string? ScriptPath(CliContext context, string? named)
    {
        if (!string.IsNullOrEmpty(named))
        {
            return named;
        }

        if (Path.Exists(context.FullPath(DefaultScript)))
        {
            return DefaultScript;
        }

        context.Error.WriteLine($"error: no {DefaultScript} here; name a script or run `reel init`");
        return null;
    }

    /// <summary>The version <c>reel --version</c> prints.</summary>
    public static string Version =>
        typeof(Common).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0";

    public static Option<string?> ProviderOption() => new("--provider")
    {
        Description = $"Use this provider instead of the script's 'provider:' ({string.Join(", ", Engine.Providers.ProviderCatalog.Names)}).",
    };

    public static Option<string?> ProfileOption() => new("--profile")
    {
        Description = $"Apply this profile of the script's 'profiles:' (default: ${Engine.Projects.Project.ProfileEnvironmentVariable}, else the first profile listed).",
    };

    public static Option<bool> JsonOption(string what) => new("--json") { Description = $"Print {what} as JSON on stdout." };

    public static Option<string[]> OnlyOption() => new("--only") { Description = "Only these steps (ids or scene ids) and what they need.", AllowMultipleArgumentsPerToken = true };

    public static Option<string[]> ForceOption() => new("--force")
    {
        Description = "Re-roll these steps (ids or scene ids; '*' for all): a new job and a new clip, paid again; the steps that need them render again.",
        AllowMultipleArgumentsPerToken = true,
    };

    public static Option<bool> AllowOutsideOption() => new("--allow-outside") { Description = "Allow file paths that leave the script's directory." };

    /// <summary>The engine's front door for the script at <paramref name="path"/> (as typed, relative to the working directory).</summary>
    public static Project Open(CliContext context, string path, string? provider, bool allowOutside, ILoggerFactory? loggers = null, string? profile = null)
    {
        var host = new ProjectHost(context.Environment, context.WorkingDirectory);
        return Project.Open(path, new ProjectOptions(provider, allowOutside, profile), loggers is null ? host : host with { Loggers = loggers });
    }

    /// <summary>
    /// Prints a compilation's diagnostics to stderr (only its errors when <paramref name="quietWarnings"/>), and
    /// the count when there were errors. True when it succeeded.
    /// </summary>
    public static bool Print(CliContext context, Compilation compilation, bool quietWarnings = false)
    {
        var shown = quietWarnings ? compilation.Diagnostics.Where(d => d.Severity == Severity.Error).ToList() : [.. compilation.Diagnostics];
        if (shown.Count > 0)
        {
            new DiagnosticPrinter(context).Print(shown);
        }

        if (!compilation.Succeeded)
        {
            DiagnosticPrinter.PrintSummary(context.Error, compilation.Diagnostics);
            return false;
        }

        return true;
    }

    /// <summary>Prints what a plan found: the script's diagnostics, then a bad lock, then unknown step names. True when there is a plan.</summary>
    public static bool Print(CliContext context, PlanOutcome planned, bool quietWarnings = false)
    {
        if (!Print(context, planned.Compilation, quietWarnings))
        {
            return false;
        }

        if (!planned.LockDiagnostics.IsEmpty)
        {
            new DiagnosticPrinter(context).Print(planned.LockDiagnostics);
            return false;
        }

        foreach (var message in planned.UnknownSteps)
        {
            context.Error.WriteLine($"error: {message}");
        }

        return planned.Succeeded;
    }
}
