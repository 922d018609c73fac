using System.Text.Json.Nodes;
using Reel.Emulator.OpenAi;

namespace Reel.Emulator.Fal;

/// <summary>A queued fal request: the <see cref="VideoJob"/> that times it, plus what fal adds (cancellation, the output's file, the echoed seed).</summary>
internal sealed class FalRequest
{
    public required string Id { get; init; }

    public required FalEndpoint Endpoint { get; init; }

    public required VideoJob Job { get; init; }

    /// <summary>The seed echoed in the result (Veo endpoints that take one), else null.</summary>
    public long? Seed { get; init; }

    /// <summary>For sora-2: the <c>video_id</c> of the result.</summary>
    public string? VideoId { get; init; }

    /// <summary>For a character registration: the character made when it completes.</summary>
    public FalCharacter? Character { get; init; }

    /// <summary>The output video's file (null for character registrations).</summary>
    public FalFile? Output { get; init; }

    /// <summary>Set once, under the API's lock, when a cancel arrives before the request finished.</summary>
    public DateTimeOffset? CancelledAt { get; set; }

    public long Sequence { get; init; }

    public FalState Observe(DateTimeOffset now)
    {
        if (CancelledAt is { } cancelled && now >= cancelled)
        {
            return new FalState("COMPLETED", Job.CreatedAt + (Job.Duration / 10), cancelled, FalState.Cancelled);
        }

        var state = Job.Observe(now);
        var started = Job.CreatedAt + (Job.Duration / 10);
        return state.Status switch
        {
            "queued" => new FalState("IN_QUEUE", null, null, null),
            "in_progress" => new FalState("IN_PROGRESS", started, null, null),
            "failed" => new FalState("COMPLETED", started, state.CompletedAt, FalState.Blocked),
            _ => new FalState("COMPLETED", started, state.CompletedAt, null),
        };
    }
}

/// <summary>A request's fal status at one instant; <paramref name="Failure"/> is set for a completed request that has no result.</summary>
internal sealed record FalState(string Status, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, FalFailure? Failure)
{
    public static readonly FalFailure Blocked = new(
        "content_policy_violation",
        "The content could not be processed because it contained material flagged by a content checker.");

    public static readonly FalFailure Cancelled = new("client_cancelled", "The request was cancelled.");

    public bool IsCompleted => Status == "COMPLETED";

    public bool Succeeded => IsCompleted && Failure is null;
}

/// <summary>Why a completed request has no result: <c>error_type</c> and the message.</summary>
internal sealed record FalFailure(string Type, string Message);

/// <summary>A Sora character registered through <c>fal-ai/sora-2/characters</c>.</summary>
internal sealed record FalCharacter(string Id, string Name)
{
    public JsonObject ToJson() => new() { ["id"] = Id, ["name"] = Name };
}

/// <summary>
/// A file on the emulator's public CDN path <c>/fal-cdn/files/{token}/{name}</c>: an upload (its bytes on disk once PUT)
/// or a request's output (rendered on first use). It stops being served <see cref="Lifetime"/> after it became available.
/// </summary>
internal sealed class FalFile
{
    public required string Token { get; init; }

    public required string FileName { get; init; }

    public required string ContentType { get; init; }

    public required TimeSpan Lifetime { get; init; }

    /// <summary>The request whose output this is, or null for an upload.</summary>
    public FalRequest? Request { get; set; }

    /// <summary>An upload's bytes on disk, null until the PUT arrives.</summary>
    public string? Path { get; set; }

    public DateTimeOffset? UploadedAt { get; set; }

    /// <summary>When the file became downloadable, or null if it isn't (yet, or ever).</summary>
    public DateTimeOffset? AvailableSince(DateTimeOffset now)
    {
        if (Request is null)
        {
            return UploadedAt;
        }

        var state = Request.Observe(now);
        return state.Succeeded ? state.CompletedAt : null;
    }

    public string RelativeUrl => $"/fal-cdn/files/{Token}/{Uri.EscapeDataString(FileName)}";
}
