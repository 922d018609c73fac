namespace Reel.Engine.Storage;

/// <summary>One attempt to run a step on a provider, as the journal knows it.</summary>
/// <param name="Id">Attempt id.</param>
/// <param name="Step">Step id.</param>
/// <param name="Key">Step key.</param>
/// <param name="Provider">Provider name.</param>
/// <param name="Fingerprint">Fingerprint of the request, used to find an unrecorded job in the provider's recent list.</param>
/// <param name="State">Where the attempt stands.</param>
/// <param name="JobId">The provider's job id once submitted.</param>
/// <param name="OutputSha256">The output's hash once succeeded.</param>
/// <param name="Cost">Cost in USD once succeeded.</param>
/// <param name="Error">Failure (<c>class: message</c>) or abandonment reason.</param>
/// <param name="IntentAt">When the intent was recorded (before the submit).</param>
/// <param name="UpdatedAt">When the attempt last changed.</param>
/// <param name="Run">The run that recorded the intent (none for attempts from before the ledger).</param>
public sealed record JournalAttempt(
    long Id,
    string Step,
    string Key,
    string Provider,
    string Fingerprint,
    JournalState State,
    string? JobId,
    string? OutputSha256,
    decimal Cost,
    string? Error,
    DateTimeOffset IntentAt,
    DateTimeOffset UpdatedAt,
    long? Run = null)
{
    /// <summary>True for succeeded, failed and abandoned attempts.</summary>
    public bool IsFinished => State.IsFinished();
}

/// <summary>One record call on an attempt, in order.</summary>
/// <param name="Id">Event id (increasing).</param>
/// <param name="Attempt">Attempt id.</param>
/// <param name="Time">When it was recorded.</param>
/// <param name="Kind">intent, submitted, status, downloaded, succeeded, failed or abandoned.</param>
/// <param name="Detail">Kind-specific detail (job id, state and progress, variant and hash, …).</param>
public sealed record JournalEvent(long Id, long Attempt, DateTimeOffset Time, string Kind, string Detail);

/// <summary>The states of a <see cref="JournalAttempt"/>, in the order an attempt moves through them.</summary>
public enum JournalState
{
    /// <summary>Recorded before the submit; there may or may not be a job at the provider.</summary>
    Intent,

    /// <summary>The provider accepted the job; its id is known.</summary>
    Submitted,

    /// <summary>The provider reported progress.</summary>
    Running,

    /// <summary>At least one variant is in the store.</summary>
    Downloaded,

    /// <summary>Finished: the output is in the store.</summary>
    Succeeded,

    /// <summary>Finished: the job or the submit failed.</summary>
    Failed,

    /// <summary>Finished: given up, e.g. reconciled into another attempt.</summary>
    Abandoned,
}

/// <summary>The text form of <see cref="JournalState"/> kept in the database and shown by <c>reel status --json</c>.</summary>
public static class JournalStates
{
    /// <summary>True for the finished states.</summary>
    public static bool IsFinished(this JournalState state) => state >= JournalState.Succeeded;

    /// <summary>The lowercase name: <c>intent</c>, <c>submitted</c>, …</summary>
    public static string Text(this JournalState state) => state switch
    {
        JournalState.Intent => "intent",
        JournalState.Submitted => "submitted",
        JournalState.Running => "running",
        JournalState.Downloaded => "downloaded",
        JournalState.Succeeded => "succeeded",
        JournalState.Failed => "failed",
        _ => "abandoned",
    };

    internal static JournalState Parse(string text) => text switch
    {
        "intent" => JournalState.Intent,
        "submitted" => JournalState.Submitted,
        "running" => JournalState.Running,
        "downloaded" => JournalState.Downloaded,
        "succeeded" => JournalState.Succeeded,
        "failed" => JournalState.Failed,
        "abandoned" => JournalState.Abandoned,
        _ => throw new InvalidDataException($"unknown journal state '{text}'"),
    };

    /// <summary>How far along an unfinished attempt is; every finished state ranks last.</summary>
    internal static int Rank(JournalState state) => Math.Min((int)state, (int)JournalState.Succeeded);
}
