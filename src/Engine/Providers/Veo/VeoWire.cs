using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Engine.Core;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Veo;

/// <summary>Veo's request parameters, operations and errors (shared/api/providers.md §1).</summary>
internal static class VeoWire
{
    /// <summary>Options named in snake_case in scripts, camelCase on the wire.</summary>
    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["negative_prompt"] = "negativePrompt",
        ["person_generation"] = "personGeneration",
        ["generate_audio"] = "generateAudio",
        ["enhance_prompt"] = "enhancePrompt",
        ["resize_mode"] = "resizeMode",
        ["compression_quality"] = "compressionQuality",
    };

    /// <summary>The request's parameters; <paramref name="durationSeconds"/> is null for an extension (always 7 s).</summary>
    public static JsonObject Parameters(VideoSize size, int? durationSeconds, string? model, long? seed, ImmutableArray<StepOption> options, VeoBackend backend)
    {
        var parameters = new JsonObject
        {
            ["aspectRatio"] = size.IsPortrait ? "9:16" : "16:9",
            ["sampleCount"] = 1,
        };

        if (durationSeconds is { } seconds)
        {
            parameters["durationSeconds"] = seconds;
        }

        var veo2 = model is { } name && name.StartsWith("veo-2", StringComparison.Ordinal);
        if (!veo2)
        {
            parameters["resolution"] = Math.Min(size.Width, size.Height) >= 1080 ? "1080p" : "720p";
        }

        // Vertex wants generateAudio stated for Veo 3 (on by default, as on the Gemini API); Veo 2 is silent.
        if (backend == VeoBackend.Vertex && !veo2)
        {
            parameters["generateAudio"] = true;
        }

        if (backend == VeoBackend.Vertex && seed is { } value)
        {
            parameters["seed"] = value;
        }

        foreach (var option in options.Where(o => !o.IsPath && Fields.ContainsKey(o.Name)))
        {
            parameters[Fields[option.Name]] = option.Kind == OptionKind.Flag ? option.Value == "true" : option.Value;
        }

        return parameters;
    }

    /// <summary>The first generated video: Gemini's <c>generatedSamples[0].video</c> or Vertex's <c>videos[0]</c>.</summary>
    public static JsonElement? FirstVideo(JsonElement operation)
    {
        if (!operation.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (response.TryGetProperty("generateVideoResponse", out var gemini)
            && gemini.TryGetProperty("generatedSamples", out var samples) && samples.ValueKind == JsonValueKind.Array && samples.GetArrayLength() > 0
            && samples[0].TryGetProperty("video", out var video))
        {
            return video;
        }

        return response.TryGetProperty("videos", out var videos) && videos.ValueKind == JsonValueKind.Array && videos.GetArrayLength() > 0
            ? videos[0]
            : null;
    }

    public static JobStatus ParseOperation(string jobId, JsonElement operation, string provider)
    {
        if (Wire.Bool(operation, "done") != true)
        {
            return new JobStatus(jobId, JobState.Running, 50);
        }

        if (operation.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var message = Wire.String(error, "message") ?? "the operation failed";
            var code = Wire.Int32(error, "code");
            var cls = IsSafety(message) ? ErrorClass.Moderation : code is 4 or 8 or 10 or 13 or 14 ? ErrorClass.Transient : ErrorClass.Invalid;
            return new JobStatus(jobId, JobState.Failed, 100, new ProviderError(cls, $"{provider} operation {jobId} failed: {message}", code?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (FirstVideo(operation) is not null)
        {
            return new JobStatus(jobId, JobState.Succeeded, 100);
        }

        var response = operation.TryGetProperty("response", out var r) ? r : default;
        var filtered = response.ValueKind == JsonValueKind.Object && response.TryGetProperty("generateVideoResponse", out var g) ? g : response;
        var reasons = filtered.ValueKind == JsonValueKind.Object && filtered.TryGetProperty("raiMediaFilteredReasons", out var list) && list.ValueKind == JsonValueKind.Array
            ? string.Join("; ", list.EnumerateArray().Select(x => x.ToString()))
            : null;
        return new JobStatus(jobId, JobState.Failed, 100, new ProviderError(
            ErrorClass.Moderation,
            $"{provider} operation {jobId} returned no video: its safety filter removed it{(string.IsNullOrEmpty(reasons) ? "" : ": " + reasons)}",
            "rai_media_filtered"));
    }

    /// <summary>Google's error body <c>{"error":{code,message,status}}</c>, classified.</summary>
    public static WireFailure ParseError(HttpStatusCode status, string body)
    {
        string? message = null, state = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e))
            {
                message = Wire.String(e, "message");
                state = Wire.String(e, "status");
            }
        }
        catch (JsonException)
        {
        }

        var code = (int)status;
        var keyRejected = code == 400 && (message?.Contains("API key", StringComparison.OrdinalIgnoreCase) ?? false);
        var cls = code switch
        {
            401 or 403 => ErrorClass.QuotaOrAuth,
            _ when keyRejected => ErrorClass.QuotaOrAuth,
            408 or 409 or 425 or 429 or >= 500 => ErrorClass.Transient,
            _ when IsSafety(message) => ErrorClass.Moderation,
            _ => ErrorClass.Invalid,
        };
        return new WireFailure(cls, message, state);
    }

    private static bool IsSafety(string? message) =>
        message is not null
        && (message.Contains("safety", StringComparison.OrdinalIgnoreCase)
            || message.Contains("Responsible AI", StringComparison.OrdinalIgnoreCase)
            || message.Contains("usage guidelines", StringComparison.OrdinalIgnoreCase));
}
