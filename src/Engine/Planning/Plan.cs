using System.Collections.Immutable;
using Reel.Engine.Prompts;

namespace Reel.Engine.Planning;

public enum StepStatus
{
    Cached,
    Run,
}

/// <summary>Why a step runs or not; the text shown by <c>reel plan</c>.</summary>
public static class Reasons
{
    public const string Locked = "locked";
    public const string New = "new";
    public const string PromptChanged = "prompt changed";
    public const string UpstreamChanged = "upstream changed";
    public const string InputChanged = "image changed";
    public const string SettingsChanged = "settings changed";
    public const string OutputMissing = "output missing from store";
    public const string Forced = "forced";
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
    string Reason,
    decimal EstimatedCost,
    TimeSpan EstimatedDuration,
    PriorStep? Prior)
{
    public string Id => Request.Id;
}

public sealed record PlanTotals(int Steps, int ToRun, decimal EstimatedCost, TimeSpan EstimatedDuration);

/// <summary>Plan stage output: the DAG in run order with keys, status and estimates.</summary>
public sealed record Plan(ExpandedScript Script, ImmutableArray<PlannedStep> Steps, PlanTotals Totals)
{
    public PlannedStep? Find(string id) => Steps.FirstOrDefault(s => s.Id == id);
}

public sealed record PlanOptions(ImmutableArray<string> Force = default, ImmutableArray<string> Only = default)
{
    public ImmutableArray<string> ForceList => Force.IsDefault ? [] : Force;

    public ImmutableArray<string> OnlyList => Only.IsDefault ? [] : Only;
}
