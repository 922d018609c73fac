using System.Collections.Concurrent;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// Everything one run knows while it runs, created for one <see cref="Runner.RunAsync"/> call and
/// dropped after it, so nothing leaks from one run into the next.
/// </summary>
internal sealed class RunContext(Plan plan, RunOptions options, long runId, ConcurrencyLimit concurrency, Action<RunEvent> emit)
{
    public Plan Plan { get; } = plan;

    /// <summary>This run in the journal's ledger.</summary>
    public long RunId { get; } = runId;

    public RunOptions Options { get; } = options;

    public Budget Budget { get; } = new(options.MaxCost);

    public ConcurrencyLimit Concurrency { get; } = concurrency;

    /// <summary>The outcome of every step finished so far, by step id (later steps read their inputs here).</summary>
    public ConcurrentDictionary<string, StepResult> Results { get; } = new(StringComparer.Ordinal);

    /// <summary>Statuses already known without a poll (a batch reports its jobs finished), by job id.</summary>
    public ConcurrentDictionary<string, JobStatus> KnownStatuses { get; } = new(StringComparer.Ordinal);

    /// <summary>When the create answer said to look first, by job id.</summary>
    public ConcurrentDictionary<string, TimeSpan> FirstPoll { get; } = new(StringComparer.Ordinal);

    /// <summary>Steps whose batch failed as a whole or created no job for them.</summary>
    public ConcurrentDictionary<string, ProviderError> BatchFailures { get; } = new(StringComparer.Ordinal);

    public RunHalt Halt { get; } = new();

    /// <summary>Provider job ids of steps whose job succeeded (their clip may still be downloading), by step id.</summary>
    public ConcurrentDictionary<string, string> SucceededJobs { get; } = new(StringComparer.Ordinal);

    /// <summary>Called when a step's job succeeded at the provider, before its clip is downloaded (the scheduler listens).</summary>
    public Action<string>? JobSucceeded { get; set; }

    /// <summary>Records that <paramref name="stepId"/>'s job succeeded and tells the scheduler.</summary>
    public void SignalJobSucceeded(string stepId, string jobId)
    {
        SucceededJobs[stepId] = jobId;
        JobSucceeded?.Invoke(stepId);
    }

    /// <summary>Thumbnails and spritesheets fetched off the critical path; the run waits for them at its end.</summary>
    public BackgroundExtras Extras { get; } = new();

    public void Emit(RunEvent e) => emit(e);

    /// <summary>The ledger entry of a job created for <paramref name="step"/> at <paramref name="price"/>.</summary>
    public Charge ChargeFor(PlannedStep step, string provider, decimal price) => step.Request switch
    {
        ClipStep clip => new Charge(RunId, step.Id, step.Key, provider, clip.Model, clip.Size.ToString(), clip.Seconds, price),
        _ => new Charge(RunId, step.Id, step.Key, provider, StepFacts.Model(step.Request), null, null, price),
    };

    /// <summary>Emits a step's phase with the spend so far.</summary>
    public void Emit(string stepId, RunPhase phase, int progress = 0, string? message = null) =>
        emit(new RunEvent(stepId, phase, progress, message, Budget.Spent));
}

/// <summary>The decision to stop launching steps: a quota or key error, or a refused submit.</summary>
internal sealed class RunHalt
{
    private volatile bool _halted;

    public bool IsHalted => _halted;

    public RunStop Kind { get; private set; } = RunStop.Completed;

    public string? Message { get; private set; }

    public void Request(RunStop kind, string message)
    {
        Kind = kind;
        Message = message;
        _halted = true;
    }
}
