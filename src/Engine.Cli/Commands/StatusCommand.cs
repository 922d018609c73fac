using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var allowOutside = Common.AllowOutsideOption();
        var json = Common.JsonOption("the status");
        var command = new Command("status", "Show the last known state of every step, from the journal and the lock. Writes nothing.")
        {
            script, provider, allowOutside, json,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(script)!;
            if (Common.CompileAndPlan(context, path, parse.GetValue(provider), parse.GetValue(allowOutside), quietWarnings: true) is not { } planned)
            {
                return ExitCodes.Invalid;
            }

            var (workspace, scriptLock, plan) = (planned.Workspace, planned.Lock, planned.Plan);
            using var journal = File.Exists(workspace.JournalPath) ? Journal.Open(workspace.JournalPath, TimeProvider.System) : null;
            var canReconcile = ProviderCatalog.Find(plan.Script.Provider)?.CanReconcile ?? true;
            var rows = plan.Steps.Select(s =>
            {
                var attempt = journal?.LatestForStep(s.Id);
                var entry = scriptLock.ForStep(s.Id);
                var state = s.Status == StepStatus.Cached ? "locked"
                    : attempt is { IsFinished: false, JobId: null } && !canReconcile ? "unanswered"
                    : attempt is { IsFinished: false } ? "in flight"
                    : attempt is { State: JournalState.Failed } ? "failed"
                    : entry is null ? "not run" : "stale";
                return new StatusRow(s.Id, state, s.Reason.Text(), attempt?.State.Text(), attempt?.JobId ?? entry?.Job, entry?.Output, attempt?.Error, attempt?.UpdatedAt ?? entry?.Created);
            }).ToList();

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new { script = path, provider = plan.Script.Provider, steps = rows }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
                return ExitCodes.Success;
            }

            var w = rows.Max(r => r.Id.Length);
            foreach (var r in rows)
            {
                var when = r.Updated?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
                var detail = r.State == "unanswered"
                    ? "the submit got no answer; check the provider's dashboard, then run --resubmit-unanswered"
                    : r.Error ?? (r.State is "stale" or "not run" ? r.Reason : r.Job ?? "");
                context.Out.WriteLine($"{r.Id.PadRight(w)}  {r.State,-9}  {when,-19}  {detail}".TrimEnd());
            }

            var locked = rows.Count(r => r.State == "locked");
            context.Out.WriteLine($"{rows.Count} steps: {locked} locked, {rows.Count(r => r.State == "in flight")} in flight, {rows.Count(r => r.State is "failed" or "unanswered")} failed, {rows.Count(r => r.State is "stale" or "not run")} to run");
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record StatusRow(string Id, string State, string Reason, string? Attempt, string? Job, string? Output, string? Error, DateTimeOffset? Updated);
}
