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
        var watch = new Option<bool>("--watch") { Description = "After the run, wait: when the script, an include or an input file is saved, plan again and run what changed, until Ctrl+C. On a paid provider it needs --max-cost, which then caps everything the watch runs." };
        var command = new Command("run", "Run a script: every generate, extend and edit step exactly once, cached by content, then the cuts and the report.")
        {
            script, provider, profile, allowOutside, concurrency, maxCost, only, force, keepGoing, frozen, batch, resubmit, noWait, json, verbose, watch,
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
            if (parse.GetValue(watch))
            {
                return await WatchAsync(context, path, parse.GetValue(provider), parse.GetValue(profile), parse.GetValue(allowOutside), request, parse.GetValue(verbose), cancellationToken);
            }

            return (await RunAsync(context, path, parse.GetValue(provider), parse.GetValue(profile), parse.GetValue(allowOutside), request, parse.GetValue(json), parse.GetValue(verbose), cancellationToken)).Exit;
        });
        return command;
    }

    /// <summary>
    /// <c>run --watch</c>: runs, then waits for the script, an include or an input file to be saved, and runs again (the
    /// plan reruns only what changed). A broken save prints its diagnostics and the watch goes on; Ctrl+C ends it.
    /// </summary>
    private static async Task<int> WatchAsync(CliContext context, string path, string? provider, string? profile, bool allowOutside, RunRequest request, bool verbose, CancellationToken cancellationToken)
    {
        var project = Common.Open(context, path, provider, allowOutside, profile: profile);
        var compiled = project.Compile();
        // Judged also when the script does not compile yet: the watch would run it on that provider once it does.
        var runsOn = compiled.Expanded?.Provider ?? provider ?? compiled.Script?.Provider ?? "local";
        if (runsOn != "local" && request.Run.MaxCost is null)
        {
            context.Error.WriteLine($"refused: --watch on the paid provider '{runsOn}' needs --max-cost (it caps everything the watch runs until it stops); nothing was submitted");
            return ExitCodes.Refused;
        }

        using var trap = context.TrapCancel();
        var spent = 0m;
        while (!cancellationToken.IsCancellationRequested)
        {
            var watched = WatchedFiles(project);
            var before = Fingerprint(watched);
            var left = request.Run.MaxCost is { } cap ? Math.Max(0m, cap - spent) : (decimal?)null;
            var (exit, paid) = await RunAsync(context, path, provider, profile, allowOutside, request with { Run = request.Run with { MaxCost = left } }, json: false, verbose, cancellationToken);
            spent += paid;
            if (exit == ExitCodes.Cancelled || cancellationToken.IsCancellationRequested)
            {
                break;
            }

            context.Error.WriteLine($"watching {path} and {watched.Count - 1} other file{(watched.Count == 2 ? "" : "s")} it reads; save to run again, Ctrl+C to stop");
            try
            {
                // A file saved during the run counts too: compare with what the run started from.
                while (Fingerprint(watched) == before)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                }

                // Let an editor finish writing before planning.
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            context.Error.WriteLine("changed: planning again");
        }

        return ExitCodes.Success;
    }

    /// <summary>The script, its includes and every input file its steps read (what a save there changes), as far as it compiles.</summary>
    private static List<string> WatchedFiles(Project project)
    {
        var compiled = project.Compile();
        List<string> files = [project.Workspace.ScriptPath];
        if (compiled.Script is { } s)
        {
            files.AddRange(s.IncludedFiles);
        }

        if (compiled.Expanded is { } expanded)
        {
            files.AddRange(expanded.Steps.SelectMany(step => step.Inputs).Select(i => Path.GetFullPath(i.Path, project.Workspace.Directory)));
        }

        return [.. files.Distinct(StringComparer.Ordinal)];
    }

    private static string Fingerprint(List<string> files) => string.Join('|', files.Select(f =>
    {
        var info = new FileInfo(f);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "-";
    }));

    private static async Task<(int Exit, decimal Spent)> RunAsync(CliContext context, string path, string? provider, string? profile, bool allowOutside, RunRequest request, bool json, bool verbose, CancellationToken cancellationToken)
    {
        if (request.Run.Concurrency < 1)
        {
            context.Error.WriteLine("error: --concurrency must be at least 1");
            return (ExitCodes.Invalid, 0m);
        }

        if (request.Run.MaxCost is < 0)
        {
            context.Error.WriteLine("error: --max-cost must not be negative");
            return (ExitCodes.Invalid, 0m);
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
                return (ExitCodes.Invalid, 0m);
            case RunEnd.Refused:
                Common.Print(context, outcome.Planned!);
                context.Error.WriteLine($"refused: {outcome.Message}");
                return (ExitCodes.Refused, 0m);
            case RunEnd.NoProvider:
                Common.Print(context, outcome.Planned!);
                context.Error.WriteLine($"error: {outcome.Message}");
                return (ExitCodes.Invalid, 0m);
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
        return (result.Stop switch
        {
            RunStop.Cancelled => ExitCodes.Cancelled,
            RunStop.Refused => ExitCodes.Refused,
            RunStop.Halted => ExitCodes.StepsFailed,
            _ => result.AnyFailed ? ExitCodes.StepsFailed : ExitCodes.Success,
        }, result.Spent);
    }
}
