using System.Globalization;
using System.Net;
using System.Text.Json;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Runway;

/// <summary>Runway's task states and error bodies.</summary>
internal static class RunwayWire
{
    /// <summary>
    /// A task as a neutral status: PENDING and THROTTLED (over the concurrency limit: accepted, waiting) are queued,
    /// RUNNING runs, SUCCEEDED succeeded; FAILED and CANCELLED failed, moderation when the failure code is a
    /// <c>SAFETY.*</c> one (it names the input: <c>SAFETY.INPUT.TEXT</c> → the prompt).
    /// </summary>
    public static JobStatus ParseTask(string jobId, JsonElement task, Action<string, string> unknown)
    {
        var status = Wire.String(task, "status") ?? "";
        var created = Wire.String(task, "createdAt") is { } c && DateTimeOffset.TryParse(c, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
        switch (status)
        {
            case "PENDING":
            case "THROTTLED":
                return new JobStatus(jobId, JobState.Queued, 0, CreatedAt: created);
            case "RUNNING":
                var progress = task.ValueKind == JsonValueKind.Object && task.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Number
                    ? (int)Math.Clamp(Math.Round(p.GetDouble() * 100), 1, 99)
                    : 50;
                return new JobStatus(jobId, JobState.Running, progress, CreatedAt: created);
            case "SUCCEEDED":
                return new JobStatus(jobId, JobState.Succeeded, 100, CreatedAt: created);
            case "CANCELLED":
                return new JobStatus(jobId, JobState.Failed, 100, new ProviderError(ErrorClass.Invalid, $"runway task {jobId} was cancelled", "CANCELLED"), CreatedAt: created);
            case "FAILED":
                var failure = Wire.String(task, "failure") ?? "the task failed";
                var code = Wire.String(task, "failureCode");
                return new JobStatus(jobId, JobState.Failed, 100, Failure(jobId, failure, code), CreatedAt: created);
            default:
                unknown(jobId, status);
                return new JobStatus(jobId, JobState.Running, 50, CreatedAt: created);
        }
    }

    private static ProviderError Failure(string jobId, string failure, string? code)
    {
        if (code?.StartsWith("SAFETY", StringComparison.OrdinalIgnoreCase) == true)
        {
            var input = code.ToUpperInvariant() switch
            {
                var t when t.Contains("TEXT", StringComparison.Ordinal) => "the prompt",
                var t when t.Contains("IMAGE", StringComparison.Ordinal) => "an input image",
                var t when t.Contains("VIDEO", StringComparison.Ordinal) && t.Contains("INPUT", StringComparison.Ordinal) => "the input video",
                _ => "the output",
            };
            return new ProviderError(ErrorClass.Moderation, $"runway task {jobId} was refused by moderation ({input}): {failure}", code, input == "the prompt" ? "promptText" : null);
        }

        // The job is over either way (an INTERNAL.* failure included): the step reports it, a later run may try again.
        return new ProviderError(ErrorClass.Invalid,
            $"runway task {jobId} failed: {failure}", code);
    }

    /// <summary>
    /// Runway's error bodies: <c>{"error": "…"}</c>, with <c>issues: [{path, message}]</c> on a 400 that names a field.
    /// 401/403 stop the run; 429 (over the daily cap or the rate limit) is backpressure; 5xx is transient.
    /// </summary>
    public static WireFailure ParseError(HttpStatusCode status, string body)
    {
        string? message = null, param = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            message = Wire.String(root, "error") ?? Wire.String(root, "message");
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("issues", out var issues) && issues.ValueKind == JsonValueKind.Array && issues.GetArrayLength() > 0)
            {
                var first = issues[0];
                if (first.TryGetProperty("path", out var path) && path.ValueKind == JsonValueKind.Array)
                {
                    param = string.Join('.', path.EnumerateArray().Select(e => e.ToString()));
                }

                if (Wire.String(first, "message") is { } detail)
                {
                    message = message is null ? detail : $"{message}: {detail}";
                }
            }
        }
        catch (JsonException)
        {
        }

        var cls = (int)status switch
        {
            401 or 403 => ErrorClass.QuotaOrAuth,
            408 or 409 or 429 or >= 500 => ErrorClass.Transient,
            _ when message?.Contains("moderation", StringComparison.OrdinalIgnoreCase) == true || message?.Contains("content policy", StringComparison.OrdinalIgnoreCase) == true => ErrorClass.Moderation,
            _ => ErrorClass.Invalid,
        };
        return new WireFailure(cls, message, null, string.IsNullOrEmpty(param) ? null : param);
    }
}
