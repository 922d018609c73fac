using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Reel.Engine.Projects;
using Reel.Engine.Reporting;
using Reel.Engine.Storage;

namespace Reel.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var profile = Common.ProfileOption();
        var allowOutside = Common.AllowOutsideOption();
        var json = Common.JsonOption("the status");
        var command = new Command("status", "Show the last known state of every step, from the journal and the lock. Writes nothing.")
        {
            script, provider, profile, allowOutside, json,
        };
        command.SetAction(parse =>
        {
            if (Common.ScriptPath(context, parse.GetValue(script)) is not { } path)
            {
                return ExitCodes.Invalid;
            }

            var project = Common.Open(context, path, parse.GetValue(provider), parse.GetValue(allowOutside), profile: parse.GetValue(profile));
            var (planned, rows, spending) = project.Status();
            if (!Common.Print(context, planned, quietWarnings: true))
            {
                return ExitCodes.Invalid;
            }

            if (parse.GetValue(json))
            {
                var steps = rows.Select(r => new { r.Id, State = r.State.Text(), r.Reason, Attempt = r.Attempt?.Text(), r.Job, r.Output, r.Error, r.Updated });
                var money = new { spending.Spent, spending.Jobs, spending.LastRun, spending.Reused };
                context.Out.WriteLine(JsonSerializer.Serialize(new { script = path, provider = planned.Plan!.Script.Provider, steps, spending = money }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
                return ExitCodes.Success;
            }

            if (RunLock.HeldBy(project.Workspace.ReelDirectory) is { } holder)
            {
                // Read between the run's commits: its steps in flight show their jobs, and the next plan reuses them.
                context.Out.WriteLine($"a run holds this project: {holder}");
            }

            var w = rows.Max(r => r.Id.Length);
            foreach (var r in rows)
            {
                var when = r.Updated?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
                var detail = r.State == StepState.Unanswered
                    ? "the submit got no answer; check the provider's dashboard, then run --resubmit-unanswered"
                    : r.Error ?? (r.State is StepState.Stale or StepState.NotRun ? r.Reason : r.Job ?? "");
                context.Out.WriteLine($"{r.Id.PadRight(w)}  {r.State.Text(),-9}  {when,-19}  {detail}".TrimEnd());
            }

            int Count(params StepState[] states) => rows.Count(r => states.Contains(r.State));
            context.Out.WriteLine($"{rows.Length} steps: {Count(StepState.Locked)} locked, {Count(StepState.InFlight)} in flight, {Count(StepState.Failed, StepState.Unanswered)} failed, {Count(StepState.Stale, StepState.NotRun)} to run{(Count(StepState.Reusable) > 0 ? $", {Count(StepState.Reusable)} reusable" : "")}");
            context.Out.WriteLine($"spent on this storyboard: {PlanText.Money(spending.Spent)} over {spending.Jobs} job{(spending.Jobs == 1 ? "" : "s")}, of which the last run: {PlanText.Money(spending.LastRun)}");
            return ExitCodes.Success;
        });
        return command;
    }
}
