using Microsoft.Extensions.Logging;
using Reel.Engine.Execution;
using Reel.Engine.Projects;

namespace Reel.Cli.Commands;

/// <summary>One run of a script as <c>reel run</c> shows it (progress, summary or JSON), shared by <c>run</c>, <c>run --watch</c> and <c>review --watch</c>.</summary>
internal static class RunOnce
{
    /// <summary>How a run ended: its exit code and the money it newly spent.</summary>
    /// <remarks>A class, not a tuple: a task of a tuple of value types was JIT-compiled in every cold process.</remarks>
    public sealed record RunExit(int Code, decimal Spent);

    /// <summary>Where and how a run goes: the script as typed and the options that pick its provider.</summary>
    public sealed record Target(string Path, string? Provider, string? Profile, bool AllowOutside, bool Verbose);

    /// <summary>Runs once; the exit code and the new money spent.</summary>
    public static async Task<RunExit> RunAsync(CliContext context, Target target, RunRequest request, bool json, CancellationToken cancellationToken = default)
    {
        if (request.Run.Concurrency < 1)
        {
            context.Error.WriteLine("error: --concurrency must be at least 1");
            return new RunExit(ExitCodes.Invalid, 0m);
        }

        if (request.Run.MaxCost is < 0)
        {
            context.Error.WriteLine("error: --max-cost must not be negative");
            return new RunExit(ExitCodes.Invalid, 0m);
        }

        // Built on first use: a run answered from the up-to-date stamp logs nothing and should not pay for logging's start-up.
        using var loggers = new LazyLoggerFactory(() => LoggerFactory.Create(b => b
            .AddProvider(new LineLoggerProvider(context.Error, context.ErrorColor, detailed: target.Verbose))

            // Information passes for the retry lines of a normal run; the provider prints only warnings besides them.
            .AddFilter((category, level) => level >= LogLevel.Information && !(category ?? "").StartsWith("System.Net.Http", StringComparison.Ordinal))
            .SetMinimumLevel(LogLevel.Information)));
        var project = Common.Open(context, target.Path, target.Provider, target.AllowOutside, loggers, target.Profile);
        RunOutcome outcome;
        using (var view = new RunView(context, live: context.ErrorColor && !json))
        {
            outcome = await project.RunAsync(request, view, cancellationToken);
        }

        switch (outcome.End)
        {
            case RunEnd.Invalid:
                Common.Print(context, outcome.Planned!);
                return new RunExit(ExitCodes.Invalid, 0m);
            case RunEnd.Refused:
                Common.Print(context, outcome.Planned!);
                context.Error.WriteLine($"refused: {outcome.Message}");
                return new RunExit(ExitCodes.Refused, 0m);
            case RunEnd.NoProvider:
                Common.Print(context, outcome.Planned!);
                context.Error.WriteLine($"error: {outcome.Message}");
                return new RunExit(ExitCodes.Invalid, 0m);
        }

        var report = outcome.Report!;
        if (json)
        {
            context.Out.WriteLine(RunReportText.Json(context, report));
        }
        else
        {
            RunReportText.Summary(context, report);
        }

        var result = report.Result;
        return new RunExit(result.Stop switch
        {
            RunStop.Cancelled => ExitCodes.Cancelled,
            RunStop.Refused => ExitCodes.Refused,
            RunStop.Halted => ExitCodes.StepsFailed,
            _ => result.AnyFailed ? ExitCodes.StepsFailed : ExitCodes.Success,
        }, result.Spent);
    }
}
