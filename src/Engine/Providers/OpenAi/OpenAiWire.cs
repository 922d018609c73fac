using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.OpenAi;

/// <summary>The provider's error body, <c>{"error":{message,type,param,code}}</c>; every field optional.</summary>
internal sealed record WireError(string? Message, string? Type, string? Param, string? Code);

/// <summary>Tolerant JSON reading and writing for the <c>/v1/videos</c> wire shapes (openai-videos.md §2–§10).</summary>
internal static class OpenAiWire
{
    /// <summary>Maps a <c>video</c> object to the neutral status. Unknown fields are ignored.</summary>
    public static JobStatus ParseVideo(JsonElement video, TimeSpan? pollAfter, Action<string, string>? onUnknownStatus = null)
    {
        var id = String(video, "id") ?? string.Empty;
        var status = String(video, "status")?.ToLowerInvariant() ?? string.Empty;
        var progress = (int)Math.Clamp(Int64(video, "progress") ?? 0, 0, 100);
        var error = ParseJobError(video, status);
        var state = status switch
        {
            "queued" or "pending" => JobState.Queued,
            "in_progress" or "running" or "processing" => JobState.Running,
            "completed" or "succeeded" => JobState.Succeeded,
            "failed" or "expired" or "canceled" or "cancelled" => JobState.Failed,
            _ => Unknown(),
        };
        if (state == JobState.Succeeded)
        {
            progress = 100;
        }

        var created = Int64(video, "created_at");
        return new JobStatus(
            id,
            state,
            progress,
            state == JobState.Failed ? error : null,
            pollAfter,
            Seconds: Int32(video, "seconds"),
            Size: String(video, "size"),
            CreatedAt: created is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null,
            Prompt: String(video, "prompt"),
            Model: String(video, "model"));

        JobState Unknown()
        {
            onUnknownStatus?.Invoke(id, status);
            return JobState.Running;
        }
    }

    private static ProviderError? ParseJobError(JsonElement video, string status)
    {
        string? code = null;
        string? message = null;
        if (video.TryGetProperty("error", out var e))
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                code = String(e, "code");
                message = String(e, "message");
            }
            else if (e.ValueKind == JsonValueKind.String)
            {
                message = e.GetString();
            }
        }

        if (code is null && message is null)
        {
            // A job that ended without running (batch expiry, cancellation) may succeed when submitted again.
            return status is "expired" or "canceled" or "cancelled"
                ? new ProviderError(ErrorClass.Transient, $"video job {status}", status)
                : new ProviderError(ErrorClass.Invalid, "video job failed without an error message");
        }

        var cls = IsModeration(code, message) ? ErrorClass.Moderation : ErrorClass.Invalid;
        return new ProviderError(cls, message ?? code!, code);
    }

    /// <summary>True when a code or message says the content was refused.</summary>
    public static bool IsModeration(string? code, string? message) =>
        (code is not null && (Has(code, "moderation") || Has(code, "policy") || Has(code, "safety")))
        || (message is not null && (Has(message, "moderation") || Has(message, "policy") || Has(message, "safety system")));

    private static bool Has(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);

    public static WireError? ParseError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var e))
            {
                return null;
            }

            return e.ValueKind switch
            {
                JsonValueKind.Object => new WireError(String(e, "message"), String(e, "type"), String(e, "param"), String(e, "code")),
                JsonValueKind.String => new WireError(e.GetString(), null, null, null),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Classifies an HTTP failure (design.md §4).</summary>
    public static ErrorClass Classify(HttpStatusCode status, WireError? error)
    {
        var code = (int)status;
        return code switch
        {
            401 or 403 => ErrorClass.QuotaOrAuth,
            429 when error?.Code == "insufficient_quota" || error?.Type == "insufficient_quota" => ErrorClass.QuotaOrAuth,
            408 or 409 or 425 or 429 or >= 500 => ErrorClass.Transient,
            _ when IsModeration(error?.Code, error?.Message) => ErrorClass.Moderation,
            _ => ErrorClass.Invalid,
        };
    }

    public static string? String(JsonElement obj, string name) => Wire.String(obj, name);

    public static long? Int64(JsonElement obj, string name) => Wire.Int64(obj, name);

    public static int? Int32(JsonElement obj, string name) => Wire.Int32(obj, name);

    public static bool? Bool(JsonElement obj, string name) => Wire.Bool(obj, name);

    /// <summary>The JSON body of a create request (no first-frame image; see <see cref="WithImageUrl"/> for batch).</summary>
    public static JsonObject GenerateBody(GenerateRequest request)
    {
        var body = new JsonObject { ["prompt"] = request.Prompt };
        if (!string.IsNullOrEmpty(request.Model))
        {
            body["model"] = request.Model;
        }

        body["size"] = request.Size.ToString();
        body["seconds"] = Seconds(request.Seconds);
        if (request.Characters.Length > 0)
        {
            var chars = new JsonArray();
            foreach (var c in request.Characters)
            {
                chars.Add(new JsonObject { ["id"] = c.Id });
            }

            body["characters"] = chars;
        }

        return body;
    }

    public static JsonObject WithImageUrl(JsonObject body, string dataUrl)
    {
        body["input_reference"] = new JsonObject { ["image_url"] = dataUrl };
        return body;
    }

    public static JsonObject ExtendBody(ExtendRequest request) => new()
    {
        ["video"] = new JsonObject { ["id"] = request.SourceJobId },
        ["prompt"] = request.Prompt,
        ["seconds"] = Seconds(request.Seconds),
    };

    public static JsonObject EditBody(EditRequest request) => new()
    {
        ["video"] = new JsonObject { ["id"] = request.SourceJobId },
        ["prompt"] = request.Prompt,
    };

    /// <summary>The API types <c>seconds</c> as a string ("8"); an integer is rejected with HTTP 400.</summary>
    public static string Seconds(int seconds) => seconds.ToString(CultureInfo.InvariantCulture);

    public static string? ImageContentType(ReadOnlySpan<byte> head, string path) => Wire.ImageContentType(head, path);

    public static string VideoContentType(string path) => Wire.VideoContentType(path);

    public static string Variant(ContentVariant variant) => variant switch
    {
        ContentVariant.Thumbnail => "thumbnail",
        ContentVariant.Spritesheet => "spritesheet",
        _ => "video",
    };
}
