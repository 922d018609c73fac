using System.Text.Json;
using Reel.Engine.Execution;
using Reel.Engine.Projects;
using Reel.Engine.Reporting;

namespace Reel.Cli.Commands;

/// <summary>
/// A run's results as the user reads them: the summary (failures, cuts, report, counts, money from the ledger,
/// what to do next) or <c>run --json</c>.
/// </summary>
internal static class RunReportText
{
    public static void Summary(CliContext context, RunReport report)
    {
        var result = report.Result;
        var failed = result.Steps.Where(s => s.Outcome == StepOutcome.Failed).ToList();
        foreach (var step in failed)
        {
            context.Error.WriteLine($"error: {step.Id}: {step.Error}");
        }

        if (result.Message is not null)
        {
            context.Error.WriteLine(result.Stop == RunStop.Completed ? result.Message : $"{result.Stop.ToString().ToLowerInvariant()}: {result.Message}");
        }

        foreach (var cut in report.CutIds)
        {
            var file = report.Exported.FirstOrDefault(e => e.StepId == cut);
            if (file is not null)
            {
                context.Out.WriteLine($"{cut}: {context.RelativePath(file.Path)}");
            }
        }

        context.Out.WriteLine($"report: {context.RelativePath(report.ReportPath)}");
        int Count(StepOutcome o) => result.Steps.Count(s => s.Shown == o);
        context.Out.WriteLine($"{result.Steps.Length} steps: {Count(StepOutcome.Done)} done, {Count(StepOutcome.Reused)} reused, {Count(StepOutcome.Cached)} cached, {Count(StepOutcome.Failed)} failed, {Count(StepOutcome.Skipped)} skipped · spent {Spent(result)}");
        foreach (var advice in Advice(result))
        {
            context.Error.WriteLine($"next: {advice}");
        }
    }

    /// <summary>The money line: what this run's new jobs cost, and those still running when it stopped.</summary>
    private static string Spent(RunResult result) =>
        PlanText.Money(result.Spent)
        + (result.Unfinished > 0 ? $" ({result.Unfinished} job{(result.Unfinished == 1 ? " is" : "s are")} still running on the provider; the next run picks {(result.Unfinished == 1 ? "it" : "them")} up for free)" : "");

    /// <summary>What to do next: one line per distinct advice of the failed steps, and how to run the rest when the run stopped early.</summary>
    private static IEnumerable<string> Advice(RunResult result)
    {
        var failed = result.Steps.Where(s => s.Outcome == StepOutcome.Failed).ToList();
        foreach (var group in failed.Where(s => s.Advice is not null).GroupBy(s => s.Advice!))
        {
            var ids = group.Select(s => s.Id).ToList();
            yield return $"{string.Join(", ", ids.Take(3))}{(ids.Count > 3 ? $" and {ids.Count - 3} more" : "")}: {group.Key}";
        }

        var notStarted = result.Steps.Count(s => s.Outcome == StepOutcome.Skipped && s.Error == "not started");
        if (failed.Count > 0 && result.Stop == RunStop.Completed && notStarted > 0)
        {
            yield return $"the run stopped early; `reel run --keep-going` also runs the {notStarted} step{(notStarted == 1 ? "" : "s")} not started that do not need a failed one";
        }
    }

    public static string Json(CliContext context, RunReport report)
    {
        var result = report.Result;
        int Count(StepOutcome o) => result.Steps.Count(s => s.Shown == o);
        var doc = new
        {
            steps = result.Steps.Select(s => new
            {
                id = s.Id,
                status = s.Shown.ToString().ToLowerInvariant(),
                source = s.Source,
                job = s.Job,
                output = report.Exported.FirstOrDefault(e => e.StepId == s.Id)?.Path is { } p ? context.RelativePath(p) : null,
                sha256 = s.Output,
                cost = s.Cost,
                error = s.Error,
                advice = s.Advice,
            }),
            totals = new
            {
                steps = result.Steps.Length,
                done = Count(StepOutcome.Done),
                reused = Count(StepOutcome.Reused),
                cached = Count(StepOutcome.Cached),
                failed = Count(StepOutcome.Failed),
                skipped = Count(StepOutcome.Skipped),
                spent = result.Spent,
                unfinished = result.Unfinished,
                stop = result.Stop.ToString().ToLowerInvariant(),
            },
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
    }
}
