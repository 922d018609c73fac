using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Engine.Core;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Kling;

/// <summary>A Kling job: the create path it was made on (<c>text2video</c>, …), which its query needs, and the task id.</summary>
internal sealed record KlingJobId(string Kind, string TaskId)
{
    public static readonly string[] Kinds = ["text2video", "image2video", "omni-video", "video-extend"];

    public static KlingJobId Parse(string jobId)
    {
        var colon = jobId.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < jobId.Length - 1 && Kinds.Contains(jobId[..colon])
            ? new KlingJobId(jobId[..colon], jobId[(colon + 1)..])
            : throw ProviderException.Invalid($"'{jobId}' is not a kling job id (kind:task_id)");
    }

    public override string ToString() => Kind + ":" + TaskId;
}

/// <summary>Kling's task states, shapes and error codes.</summary>
internal static class KlingWire
{
    /// <summary>The most images omni-video's <c>image_list</c> takes (frames, references and characters together).</summary>
    public const int MaxImages = 7;

    /// <summary><c>aspect_ratio</c> from the size.</summary>
    public static string AspectRatio(VideoSize size) => size.Width == size.Height ? "1:1" : size.IsPortrait ? "9:16" : "16:9";

    /// <summary><c>mode</c> from the resolution: 1080p is <c>pro</c>, 720p <c>std</c>.</summary>
    public static string Mode(VideoSize size) => Math.Min(size.Width, size.Height) >= 1080 ? "pro" : "std";

    /// <summary>
    /// A multi-shot clip: <c>multi_shot</c>, <c>shot_type: customize</c> and <c>multi_prompt [{index (from 1), prompt,
    /// duration}]</c>, the durations strings like the clip's own. Kling then ignores <c>prompt</c>; it is sent all the same.
    /// </summary>
    public static void AddShots(JsonObject body, ImmutableArray<ShotPrompt> shots)
    {
        if (shots.IsEmpty)
        {
            return;
        }

        body["multi_shot"] = true;
        body["shot_type"] = "customize";
        body["multi_prompt"] = new JsonArray([.. shots.Select((shot, i) => (JsonNode)new JsonObject
        {
            ["index"] = i + 1,
            ["prompt"] = shot.Prompt,
            ["duration"] = shot.Seconds.ToString(CultureInfo.InvariantCulture),
        })]);
    }

    /// <summary>
    /// A task (<c>data</c> of a query) as a neutral status: submitted → queued, processing → running, succeed → succeeded,
    /// failed → failed: moderation when <c>task_status_msg</c> names risk control or a content policy, else invalid.
    /// </summary>
    public static JobStatus ParseTask(string jobId, JsonElement data, Action<string, string> unknown)
    {
        var status = Wire.String(data, "task_status") ?? "";
        DateTimeOffset? created = Wire.Int64(data, "created_at") is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        switch (status)
        {
            case "submitted":
                return new JobStatus(jobId, JobState.Queued, 0, CreatedAt: created);
            case "processing":
                return new JobStatus(jobId, JobState.Running, 50, CreatedAt: created);
            case "succeed":
                var seconds = Video(data) is { } v && Wire.String(v, "duration") is { } d && double.TryParse(d, System.Globalization.CultureInfo.InvariantCulture, out var s) ? (int)Math.Round(s) : (int?)null;
                return new JobStatus(jobId, JobState.Succeeded, 100, Seconds: seconds, CreatedAt: created);
            case "failed":
                var message = Wire.String(data, "task_status_msg") is { Length: > 0 } m ? m : "the task failed";
                var moderation = IsRisk(message);
                return new JobStatus(jobId, JobState.Failed, 100, new ProviderError(
                    moderation ? ErrorClass.Moderation : ErrorClass.Invalid,
                    moderation ? $"kling task {jobId} was refused by risk control (the prompt or an input image): {message}" : $"kling task {jobId} failed: {message}",
                    "failed"), CreatedAt: created);
            default:
                unknown(jobId, status);
                return new JobStatus(jobId, JobState.Running, 50, CreatedAt: created);
        }
    }

    /// <summary>The first of <c>task_result.videos</c>, or null.</summary>
    public static JsonElement? Video(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty("task_result", out var result) && result.ValueKind == JsonValueKind.Object
        && result.TryGetProperty("videos", out var videos) && videos.ValueKind == JsonValueKind.Array && videos.GetArrayLength() > 0
            ? videos[0]
            : null;

    private static bool IsRisk(string message) =>
        message.Contains("risk", StringComparison.OrdinalIgnoreCase)
        || message.Contains("content security", StringComparison.OrdinalIgnoreCase)
        || message.Contains("sensitive", StringComparison.OrdinalIgnoreCase)
        || message.Contains("policy", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Kling's errors: HTTP status plus <c>{code, message, request_id}</c>. 401 (1000–1004) stops the run; 429 with 1303
    /// (parallel tasks over the resource pack's limit) is backpressure, with 1100/1101/1102 (account, arrears, resource
    /// pack used up) a quota that stops the run; 1301 (content security) is moderation; 5xx (5000–5002) is transient.
    /// </summary>
    public static WireFailure ParseError(HttpStatusCode status, string body)
    {
        string? message = null, code = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            message = Wire.String(doc.RootElement, "message");
            code = Wire.String(doc.RootElement, "code");
        }
        catch (JsonException)
        {
        }

        var cls = ((int)status, code) switch
        {
            (401 or 403, _) => ErrorClass.QuotaOrAuth,
            (429, "1100" or "1101" or "1102") => ErrorClass.QuotaOrAuth,
            (_, "1301") => ErrorClass.Moderation,
            (408 or 409 or 429, _) or (>= 500, _) => ErrorClass.Transient,
            _ => ErrorClass.Invalid,
        };
        return new WireFailure(cls, message, code, cls == ErrorClass.Moderation ? "prompt" : null);
    }
}
