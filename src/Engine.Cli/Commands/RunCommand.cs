using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Reel.Engine.Core;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Reporting;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Cli.Commands;

internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var allowOutside = Common.AllowOutsideOption();
        var json = Common.JsonOption("the run's results");
        var concurrency = new Option<int>("--concurrency") { Description = "Steps running at once per provider (lowered automatically on rate limits).", DefaultValueFactory = _ => 4 };
        var maxCost = new Option<decimal?>("--max-cost") { Description = "Refuse to spend more than this many USD (checked against the estimate before the first submit and before every submit)." };
        var only = new Option<string[]>("--only") { Description = "Run only these steps (ids or scene ids) and what they need.", AllowMultipleArgumentsPerToken = true };
        var force = new Option<string[]>("--force") { Description = "Run these steps again even if locked ('*' for all).", AllowMultipleArgumentsPerToken = true };
        var keepGoing = new Option<bool>("--keep-going") { Description = "After a failure, keep running branches that do not depend on it." };
        var frozen = new Option<bool>("--frozen") { Description = "Refuse to run anything that is not already locked (for CI)." };
        var batch = new Option<bool>("--batch") { Description = "Submit ready generate steps as one batch job where the provider supports it." };
        var resubmit = new Option<bool>("--resubmit-unanswered") { Description = "Submit again the steps whose earlier submit got no answer on a provider that cannot list its jobs (fal, veo); this may pay twice." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every submit, poll and download to stderr." };
        var command = new Command("run", "Run a script: every generate, extend and edit step exactly once, cached by content, then the cuts and the report.")
        {
            script, provider, allowOutside, concurrency, maxCost, only, force, keepGoing, frozen, batch, resubmit, json, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new RunOptions(
                parse.GetValue(concurrency),
                parse.GetValue(maxCost),
                parse.GetValue(keepGoing),
                parse.GetValue(frozen),
                parse.GetValue(batch),
                parse.GetValue(resubmit));
            return await RunAsync(
                context,
                parse.GetValue(script)!,
                parse.GetValue(provider),
                parse.GetValue(allowOutside),
                options,
                new PlanOptions([.. parse.GetValue(force) ?? []], [.. parse.GetValue(only) ?? []]),
                parse.GetValue(json),
                parse.GetValue(verbose),
                cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string path, string? providerName, bool allowOutside, RunOptions options, PlanOptions planOptions, bool json, bool verbose, CancellationToken cancellationToken)
    {
        if (options.Concurrency < 1)
        {
            context.Error.WriteLine("error: --concurrency must be at least 1");
            return ExitCodes.Invalid;
        }

        if (options.MaxCost is < 0)
        {
            context.Error.WriteLine("error: --max-cost must not be negative");
            return ExitCodes.Invalid;
        }

        var workspace = Common.Workspace(context, path);
        var storeRoot = ObjectStore.ResolveRoot(workspace.ReelDirectory, context.Environment);
        var fullRun = planOptions.OnlyList.IsEmpty && planOptions.ForceList.IsEmpty;
        if (fullRun && UpToDate.ReadIfCurrent(workspace, providerName, allowOutside, storeRoot) is { } stamp)
        {
            // Nothing the last complete run read or wrote has changed: every step is cached.
            var cached = stamp.ToCachedResult();
            Report(context, cached, stamp.CutIds, stamp.Exports, workspace, json);
            return ExitCodes.Success;
        }

        if (Common.CompileAndPlan(context, path, providerName, allowOutside, planOptions) is not { } planned)
        {
            return ExitCodes.Invalid;
        }

        var (expanded, scriptLock, store, plan) = (planned.Compilation.Expanded!, planned.Lock, planned.Store, planned.Plan);
        var unknown = planOptions.ForceList.Concat(planOptions.OnlyList)
            .Where(id => id != "*" && !expanded.Steps.Any(s => s.Id == id || s.Source == id))
            .ToList();
        if (unknown.Count > 0)
        {
            foreach (var id in unknown)
            {
                context.Error.WriteLine($"error: no step '{id}' in {path}{Suggestions.DidYouMean(id, expanded.Steps.Select(s => s.Id.Text))}");
            }

            return ExitCodes.Invalid;
        }

        var refusal = Runner.Refusal(plan, options);
        if (refusal is not null)
        {
            context.Error.WriteLine($"refused: {refusal}");
            return ExitCodes.Refused;
        }

        using var loggers = LoggerFactory.Create(b => b
            .AddProvider(new LineLoggerProvider(context.Error, context.ErrorColor))
            .AddFilter((category, level) => level >= (verbose ? LogLevel.Information : LogLevel.Warning) && !(category ?? "").StartsWith("System.Net.Http", StringComparison.Ordinal))
            .SetMinimumLevel(LogLevel.Information));
        Engine.Providers.IVideoProvider provider;
        try
        {
            // Keys come from the environment and go nowhere else.
            provider = Engine.Providers.ProviderCatalog.Create(expanded.Provider, new Engine.Providers.ProviderComposition(
                context.Environment, workspace.LocalProviderDirectory, TimeProvider.System, loggers, new Random().NextDouble, () => new HttpClient { Timeout = TimeSpan.FromMinutes(10) }));
        }
        catch (Engine.Providers.ProviderException ex)
        {
            context.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Invalid;
        }

        if (options.Batch && provider is not Engine.Providers.IBatchVideoProvider)
        {
            context.Error.WriteLine($"warning: provider '{provider.Name}' has no batch API; --batch is ignored and steps are submitted one by one");
        }

        Directory.CreateDirectory(workspace.ReelDirectory);
        UpToDate.Remove(workspace);
        using var journal = Journal.Open(workspace.JournalPath, TimeProvider.System);
        var runner = new Runner(provider, store, journal, workspace.LockPath, scriptLock, TimeProvider.System, loggers.CreateLogger("reel.run"));
        RunResult result;
        using (context.TrapCancel())
        {
            using var progress = new RunProgress(plan, context.Error, live: context.ErrorColor && !json, context.TerminalWidth);
            runner.Progress += progress.OnEvent;
            result = await runner.RunAsync(plan, options, cancellationToken);
        }

        var exported = Assembler.Assemble(plan, result, workspace, store, runner.Lock, pruneLock: planOptions.OnlyList.IsEmpty && result.Stop == RunStop.Completed);
        if (fullRun && result.Stop == RunStop.Completed && !result.AnyFailed)
        {
            UpToDate.Capture(plan, result, workspace, storeRoot, providerName, allowOutside, exported).Write(workspace);
        }

        Report(context, result, plan.Steps.Where(s => s.Request.Kind == Engine.Prompts.StepKind.Cut).Select(s => s.Id.Text), exported, workspace, json);

        return result.Stop switch
        {
            RunStop.Cancelled => ExitCodes.Cancelled,
            RunStop.Refused => ExitCodes.Refused,
            RunStop.Halted => ExitCodes.StepsFailed,
            _ => result.AnyFailed ? ExitCodes.StepsFailed : ExitCodes.Success,
        };
    }

    private static void Report(CliContext context, RunResult result, IEnumerable<string> cutIds, IReadOnlyList<ExportedFile> exported, Workspace workspace, bool json)
    {
        if (json)
        {
            context.Out.WriteLine(Json(context, result, exported));
        }
        else
        {
            Summary(context, result, cutIds, exported, workspace);
        }
    }

    private static void Summary(CliContext context, RunResult result, IEnumerable<string> cutIds, IReadOnlyList<ExportedFile> exported, Workspace workspace)
    {
        foreach (var failed in result.Steps.Where(s => s.Outcome == StepOutcome.Failed))
        {
            context.Error.WriteLine($"error: {failed.Id}: {failed.Error}");
        }

        if (result.Message is not null)
        {
            context.Error.WriteLine(result.Stop == RunStop.Completed ? result.Message : $"{result.Stop.ToString().ToLowerInvariant()}: {result.Message}");
        }

        foreach (var cut in cutIds)
        {
            var file = exported.FirstOrDefault(e => e.StepId == cut);
            if (file is not null)
            {
                context.Out.WriteLine($"{cut}: {context.RelativePath(file.Path)}");
            }
        }

        var report = Path.Combine(workspace.OutDirectory, "report.html");
        context.Out.WriteLine($"report: {context.RelativePath(report)}");
        int Count(StepOutcome o) => result.Steps.Count(s => s.Outcome == o);
        context.Out.WriteLine($"{result.Steps.Length} steps: {Count(StepOutcome.Done)} done, {Count(StepOutcome.Cached)} cached, {Count(StepOutcome.Failed)} failed, {Count(StepOutcome.Skipped)} skipped · spent {PlanText.Money(result.Spent)}");
    }

    private static string Json(CliContext context, RunResult result, IReadOnlyList<ExportedFile> exported)
    {
        var doc = new
        {
            steps = result.Steps.Select(s => new
            {
                id = s.Id,
                status = s.Outcome.ToString().ToLowerInvariant(),
                job = s.Job,
                output = exported.FirstOrDefault(e => e.StepId == s.Id)?.Path is { } p ? context.RelativePath(p) : null,
                sha256 = s.Output,
                cost = s.Cost,
                error = s.Error,
            }),
            totals = new
            {
                steps = result.Steps.Length,
                done = result.Steps.Count(s => s.Outcome == StepOutcome.Done),
                cached = result.Steps.Count(s => s.Outcome == StepOutcome.Cached),
                failed = result.Steps.Count(s => s.Outcome == StepOutcome.Failed),
                skipped = result.Steps.Count(s => s.Outcome == StepOutcome.Skipped),
                spent = result.Spent,
                stop = result.Stop.ToString().ToLowerInvariant(),
            },
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
    }
}
