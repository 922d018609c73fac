using System.CommandLine;
using Microsoft.Extensions.Logging;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;

namespace Reel.Cli.Commands;

internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var profile = Common.ProfileOption();
        var allowOutside = Common.AllowOutsideOption();
        var json = Common.JsonOption("the run's results");
        var concurrency = new Option<int>("--concurrency") { Description = "Steps running at once per provider (lowered automatically on rate limits).", DefaultValueFactory = _ => 4 };
        var maxCost = new Option<decimal?>("--max-cost") { Description = "Refuse to spend more than this many USD of new money (jobs that exist are reused for free): checked against the plan before the first submit, and before every submit." };
        var only = Common.OnlyOption();
        var force = Common.ForceOption();
        var keepGoing = new Option<bool>("--keep-going") { Description = "After a failure, keep running branches that do not depend on it." };
        var frozen = new Option<bool>("--frozen") { Description = "Refuse to run anything that is not already locked (for CI)." };
        var batch = new Option<bool>("--batch") { Description = "Submit ready generate steps as one batch job where the provider supports it." };
        var resubmit = new Option<bool>("--resubmit-unanswered") { Description = "Submit again the steps whose earlier submit got no answer on a provider that cannot list its jobs (fal, veo); this may pay twice." };
        var noWait = new Option<bool>("--no-wait") { Description = "While another run works on this project, refuse (exit 3) instead of waiting for it." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every submit, poll and download to stderr, with each event's category and id." };
        var command = new Command("run", "Run a script: every generate, extend and edit step exactly once, cached by content, then the cuts and the report.")
        {
            script, provider, profile, allowOutside, concurrency, maxCost, only, force, keepGoing, frozen, batch, resubmit, noWait, json, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Common.ScriptPath(context, parse.GetValue(script)) is not { } path)
            {
                return ExitCodes.Invalid;
            }

            var options = new RunOptions(
                parse.GetValue(concurrency),
                parse.GetValue(maxCost),
                parse.GetValue(keepGoing),
                parse.GetValue(frozen),
                parse.GetValue(batch),
                parse.GetValue(resubmit));
            var request = new RunRequest(options, new PlanOptions([.. parse.GetValue(force) ?? []], [.. parse.GetValue(only) ?? []]), Wait: !parse.GetValue(noWait));
            return await RunAsync(context, path, parse.GetValue(provider), parse.GetValue(profile), parse.GetValue(allowOutside), request, parse.GetValue(json), parse.GetValue(verbose), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string path, string? provider, string? profile, bool allowOutside, RunRequest request, bool json, bool verbose, CancellationToken cancellationToken)
    {
        if (request.Run.Concurrency < 1)
        {
            context.Error.WriteLine("error: --concurrency must be at least 1");
            return ExitCodes.Invalid;
        }

        if (request.Run.MaxCost is < 0)
        {
            context.Error.WriteLine("error: --max-cost must not be negative");
            return ExitCodes.Invalid;
        }

        // Built on first use: a run answered from the up-to-date stamp logs nothing and should not pay for logging's start-up.
        using var loggers = new LazyLoggerFactory(() => LoggerFactory.Create(b => b
            .AddProvider(new LineLoggerProvider(context.Error, context.ErrorColor, detailed: verbose))

            // Information passes for the retry lines of a normal run; the provider prints only warnings besides them.
            .AddFilter((category, level) => level >= LogLevel.Information && !(category ?? "").StartsWith("System.Net.Http", StringComparison.Ordinal))
            .SetMinimumLevel(LogLevel.Information)));
        var project = Common.Open(context, path, provider, allowOutside, loggers, profile);
        RunOutcome outcome;
        using (var view = new RunView(context, live: context.ErrorColor && !json))
        {
            outcome = await project.RunAsync(request, view, cancellationToken);
        }

        switch (outcome.End)
        {
            case RunEnd.Invalid:
                Common.Print(context, outcome.Planned!);
                return ExitCodes.Invalid;
            case RunEnd.Refused:
                Common.Print(context, outcome.Planned!);
                context.Error.WriteLine($"refused: {outcome.Message}");
                return ExitCodes.Refused;
            case RunEnd.NoProvider:
                Common.Print(context, outcome.Planned!);
                context.Error.WriteLine($"error: {outcome.Message}");
                return ExitCodes.Invalid;
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
        return result.Stop switch
        {
            RunStop.Cancelled => ExitCodes.Cancelled,
            RunStop.Refused => ExitCodes.Refused,
            RunStop.Halted => ExitCodes.StepsFailed,
            _ => result.AnyFailed ? ExitCodes.StepsFailed : ExitCodes.Success,
        };
    }
}
