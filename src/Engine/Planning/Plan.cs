using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Prompts;

namespace Reel.Engine.Planning;

public enum StepStatus
{
    /// <summary>Locked, with its output in the store: nothing to do.</summary>
    Cached,

    /// <summary>Submitted to the provider (a new job, paid), or fetched again from its locked job.</summary>
    Run,

    /// <summary>A job with this key already exists (finished or in flight): the run picks it up and pays nothing.</summary>
    Reuse,
}

/// <summary>Why a step runs or not.</summary>
public enum PlanReason
{
    /// <summary>Locked with this key and its output is in the store.</summary>
    Locked,

    /// <summary>Never run before.</summary>
    New,

    /// <summary>Its rendered prompt differs from the locked one.</summary>
    PromptChanged,

    /// <summary>A step it needs runs again.</summary>
    UpstreamChanged,

    /// <summary>One of its input files (image, option image, music) changed.</summary>
    InputChanged,

    /// <summary>Something else in its key changed (model, size, seconds, provider, options).</summary>
    SettingsChanged,

    /// <summary>Locked, but its output is not in the store: fetched again, not paid again.</summary>
    OutputMissing,

    /// <summary>Named by <c>--force</c>: re-rolled, a new job.</summary>
    Forced,

    /// <summary>The journal holds a finished or in-flight job for this key: reused, not paid again.</summary>
    JobExists,

    /// <summary>An earlier step of this plan has the same content (same key): rendered once, shared.</summary>
    SameAsAnother,
}

/// <summary>The text of a <see cref="PlanReason"/>, as <c>reel plan</c> shows it.</summary>
public static class PlanReasons
{
    public static string Text(this PlanReason reason) => reason switch
    {
        PlanReason.Locked => "locked",
        PlanReason.New => "new",
        PlanReason.PromptChanged => "prompt changed",
        PlanReason.UpstreamChanged => "upstream changed",
        PlanReason.InputChanged => "image changed",
        PlanReason.SettingsChanged => "settings changed",
        PlanReason.OutputMissing => "output missing from store",
        PlanReason.JobExists => "job exists",
        PlanReason.SameAsAnother => "same as another step",
        _ => "forced",
    };
}

/// <summary>What the planner knows of a step from an earlier run (the lock).</summary>
/// <param name="Roll">How many times the step was re-rolled (<c>run --force</c>).</param>
public sealed record PriorStep(string Key, string? OutputSha256, string? Prompt, ImmutableArray<string> Inputs, string? Job, int Roll = 0);

/// <summary>A job the journal holds for a step key: finished with its output in the store, or still in flight.</summary>
public sealed record ExistingJob(string JobId, bool InFlight);

/// <summary>The lock, the journal and the store as the planner sees them.</summary>
public interface IStepHistory
{
    /// <summary>
    /// What the lock knows of <paramref name="stepId"/>: its entry for the key <paramref name="baseKey"/> (at any roll) when
    /// there is one, else its latest entry (to say why it runs again), else null.
    /// </summary>
    PriorStep? Find(string stepId, string baseKey);

    bool HasObject(string sha256);

    /// <summary>The job a run would pick up for <paramref name="key"/> instead of paying for a new one, or null.</summary>
    ExistingJob? JobFor(string key);
}

/// <summary>An empty history: every step is new.</summary>
public sealed class NoHistory : IStepHistory
{
    public static NoHistory Instance { get; } = new();

    public PriorStep? Find(string stepId, string baseKey) => null;

    public bool HasObject(string sha256) => false;

    public ExistingJob? JobFor(string key) => null;
}

public sealed record PlannedStep(
    StepRequest Request,
    string Key,
    ImmutableArray<string> UpstreamKeys,
    StepStatus Status,
    PlanReason Reason,
    decimal EstimatedCost,
    TimeSpan EstimatedDuration,
    PriorStep? Prior,
    int Roll = 0)
{
    public StepId Id => Request.Id;
}

/// <param name="ToRun">Steps that are not cached: run, forced and reused.</param>
/// <param name="EstimatedCost">The new money: what the jobs to be submitted will cost (reused and refetched jobs cost nothing).</param>
public sealed record PlanTotals(int Steps, int ToRun, decimal EstimatedCost, TimeSpan EstimatedDuration);

/// <summary>Plan stage output: the DAG in run order with keys, status and estimates.</summary>
public sealed record Plan(ExpandedScript Script, ImmutableArray<PlannedStep> Steps, PlanTotals Totals)
{
    public PlannedStep? Find(string id) => Steps.FirstOrDefault(s => s.Id.Text == id);
}

public sealed record PlanOptions(ImmutableArray<string> Force = default, ImmutableArray<string> Only = default)
{
    public ImmutableArray<string> ForceList => Force.IsDefault ? [] : Force;

    public ImmutableArray<string> OnlyList => Only.IsDefault ? [] : Only;
}
