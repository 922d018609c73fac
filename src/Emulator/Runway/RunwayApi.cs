using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;
using Reel.Emulator.OpenAi;
using Reel.Emulator.Rendering;
using Reel.Engine.Core;

namespace Reel.Emulator.Runway;

/// <summary>
/// Runway's task API (providers-2026.md §1.3, providers.md §2) as <c>@runwayml/sdk</c> 4.20.1 speaks it: creates
/// answer <c>{id}</c>; <c>GET /v1/tasks/{id}</c> shows PENDING (THROTTLED while two earlier tasks run: over the
/// tier's concurrency), RUNNING with <c>progress</c>, SUCCEEDED with <c>output</c> URLs signed for
/// <see cref="OutputLifetime"/> (a fresh signature on every read), FAILED with <c>failure</c>/<c>failureCode</c>
/// (the moderation fault: <c>SAFETY.INPUT.TEXT</c>), CANCELLED; <c>DELETE</c> cancels or deletes. No task list,
/// no idempotency key. Jobs are <see cref="VideoJob"/>s, timed and rendered as the other families'.
/// </summary>
internal sealed class RunwayApi(JobHost jobs)
{
    public const string Version = "2024-11-06";

    /// <summary>How long a signed output URL works (Runway: 24–48 h).</summary>
    internal static readonly TimeSpan OutputLifetime = TimeSpan.FromHours(24);

    /// <summary>Tasks running at once before the next shows THROTTLED (tier 1).</summary>
    private const int Concurrency = 2;

    private static readonly string[] TextModels = ["gen4.5", "veo3.1", "veo3.1_fast"];
    private static readonly string[] ImageModels = ["gen4.5", "gen4_turbo", "veo3.1", "veo3.1_fast"];
    private static readonly string[] Gen4Ratios = ["1280:720", "720:1280"];
    private static readonly string[] Gen4ImageRatios = ["1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672"];
    private static readonly string[] VeoRatios = ["1280:720", "720:1280", "1080:1920", "1920:1080"];

    private readonly JobHost _jobs = jobs;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RunwayTask> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _uploads = new(StringComparer.Ordinal);
    private readonly string _signingKey = JobHost.NewToken();

    private sealed class RunwayTask
    {
        public required VideoJob Job { get; init; }

