using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Prompts;

namespace Reel.Engine.Planning;

public enum StepStatus
{
    Cached,
    Run,
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

    /// <summary>Named by <c>--force</c>.</summary>
    Forced,
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
        _ => "forced",
    };
}

/// <summary>What the planner knows of a step from an earlier run (the lock).</summary>
public sealed record PriorStep(string Key, string? OutputSha256, string? Prompt, ImmutableArray<string> Inputs, string? Job);

/// <summary>The lock and store as the planner sees them.</summary>
public interface IStepHistory
{
    PriorStep? Find(string stepId);

    bool HasObject(string sha256);
}

/// <summary>An empty history: every step is new.</summary>
public sealed class NoHistory : IStepHistory
{
    public static NoHistory Instance { get; } = new();

    public PriorStep? Find(string stepId) => null;

    public bool HasObject(string sha256) => false;
}

public sealed record PlannedStep(
    StepRequest Request,
    string Key,
    ImmutableArray<string> UpstreamKeys,
    StepStatus Status,
    PlanReason Reason,
    decimal EstimatedCost,
    TimeSpan EstimatedDuration,
    PriorStep? Prior)
{
    public StepId Id => Request.Id;
}

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
