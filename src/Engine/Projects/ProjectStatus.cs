using System.Collections.Immutable;
using Reel.Engine.Planning;
using Reel.Engine.Providers;
using Reel.Engine.Storage;

namespace Reel.Engine.Projects;

/// <summary>Where a step stands, from the plan, the journal and the lock.</summary>
public enum StepState
{
    /// <summary>Locked, with its output in the store: nothing to do.</summary>
    Locked,

    /// <summary>A job was submitted and not yet brought home: the next run resumes it.</summary>
    InFlight,

    /// <summary>A submit got no answer on a provider that cannot list its jobs: the user decides.</summary>
    Unanswered,

    /// <summary>The last attempt failed.</summary>
    Failed,

    /// <summary>Locked once, but something changed: the next run renders it again.</summary>
    Stale,

    /// <summary>Never rendered.</summary>
    NotRun,

    /// <summary>A job for it exists (another script, another provider setting, an interrupted run): the next run picks it up for free.</summary>
    Reusable,
}

/// <summary>The text of a <see cref="StepState"/>, as <c>reel status</c> shows it.</summary>
public static class StepStates
{
    public static string Text(this StepState state) => state switch
    {
        StepState.Locked => "locked",
        StepState.InFlight => "in flight",
        StepState.Unanswered => "unanswered",
        StepState.Failed => "failed",
        StepState.Stale => "stale",
        StepState.Reusable => "reusable",
        _ => "not run",
    };
}

/// <summary>One step's last known state.</summary>
/// <param name="Reason">Why the plan would run it (or <c>locked</c>).</param>
/// <param name="Attempt">The state of its latest journal attempt.</param>
/// <param name="Updated">When its latest attempt or lock entry changed.</param>
public sealed record StepStatusRow(string Id, StepState State, string Reason, JournalState? Attempt, string? Job, string? Output, string? Error, DateTimeOffset? Updated);

/// <summary>The money spent on one storyboard, from the journal's ledger.</summary>
/// <param name="Spent">What every job created for this storyboard cost.</param>
/// <param name="Jobs">How many paid jobs were created for it (free ones, e.g. on <c>local</c>, are not counted).</param>
/// <param name="LastRun">What its latest run that created or reused a job spent.</param>
/// <param name="Reused">How many times a run of it reused a job instead of paying again.</param>
public sealed record Spending(decimal Spent, int Jobs, decimal LastRun, int Reused)
{
    public static Spending None { get; } = new(0m, 0, 0m, 0);

    /// <summary>The storyboard's spend from the ledger entries of its runs.</summary>
    public static Spending Of(IReadOnlyList<LedgerEntry> entries)
    {
        var created = entries.Where(e => e.Kind == LedgerKind.Created).ToList();
        var lastRun = entries.Count == 0 ? 0 : entries.Max(e => e.Run);
        return new Spending(created.Sum(e => e.Price), created.Count(e => e.Price > 0), created.Where(e => e.Run == lastRun).Sum(e => e.Price), entries.Count(e => e.Kind == LedgerKind.Reused));
    }
}

/// <summary>What <see cref="Project.Status"/> found: every step's last known state and the money spent.</summary>
public sealed record StatusReport(PlanOutcome Planned, ImmutableArray<StepStatusRow> Rows, Spending Spending);

public sealed partial class Project
{
    /// <summary>The last known state of every step and the money spent, from the journal and the lock. No rows when the plan failed.</summary>
    public StatusReport Status()
    {
        var planned = Plan();
        if (!planned.Succeeded)
        {
            return new StatusReport(planned, [], Spending.None);
        }

        var (plan, scriptLock) = (planned.Plan!, planned.Lock!);
        using var journal = File.Exists(Workspace.JournalPath) ? Journal.Open(Workspace.JournalPath, Host.Time) : null;
        var canReconcile = ProviderCatalog.Find(plan.Script.Provider)?.CanReconcile ?? true;
        var profile = plan.Script.Script.Profile?.Name;
        var rows = plan.Steps.Select(s =>
        {
            // This step's own result, or else the older result of the same kind it replaces (an edited prompt); never
            // another profile's or provider's result of the step.
            var entry = scriptLock.ForStep(s.Id, s.Key) ?? SameKind(scriptLock, s, profile);
            var attempt = journal?.AttemptsForKey(s.Key).LastOrDefault() ?? (entry is null ? null : journal?.AttemptsForKey(entry.Key).LastOrDefault());
            var state = s.Status == StepStatus.Cached ? StepState.Locked
                : s.Reason == PlanReason.JobExists && attempt is not { IsFinished: false } ? StepState.Reusable
                : attempt is { IsFinished: false, JobId: null } && !canReconcile ? StepState.Unanswered
                : attempt is { IsFinished: false } ? StepState.InFlight
                : attempt is { State: JournalState.Failed } ? StepState.Failed
                : entry is null ? StepState.NotRun : StepState.Stale;
            // Nothing of this kind was ever made: the plan's reason compares with another profile's or provider's result.
            var reason = state == StepState.NotRun && s.Status == StepStatus.Run ? PlanReason.New.Text() : s.Reason.Text();
            return new StepStatusRow(s.Id, state, reason, attempt?.State, attempt?.JobId ?? entry?.Job, entry?.Output, attempt?.Error, attempt?.UpdatedAt ?? entry?.Created);
        });
        var spending = journal is null ? Spending.None : Spending.Of(journal.Ledger(LockFile.ScriptName(Workspace.LockPath)));
        return new StatusReport(planned, [.. rows], spending);
    }

    /// <summary>The latest lock entry of the step made under this profile (or before locks named profiles) by the same provider, model and size.</summary>
    private static LockEntry? SameKind(ScriptLock scriptLock, PlannedStep step, string? profile)
    {
        var (model, _, size) = Execution.LockRecorder.Kind(step.Request);
        return scriptLock.AllForStep(step.Id)
            .Where(e => (e.Profile == profile || e.Profile is null) && e.Provider == step.Request.Provider && e.Model == model && e.Size == size)
            .MaxBy(e => e.Created);
    }
}
