using System.Collections.Immutable;

namespace Reel.Engine.Execution;

public sealed record RunOptions(
    int Concurrency = 4,
    decimal? MaxCost = null,
    bool KeepGoing = false,
    bool Frozen = false,
    bool Batch = false,
    bool ResubmitUnanswered = false);

public enum StepOutcome
{
    /// <summary>Rendered in this run: a new job (paid), or a cut assembled.</summary>
    Done,

    /// <summary>Locked, with its output in the store: nothing was done.</summary>
    Cached,

    /// <summary>Its job existed already (an earlier run, another script, an interrupted run): picked up, not paid again.</summary>
    Reused,

    Failed,
    Skipped,
}

/// <summary>What happened to one step in a run.</summary>
/// <param name="Cost">What this run paid for the step's job: its price when the run created it, else 0.</param>
/// <param name="Source">Where a step that was not rendered here came from: <c>remote</c> for the shared remote's <c>steps/</c> (shown as cached), else null.</param>
public sealed record StepResult(
    string Id,
    StepOutcome Outcome,
    string? Job = null,
    string? Output = null,
    string? Thumbnail = null,
    string? Spritesheet = null,
    decimal Cost = 0m,
    string? Error = null,
    TimeSpan Duration = default,
    string? Character = null,
    string? Advice = null,
    string? Source = null)
{
    /// <summary>The outcome as shown: a step found on the remote is <see cref="StepOutcome.Cached"/> (it is locked like a reused one).</summary>
    public StepOutcome Shown => Source is not null && Outcome == StepOutcome.Reused ? StepOutcome.Cached : Outcome;

    /// <summary>The status word of the output, the JSON and the report: <c>cached (remote)</c> for a remote hit.</summary>
    public string Status => Source is { } source && Outcome == StepOutcome.Reused ? $"cached ({source})" : Outcome.ToString().ToLowerInvariant();
}

public enum RunStop
{
    /// <summary>Every step was attempted.</summary>
    Completed,

    /// <summary>Refused before anything was spent (budget cap, --frozen).</summary>
    Refused,

    /// <summary>Stopped by a quota or authentication error.</summary>
    Halted,

    /// <summary>Cancelled (Ctrl+C); the journal is consistent and the next run resumes.</summary>
    Cancelled,
}

/// <summary>Execute stage output.</summary>
/// <param name="Spent">What the jobs this run created cost, from the ledger: also those that failed or were still running when it stopped.</param>
/// <param name="Unfinished">Jobs this run created that had not finished when it stopped (they keep running on the provider).</param>
public sealed record RunResult(ImmutableArray<StepResult> Steps, RunStop Stop, string? Message, decimal Spent = 0m, int Unfinished = 0)
{
    public bool AnyFailed
    {
        get
        {
            foreach (var step in Steps)
            {
                if (step.Outcome is StepOutcome.Failed)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public StepResult? Find(string id) => Steps.FirstOrDefault(s => s.Id == id);
}

public enum RunPhase
{
    Waiting,
    Submitting,
    Queued,
    Running,
    Downloading,
    Done,
    Cached,
    Failed,
    Skipped,
    Retrying,
    Reused,
}

/// <summary>A progress event for live display and logs.</summary>
public sealed record RunEvent(string StepId, RunPhase Phase, int Progress = 0, string? Message = null, decimal SpentSoFar = 0m);

/// <summary>Raised when a run is refused before anything is spent.</summary>
public sealed class RunRefusedException : Exception
{
    public RunRefusedException()
    {
    }

    public RunRefusedException(string message)
        : base(message)
    {
    }

    public RunRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