        public DateTimeOffset? CancelledAt { get; set; }
    }

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        return (segments, method) switch
        {
            (["v1", "text_to_video"], "POST") => Create(await ReadAsync(context, cancellationToken).ConfigureAwait(false), "text_to_video"),
            (["v1", "image_to_video"], "POST") => Create(await ReadAsync(context, cancellationToken).ConfigureAwait(false), "image_to_video"),
            (["v1", "video_to_video"], "POST") => Create(await ReadAsync(context, cancellationToken).ConfigureAwait(false), "video_to_video"),
            (["v1", "tasks", var id], "GET") => JsonResult.Ok(TaskJson(Find(id), BaseUrl(context))),
            (["v1", "tasks", var id], "DELETE") => Delete(id),
            (["v1", "uploads"], "POST") => CreateUpload(await ReadAsync(context, cancellationToken).ConfigureAwait(false), BaseUrl(context)),
            (["v1", "organization"], "GET") => JsonResult.Ok(Organization()),
            (["runway-cdn", "uploads", var token], "POST") => await ReceiveUploadAsync(context, token, cancellationToken).ConfigureAwait(false),
            (["runway-cdn", "outputs", var file], "GET") => await OutputAsync(context, file, cancellationToken).ConfigureAwait(false),
            (["v1", "text_to_video" or "image_to_video" or "video_to_video" or "uploads"], _) or (["v1", "tasks", _], _) or (["v1", "organization"], _) =>
                throw new RunwayError(405, $"Method {method} is not allowed on {context.Request.Path}."),
            _ => throw new RunwayError(404, $"Not found: {method} {context.Request.Path}"),
        };
    }

    private static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    private static async Task<JsonObject> ReadAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var bytes = await JsonBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        return (bytes.Length == 0 ? null : JsonBody.Parse(bytes)) as JsonObject ?? throw new RunwayError(400, "Validation of body failed: the body must be a JSON object.");
    }

    // ---------------------------------------------------------------- create

    private JsonResult Create(JsonObject body, string endpoint)
    {
        var model = Text(body, "model", required: true)!;
        var allowed = endpoint switch
        {
            "text_to_video" => TextModels,
            "image_to_video" => ImageModels,
            _ => ["aleph2"],
        };
        if (!allowed.Contains(model))
        {
            throw RunwayError.Invalid("model", $"Invalid enum value. Expected {string.Join(" | ", allowed.Select(a => $"'{a}'"))}, received '{model}'");
        }

        var veo = model.StartsWith("veo", StringComparison.Ordinal);
        var prompt = Text(body, "promptText", required: endpoint != "image_to_video" || veo);
        if (prompt is { Length: > 1000 })
        {
            throw RunwayError.Invalid("promptText", "String must contain at most 1000 character(s)");
        }

        var seed = Integer(body, "seed", 0, uint.MaxValue);
        var content = new JsonObject { ["endpoint"] = endpoint, ["model"] = model, ["promptText"] = prompt, ["seed"] = seed };
        if (endpoint == "video_to_video")
        {
            var video = Video(Text(body, "videoUri", required: true)!);
            content["video"] = video.Sha;
            return Register(new VideoJobSpec("edit", model, prompt ?? "", video.Size, video.Seconds, content, SourcePath: video.Path));
        }

        var ratios = veo ? VeoRatios : endpoint == "image_to_video" ? Gen4ImageRatios : Gen4Ratios;
        var ratio = Text(body, "ratio", required: true)!;
        if (!ratios.Contains(ratio))
        {
            throw RunwayError.Invalid("ratio", $"Invalid enum value. Expected {string.Join(" | ", ratios.Select(a => $"'{a}'"))}, received '{ratio}'");
        }

        int seconds;
        if (veo)
        {
            seconds = (int)(Integer(body, "duration", 4, 8) ?? 8);
            if (seconds is not (4 or 6 or 8))
            {
                throw RunwayError.Invalid("duration", "Expected 4 | 6 | 8");
            }

            if (body["audio"] is { } audio && audio.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw RunwayError.Invalid("audio", "Expected boolean");
            }

            content["audio"] = body["audio"]?.GetValue<bool>() ?? true;
            content["negativePrompt"] = Text(body, "negativePrompt", required: false);
        }
        else
        {
            seconds = (int)(Integer(body, "duration", 2, 10) ?? throw RunwayError.Invalid("duration", "Required"));
        }

        var parts = ratio.Split(':');
        var size = new VideoSize(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        content["ratio"] = ratio;
        content["duration"] = seconds;
        string? firstFrame = null;
        if (endpoint == "image_to_video")
        {
            var images = body["promptImage"] switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => [(v.GetValue<string>(), "first")],
                JsonArray a when a.Count is > 0 and <= 2 => a.Select((item, i) => item is JsonObject o && o["uri"] is JsonValue u && u.GetValueKind() == JsonValueKind.String
                    ? (u.GetValue<string>(), o["position"]?.GetValue<string>() ?? "first")
                    : throw RunwayError.Invalid($"promptImage.{i}.uri", "Required")).ToList(),
                null => throw RunwayError.Invalid("promptImage", "Required"),
                _ => throw RunwayError.Invalid("promptImage", "Expected a URI or 1–2 {uri, position} objects"),
            };
            var hashes = new JsonArray();
            foreach (var (uri, position) in images)
            {
                if (position is not ("first" or "last") || (position == "last" && !veo))
                {
                    throw RunwayError.Invalid("promptImage.position", veo ? "Expected 'first' | 'last'" : $"{model} takes a first frame only");
                }

                var image = Image(uri, "promptImage");
                hashes.Add($"{position}:{image.Sha}");
                if (position == "first")
                {
                    firstFrame = image.Path;
                }
            }

            content["promptImage"] = hashes;
        }

        return Register(new VideoJobSpec("generate", model, prompt ?? "", size, seconds, content, ReferencePath: firstFrame));
    }

    private sealed record VideoJobSpec(string Kind, string Model, string Prompt, VideoSize Size, int Seconds, JsonObject Content, string? SourcePath = null, string? ReferencePath = null);

    private JsonResult Register(VideoJobSpec spec)
    {
        var fingerprint = JobHost.Fingerprint(spec.Content);
        var id = Guid.NewGuid().ToString("D");
        var job = new VideoJob
        {
            Id = id,
            Kind = spec.Kind,
            Prompt = spec.Prompt,
            Model = spec.Model,
            Size = spec.Size,
            Seconds = spec.Seconds,
            SegmentSeconds = spec.Seconds,
            CreatedAt = _jobs.Now,
            Duration = _jobs.DurationOf(spec.Seconds),
            AssetLifetime = TimeSpan.MaxValue / 4,
            Seed = spec.Content["seed"] is null ? JobHost.SeedOf(fingerprint, id) : JobHost.SeedOf(fingerprint),
            Sequence = _jobs.NextSequence(),
            Blocked = _jobs.Faults.NextModeration(),
            SourcePath = spec.SourcePath,
            ReferencePath = spec.ReferencePath,
        };
        lock (_gate)
        {
            _tasks.Add(id, new RunwayTask { Job = job });
        }

        _jobs.Created(id, spec.Kind, fingerprint, [job], Reel.Emulator.Audit.AuditLog.SeedIn(spec.Content), image: spec.ReferencePath is not null);
        return JsonResult.Ok(new JsonObject { ["id"] = id });
    }

    // ---------------------------------------------------------------- tasks

    private RunwayTask Find(string id)
    {
        lock (_gate)
        {
            return _tasks.TryGetValue(id, out var task) && !task.Job.Deleted ? task : throw new RunwayError(404, "Task not found.");
        }
    }

    private JsonObject TaskJson(RunwayTask task, string root)
    {
        var job = task.Job;
        var now = _jobs.Now;
        var state = job.Observe(now);
        var json = new JsonObject
        {
            ["id"] = job.Id,
            ["createdAt"] = job.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        if (task.CancelledAt is { } cancelled && cancelled < job.EndsAt)
        {
            json["status"] = "CANCELLED";
            return json;
        }

        switch (state.Status)
        {
            case "queued":
                json["status"] = RunningBefore(job, now) >= Concurrency ? "THROTTLED" : "PENDING";
                break;
            case "in_progress":
                json["status"] = "RUNNING";
                json["progress"] = Math.Round(state.Progress / 100.0, 2);
                break;
            case "completed":
                json["status"] = "SUCCEEDED";
                json["output"] = new JsonArray(SignedUrl(root, job.Id, now + OutputLifetime));
                break;
            default:
                json["status"] = "FAILED";
                json["failure"] = "The prompt was flagged by our content moderation system.";
                json["failureCode"] = "SAFETY.INPUT.TEXT";
                break;
        }

        return json;
    }

    /// <summary>Earlier tasks still running at <paramref name="now"/>.</summary>
    private int RunningBefore(VideoJob job, DateTimeOffset now)
    {
        lock (_gate)
        {
            return _tasks.Values.Count(t => t.Job.Sequence < job.Sequence && t.Job.Observe(now).Status == "in_progress");
        }
    }

    /// <summary>Cancels a running task (it ends CANCELLED) or deletes a finished one (then 404): 204 either way.</summary>
    private ApiResult Delete(string id)
    {
        var task = Find(id);
        lock (_gate)
        {
            var now = _jobs.Now;
            if (task.Job.Observe(now).IsTerminal || task.CancelledAt is not null)
            {
                task.Job.Deleted = true;
            }
            else
            {
                task.CancelledAt = now;
            }
        }

        return new EmptyResult(204);
    }

    private static JsonObject Organization() => new()
    {
        ["creditBalance"] = 100000,
        ["tier"] = new JsonObject { ["maxMonthlyCreditSpend"] = 10000, ["models"] = new JsonObject() },
        ["usage"] = new JsonObject { ["models"] = new JsonObject() },
    };

    // ---------------------------------------------------------------- outputs and uploads

    private string SignedUrl(string root, string id, DateTimeOffset expires)
    {
        var exp = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{root}/runway-cdn/outputs/{id}.mp4?exp={exp}&sig={Signature(id, exp)}";
    }

    private string Signature(string id, string exp) => JobHost.Sha256(System.Text.Encoding.UTF8.GetBytes($"{_signingKey}:{id}:{exp}"))[..32];

    /// <summary>A signed output: 403 when the signature is wrong or expired (ask the task for a fresh URL).</summary>
    private async Task<ApiResult> OutputAsync(HttpContext context, string file, CancellationToken cancellationToken)
    {
        var id = file.EndsWith(".mp4", StringComparison.Ordinal) ? file[..^4] : file;
        var exp = context.Request.Query["exp"].ToString();
        var sig = context.Request.Query["sig"].ToString();
        if (!string.Equals(sig, Signature(id, exp), StringComparison.Ordinal) || !long.TryParse(exp, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new RunwayError(403, "Invalid signature.");
        }

        if (DateTimeOffset.FromUnixTimeSeconds(seconds) <= _jobs.Now)
        {
            throw new RunwayError(403, "Request has expired.");
        }

        var task = Find(id);
        var path = await _jobs.Clips.VideoAsync(task.Job, cancellationToken).ConfigureAwait(false);
        return new FileResult(path, "video/mp4");
    }

    /// <summary><c>POST /v1/uploads {filename, type: "ephemeral"}</c> → <c>{uploadUrl, fields, runwayUri}</c>.</summary>
    private JsonResult CreateUpload(JsonObject body, string root)
    {
        var filename = Text(body, "filename", required: true)!;
        var type = Text(body, "type", required: true);
        if (type != "ephemeral")
        {
            throw RunwayError.Invalid("type", "Expected 'ephemeral'");
        }

        var token = JobHost.NewToken();
        lock (_gate)
        {
            _uploads[token] = null;
        }

        return JsonResult.Ok(new JsonObject
        {
            ["uploadUrl"] = $"{root}/runway-cdn/uploads/{token}",
            ["fields"] = new JsonObject { ["key"] = $"uploads/{token}/{filename}", ["policy"] = Signature(token, "upload") },
            ["runwayUri"] = $"runway://{token}",
        });
    }

    private async Task<ApiResult> ReceiveUploadAsync(HttpContext context, string token, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_uploads.ContainsKey(token))
            {
                throw new RunwayError(404, "No such upload.");
            }
        }

        var form = await RequestBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        if (!form.Files.TryGetValue("file", out var file) || form.Fields["policy"]?.ToString() != Signature(token, "upload"))
        {
            throw new RunwayError(400, "The upload needs the 'fields' it was given and a 'file' part.");
        }

        var path = Path.Combine(_jobs.Uploads, "runway_" + token + ".bin");
        await File.WriteAllBytesAsync(path, file.Bytes, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _uploads[token] = path;
        }

        return new EmptyResult(204);
    }

    // ---------------------------------------------------------------- inputs

    private SavedImage Image(string uri, string field)
    {
        try
        {
            var bytes = uri.StartsWith("runway://", StringComparison.Ordinal) ? File.ReadAllBytes(Uploaded(uri, field)) : InputMedia.Decode(uri, rawBase64: false);
            return InputMedia.SaveImage(bytes, _jobs.Uploads);
        }
        catch (FormatException ex)
        {
            throw RunwayError.Invalid(field, $"Invalid asset: {ex.Message}");
        }
    }

    private SavedVideo Video(string uri)
    {
        try
        {
            return uri.StartsWith("runway://", StringComparison.Ordinal)
                ? InputMedia.Probe(Uploaded(uri, "videoUri"), JobHost.Sha256(File.ReadAllBytes(Uploaded(uri, "videoUri"))))
                : InputMedia.SaveVideo(InputMedia.Decode(uri, rawBase64: false), _jobs.Uploads);
        }
        catch (FormatException ex)
        {
            throw RunwayError.Invalid("videoUri", $"Invalid asset: {ex.Message}");
        }
    }

    private string Uploaded(string uri, string field)
    {
        lock (_gate)
        {
            return _uploads.TryGetValue(uri["runway://".Length..], out var path) && path is not null
                ? path
                : throw RunwayError.Invalid(field, "Invalid asset: no such upload, or it was never completed");
        }
    }

    private static string? Text(JsonObject body, string field, bool required)
    {
        var node = body[field];
        if (node is null)
        {
            return required ? throw RunwayError.Invalid(field, "Required") : null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw RunwayError.Invalid(field, $"Expected string, received {node.GetValueKind().ToString().ToLowerInvariant()}");
    }

    private static long? Integer(JsonObject body, string field, long min, long max)
    {
        var node = body[field];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<long>(out var value))
        {
            throw RunwayError.Invalid(field, "Expected integer");
        }

        return value < min || value > max ? throw RunwayError.Invalid(field, $"Number must be between {min} and {max}") : value;
    }
}
