using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Engine.Core;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Fal;

/// <summary>A fal job: the endpoint family (<c>owner/alias</c>) and the queue's request id.</summary>
internal sealed record FalJobId(string Family, string RequestId)
{
    /// <summary><c>fal-ai/veo3.1/fast/image-to-video</c> → <c>fal-ai/veo3.1</c>: status and result URLs drop the sub-path.</summary>
    public static string FamilyOf(string endpoint)
    {
        var parts = endpoint.Split('/');
        return parts.Length >= 2 ? parts[0] + "/" + parts[1] : endpoint;
    }

    public static FalJobId Parse(string jobId)
    {
        var colon = jobId.LastIndexOf(':');
        if (colon <= 0 || colon == jobId.Length - 1 || jobId[..colon].Split('/').Length != 2)
        {
            throw ProviderException.Invalid($"'{jobId}' is not a fal job id (owner/alias:request_id)");
        }

        return new FalJobId(jobId[..colon], jobId[(colon + 1)..]);
    }

    public Uri ResultUrl(Uri queue) => new(FalProvider.Root(queue) + $"{Family}/requests/{Uri.EscapeDataString(RequestId)}");

    public Uri StatusUrl(Uri queue, bool logs) => new(ResultUrl(queue) + "/status" + (logs ? "?logs=1" : ""));

    public override string ToString() => Family + ":" + RequestId;
}

/// <summary>fal's request bodies, statuses and errors.</summary>
internal static class FalWire
{
    /// <summary>The fields every generation and extension shares: prompt, shape, seed and the step's provider options.</summary>
    public static JsonObject Common(string prompt, VideoSize size, int seconds, long? seed, ImmutableArray<StepOption> options, string model)
    {
        var body = new JsonObject { ["prompt"] = prompt };
        body["aspect_ratio"] = size.IsPortrait ? "9:16" : "16:9";
        body["resolution"] = Math.Min(size.Width, size.Height) >= 1080 ? "1080p" : "720p";
        if (model == "sora-2")
        {
            body["duration"] = seconds.ToString(CultureInfo.InvariantCulture);
            return body;
        }

        body["duration"] = seconds.ToString(CultureInfo.InvariantCulture) + "s";
        if (seed is { } value)
        {
            body["seed"] = value;
        }

        foreach (var option in options.Where(o => !o.IsPath))
        {
            body[option.Name] = option.Kind switch
            {
                OptionKind.Flag => option.Value == "true",
                OptionKind.Integer => long.Parse(option.Value!, CultureInfo.InvariantCulture),
                _ => option.Value,
            };
        }

        return body;
    }

    /// <summary>A status answer as a neutral status; COMPLETED with an <c>error</c> is a failure.</summary>
    public static JobStatus ParseStatus(string jobId, JsonElement root, Action<string, string> unknown)
    {
        var status = Wire.String(root, "status") ?? "";
        switch (status)
        {
            case "IN_QUEUE":
                return new JobStatus(jobId, JobState.Queued, 0);
            case "IN_PROGRESS":
                return new JobStatus(jobId, JobState.Running, 50);
            case "COMPLETED":
                var error = ErrorText(root);
                if (error is null)
                {
                    return new JobStatus(jobId, JobState.Succeeded, 100);
                }

                var type = Wire.String(root, "error_type");
                var cls = IsModeration(type, error) ? ErrorClass.Moderation : ErrorClass.Invalid;
                return new JobStatus(jobId, JobState.Failed, 100, new ProviderError(cls, $"fal job {jobId} failed: {error}", type));
            default:
                unknown(jobId, status);
                return new JobStatus(jobId, JobState.Running, 50);
        }
    }

    /// <summary>fal's error bodies: <c>{"detail": "…"}</c>, <c>{"detail": [{loc, msg, type}]}</c> or <c>{"message": "…"}</c>.</summary>
    public static WireFailure ParseError(HttpStatusCode status, string body)
    {
        string? message = null, type = null, param = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail", out var detail))
            {
                if (detail.ValueKind == JsonValueKind.Array && detail.GetArrayLength() > 0)
                {
                    var first = detail[0];
                    message = Wire.String(first, "msg");
                    type = Wire.String(first, "type");
                    if (first.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array)
                    {
                        param = string.Join('.', loc.EnumerateArray().Select(l => l.ToString()).Where(l => l != "body"));
                    }
                }
                else
                {
                    message = detail.ValueKind == JsonValueKind.String ? detail.GetString() : detail.ToString();
                }
            }
            else
            {
                message = Wire.String(root, "message") ?? Wire.String(root, "error");
            }
        }
        catch (JsonException)
        {
        }

        var code = (int)status;
        var cls = code switch
        {
            401 or 403 => ErrorClass.QuotaOrAuth,
            408 or 409 or 425 or 429 or >= 500 => ErrorClass.Transient,
            _ when IsModeration(type, message) => ErrorClass.Moderation,
            _ => ErrorClass.Invalid,
        };
        return new WireFailure(cls, message, type, string.IsNullOrEmpty(param) ? null : param);
    }

    private static string? ErrorText(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? (e.ValueKind == JsonValueKind.String ? e.GetString() : e.ToString())
            : null;

    private static bool IsModeration(string? type, string? message) =>
        (type?.Contains("content_policy", StringComparison.OrdinalIgnoreCase) ?? false)
        || (message?.Contains("content policy", StringComparison.OrdinalIgnoreCase) ?? false)
        || (message?.Contains("safety", StringComparison.OrdinalIgnoreCase) ?? false);
}
