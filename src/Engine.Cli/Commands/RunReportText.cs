using System.Text.Json;
using Reel.Engine.Execution;
using Reel.Engine.Projects;
using Reel.Engine.Reporting;

namespace Reel.Cli.Commands;

/// <summary>A run's results as the user reads them: the summary (failures, cuts, report, counts, spend) or <c>run --json</c>.</summary>
internal static class RunReportText
{
    public static void Summary(CliContext context, RunReport report)
    {
        var result = report.Result;
        foreach (var failed in result.Steps.Where(s => s.Outcome == StepOutcome.Failed))
        {
            context.Error.WriteLine($"error: {failed.Id}: {failed.Error}");
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
        int Count(StepOutcome o) => result.Steps.Count(s => s.Outcome == o);
        context.Out.WriteLine($"{result.Steps.Length} steps: {Count(StepOutcome.Done)} done, {Count(StepOutcome.Cached)} cached, {Count(StepOutcome.Failed)} failed, {Count(StepOutcome.Skipped)} skipped · spent {PlanText.Money(result.Spent)}");
    }

    public static string Json(CliContext context, RunReport report)
    {
        var result = report.Result;
        var doc = new
        {
            steps = result.Steps.Select(s => new
            {
                id = s.Id,
                status = s.Outcome.ToString().ToLowerInvariant(),
                job = s.Job,
                output = report.Exported.FirstOrDefault(e => e.StepId == s.Id)?.Path is { } p ? context.RelativePath(p) : null,
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
