using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Reporting;

namespace Reel.Engine.Projects;

/// <summary>What <see cref="Project.Plan"/> found: the compiled script, its lock and plan, or why there is none.</summary>
/// <param name="Compilation">The script's compilation, with its diagnostics (warnings too).</param>
/// <param name="LockDiagnostics">Why the lock could not be read (then there is no plan).</param>
/// <param name="UnknownSteps">One message per <c>--only</c>/<c>--force</c> id that names no step.</param>
public sealed record PlanOutcome(Compilation Compilation, ImmutableArray<Diagnostic> LockDiagnostics, ImmutableArray<string> UnknownSteps, Plan? Plan, Storage.ScriptLock? Lock)
{
    public bool Succeeded => Plan is not null && UnknownSteps.IsEmpty;

    /// <summary>Under <c>takes: picked</c> with <c>carry: first-frame</c>: steps whose picked take has no clip yet (a run refuses them).</summary>
    public ImmutableArray<StepId> DraftsNotRendered { get; init; } = [];
}

/// <summary>How a run ended, for the caller to show.</summary>
public enum RunEnd
{
    /// <summary>The script, the lock or the arguments are not valid; nothing was touched.</summary>
    Invalid,

    /// <summary>Refused before anything was spent (<c>--frozen</c>, <c>--max-cost</c> against the estimate, <c>--no-wait</c> while another run holds the project).</summary>
    Refused,

    /// <summary>The provider could not be set up (a missing key, a bad base URL); nothing was touched.</summary>
    NoProvider,

    /// <summary>The run happened (or a complete earlier run answered it): see <see cref="RunOutcome.Report"/>.</summary>
    Ran,
}

/// <summary>The outcome of <see cref="Project.RunAsync"/>.</summary>
/// <param name="Message">Why the run did not happen (<see cref="RunEnd.Refused"/>, <see cref="RunEnd.NoProvider"/>).</param>
public sealed record RunOutcome(RunEnd End, PlanOutcome? Planned, string? Message, RunReport? Report);

/// <summary>What a run did: every step's result, the cuts, and the files exported to <c>out/</c>.</summary>
public sealed record RunReport(RunResult Result, ImmutableArray<string> CutIds, ImmutableArray<ExportedFile> Exported, string ReportPath);

/// <summary>Watches a run as it goes (live progress, logs).</summary>
public interface IRunObserver
{
    /// <summary>
    /// The run is about to start on <paramref name="planned"/> (its compilation may carry warnings);
    /// <paramref name="warnings"/> are the run's own (e.g. an ignored <c>--batch</c>).
    /// </summary>
    void Starting(PlanOutcome planned, IReadOnlyList<string> warnings);

    /// <summary>Another run holds the project: this one waits for it (said once, before <see cref="Starting"/>).</summary>
    void Waiting(string message);

    /// <summary>A step changed state. Must be quick and thread-safe.</summary>
    void OnEvent(RunEvent e);

    /// <summary>The run is over (the summary follows).</summary>
    void Finished();
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NoRunObserver : IRunObserver
{
    public static NoRunObserver Instance { get; } = new();

    public void Starting(PlanOutcome planned, IReadOnlyList<string> warnings)
    {
    }

    public void Waiting(string message)
    {
    }

    public void OnEvent(RunEvent e)
    {
    }

    public void Finished()
    {
    }
}
