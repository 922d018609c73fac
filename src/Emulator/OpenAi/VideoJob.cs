using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Reel.Engine.Core;

namespace Reel.Emulator.OpenAi;

/// <summary>One video job. Its status is never stored: it is computed from timestamps each time it is observed.</summary>
internal sealed class VideoJob
{
    public required string Id { get; init; }

    /// <summary>generate, remix, edit, extend or batch (as in the audit).</summary>
    public required string Kind { get; init; }

    public required string Model { get; init; }

    public required string Prompt { get; init; }

    public required VideoSize Size { get; init; }

    /// <summary>Total seconds of the result (for an extension, the stitched total).</summary>
    public required int Seconds { get; init; }

    /// <summary>Seconds newly generated (differs from <see cref="Seconds"/> only for extensions).</summary>
    public required int SegmentSeconds { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>How long the job takes from creation to its end.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>How long the assets stay downloadable after completion.</summary>
    public required TimeSpan AssetLifetime { get; init; }

    public required ulong Seed { get; init; }

    public required long Sequence { get; init; }

    public string? RemixedFromVideoId { get; init; }

    /// <summary>The job this one extends or edits, if it came from a video id.</summary>
    public VideoJob? Source { get; init; }

    /// <summary>An uploaded source video (edit or extension of an upload).</summary>
    public string? SourcePath { get; init; }

    /// <summary>How many extensions lead to this clip (0 for a generation).</summary>
    public int Extensions { get; init; }

    /// <summary>The first-frame image, saved to disk.</summary>
    public string? ReferencePath { get; init; }

    public ImmutableArray<string> Characters { get; init; } = [];

    /// <summary>The moderation fault: the job ends failed half way through.</summary>
    public bool Blocked { get; init; }

    public bool Deleted { get; set; }

    /// <summary>Serialises rendering of this job's assets.</summary>
    public Lock RenderGate { get; } = new();

    /// <summary>When the job reaches its terminal state.</summary>
    public DateTimeOffset EndsAt => CreatedAt + (Blocked ? Duration / 2 : Duration);

    public VideoSnapshot Observe(DateTimeOffset now)
    {
        var elapsed = now - CreatedAt;
        if (Blocked)
        {
            var failAt = Duration / 2;
            if (elapsed >= failAt)
            {
                return new VideoSnapshot("failed", 50, CreatedAt + failAt, null);
            }
        }
        else if (elapsed >= Duration)
        {
            var completed = CreatedAt + Duration;
            return new VideoSnapshot("completed", 100, completed, completed + AssetLifetime);
        }

        // The first tenth of the time the job waits in the queue.
        if (elapsed < Duration / 10)
        {
            return new VideoSnapshot("queued", 0, null, null);
        }

        var progress = (int)Math.Floor(elapsed / Duration * 100);
        return new VideoSnapshot("in_progress", Math.Clamp(progress, 1, 99), null, null);
    }

    /// <summary>The <c>video</c> object, all 13 fields, nullables as null.</summary>
    public JsonObject ToJson(DateTimeOffset now)
    {
        var state = Observe(now);
        return new JsonObject
        {
            ["id"] = Id,
            ["object"] = "video",
            ["model"] = Model,
            ["status"] = state.Status,
            ["progress"] = state.Progress,
            ["created_at"] = CreatedAt.ToUnixTimeSeconds(),
            ["completed_at"] = state.CompletedAt?.ToUnixTimeSeconds(),
            ["expires_at"] = state.ExpiresAt?.ToUnixTimeSeconds(),
            ["prompt"] = Prompt,
            ["size"] = Size.ToString(),
            ["seconds"] = Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["remixed_from_video_id"] = RemixedFromVideoId,
            ["error"] = state.Status == "failed"
                ? new JsonObject
                {
                    ["code"] = "moderation_blocked",
                    ["message"] = "Your request was blocked by our moderation system.",
                }
                : null,
        };
    }
}

/// <summary>A job's state at one instant.</summary>
internal readonly record struct VideoSnapshot(string Status, int Progress, DateTimeOffset? CompletedAt, DateTimeOffset? ExpiresAt)
{
    public bool IsTerminal => Status is "completed" or "failed";
}
