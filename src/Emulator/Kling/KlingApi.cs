using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;
using Reel.Emulator.OpenAi;
using Reel.Emulator.Rendering;
using Reel.Engine.Core;

namespace Reel.Emulator.Kling;

/// <summary>
/// Kling's video API (providers-2026.md §1.4): <c>POST /v1/videos/{text2video|image2video|omni-video|video-extend}</c>
/// answering <c>{code: 0, message: "SUCCEED", request_id, data: {task_id, task_status: "submitted", task_info:
/// {external_task_id}, created_at, updated_at}}</c>; <c>GET /v1/videos/{kind}/{id}</c> by task id or by
/// <c>external_task_id</c> (unique per account: a reuse is 400 1201); <c>GET /v1/videos/{kind}</c> lists. Tasks go
/// submitted → processing → succeed (<c>task_result.videos[{id, url, duration}]</c>, kept 30 days) or failed (the
/// moderation fault: risk control). Images are raw base64 (a <c>data:</c> prefix is refused, as Kling documents).
/// </summary>
internal sealed partial class KlingApi(JobHost jobs)
{
    /// <summary>How long generated videos stay downloadable (Kling: 30 days).</summary>
    internal static readonly TimeSpan VideoLifetime = TimeSpan.FromDays(30);

    /// <summary>Seconds video-extend adds.</summary>
    internal const int ExtensionSeconds = 5;

    private static readonly string[] GenerateModels = ["kling-v3", "kling-v2-6", "kling-v2-5-turbo", "kling-v2-1", "kling-v1-6"];
    private static readonly string[] OmniModels = ["kling-v3-omni", "kling-video-o1"];
    private static readonly string[] Ratios = ["16:9", "9:16", "1:1"];

    private readonly JobHost _jobs = jobs;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, KlingTask> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KlingTask> _byExternal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KlingTask> _byVideo = new(StringComparer.Ordinal);
    // Random start: a restarted emulator on the same data directory must not reuse an id (its clip is cached by id).
    private long _ids = 800_000_000_000_000_000 + Random.Shared.NextInt64(0, 100_000_000_000_000_000);

    private sealed class KlingTask
    {
        public required string Kind { get; init; }

        public required string TaskId { get; init; }

        public required string VideoId { get; init; }

        public string? ExternalId { get; init; }

        public required VideoJob Job { get; init; }
    }

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        return (segments, method) switch
        {
            (["kling", "v1", "videos", var kind], "POST") when IsKind(kind) => Create(kind, await ReadAsync(context, cancellationToken).ConfigureAwait(false), BaseUrl(context)),
            (["kling", "v1", "videos", var kind], "GET") when IsKind(kind) => List(context, kind),
            (["kling", "v1", "videos", var kind, var id], "GET") when IsKind(kind) => Envelope(TaskJson(Find(kind, id), BaseUrl(context))),
            (["kling-cdn", var file], "GET") => await DownloadAsync(file, cancellationToken).ConfigureAwait(false),
            (["kling", "v1", "videos", var kind, ..], _) when IsKind(kind) => throw new KlingError(405, 1202, $"Invalid request method {method}"),
            _ => throw new KlingError(404, 1203, $"The requested resource does not exist: {method} {context.Request.Path}"),
        };
    }

    private static bool IsKind(string kind) => kind is "text2video" or "image2video" or "omni-video" or "video-extend";

    private static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    private static JsonResult Envelope(JsonNode data) => JsonResult.Ok(new JsonObject
    {
        ["code"] = 0,
        ["message"] = "SUCCEED",
        ["request_id"] = Guid.NewGuid().ToString("N"),
        ["data"] = data,
    });

    private static async Task<JsonObject> ReadAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var bytes = await JsonBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        return (bytes.Length == 0 ? null : JsonBody.Parse(bytes)) as JsonObject ?? throw new KlingError(400, 1200, "Invalid request parameters: the body must be a JSON object");
    }

    // ---------------------------------------------------------------- create

    private JsonResult Create(string kind, JsonObject body, string root)
    {
        var external = Text(body, "external_task_id", 1, 128);
        if (external is not null)
        {
            lock (_gate)
            {
                if (_byExternal.ContainsKey(external))
                {
                    throw KlingError.Param("external_task_id", "external_task_id already exists");
                }
            }
        }

        var negative = Text(body, "negative_prompt", 0, 2500);
        var content = new JsonObject { ["kind"] = kind, ["negative_prompt"] = negative };
        VideoJobSpec spec = kind switch
        {
            "video-extend" => Extend(body, content),
            _ => Generate(kind, body, content),
        };
        var task = Register(kind, external, spec);
        return Envelope(TaskJson(task, root));
    }

    private sealed record VideoJobSpec(string Kind, string Model, string Prompt, VideoSize Size, int Seconds, int SegmentSeconds, JsonObject Content, VideoJob? Source = null, string? ReferencePath = null);

    private VideoJobSpec Generate(string kind, JsonObject body, JsonObject content)
    {
        var omni = kind == "omni-video";
        var model = Text(body, "model_name", 1, 64) ?? (omni ? "kling-video-o1" : "kling-v1");
        var models = omni ? OmniModels : GenerateModels;
        if (!models.Contains(model))
        {
            throw KlingError.Param("model_name", $"'{model}' is not one of {string.Join(", ", models)}");
        }

        var prompt = Text(body, "prompt", 0, 2500);
        var multiShot = KlingMultiShot.Requested(body);
        if (multiShot && omni)
        {
            throw KlingError.Param("multi_shot", "the emulator takes multi_shot on text2video and image2video only (omni-video's is not documented)");
        }

        if (kind != "image2video" && string.IsNullOrEmpty(prompt) && !multiShot)
        {
            throw KlingError.Param("prompt", "prompt is required");
        }

        var duration = Text(body, "duration", 1, 3) ?? "5";
        var allowed = model is "kling-v3" or "kling-v3-omni" ? Enumerable.Range(3, 13).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray() : ["5", "10"];
        if (!allowed.Contains(duration))
        {
            throw KlingError.Param("duration", $"'{duration}' is not one of {string.Join(", ", allowed)} for {model}");
        }

        var mode = Choice(body, "mode", ["std", "pro"]) ?? "std";
        var aspect = Choice(body, "aspect_ratio", Ratios) ?? "16:9";
        var sound = Choice(body, "sound", ["on", "off"]) ?? "off";
        content["model_name"] = model;
        content["prompt"] = prompt;
        content["duration"] = duration;
        content["mode"] = mode;
        content["sound"] = sound;

        SavedImage? first = null;
        if (kind == "image2video")
        {
            first = Image(body, "image", required: true)!;
            content["image"] = first.Sha;
            if (Image(body, "image_tail", required: false) is { } tail)
            {
                content["image_tail"] = tail.Sha;
            }

            aspect = first.Height > first.Width ? "9:16" : first.Height == first.Width ? "1:1" : "16:9";
        }
        else if (omni && body["image_list"] is { } listNode)
        {
            if (listNode is not JsonArray list || list.Count > 7)
            {
                throw KlingError.Param("image_list", "at most 7 images");
            }

            var hashes = new JsonArray();
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is not JsonObject item)
                {
                    throw KlingError.Param($"image_list[{i}]", "expected an object {image_url, type}");
                }

                var image = Image(item, "image_url", required: true, $"image_list[{i}].image_url")!;
                var type = Choice(item, "type", ["first_frame", "end_frame"]);
                hashes.Add($"{type ?? "reference"}:{image.Sha}");
                if (type == "first_frame")
                {
                    first = image;
                }
            }

            content["image_list"] = hashes;
        }
        else if (kind == "text2video" && body["image"] is not null)
        {
            throw KlingError.Param("image", "text2video takes no image: use image2video");
        }

        if (omni)
        {
            // The emulator keeps no element library and takes no reference videos: any such name is past the end.
            KlingPromptReferences.Check(prompt, (body["image_list"] as JsonArray)?.Count ?? 0, 0, 0);
        }

        content["aspect_ratio"] = aspect;
        var side = mode == "pro" ? 1080 : 720;
        var size = aspect switch
        {
            "9:16" => new VideoSize(side, side * 16 / 9),
            "1:1" => new VideoSize(side, side),
            _ => new VideoSize(side * 16 / 9, side),
        };
        var seconds = int.Parse(duration, CultureInfo.InvariantCulture);
        var shown = multiShot ? KlingMultiShot.Read(body, model, prompt, seconds, content) : prompt ?? "";
        return new VideoJobSpec("generate", model, shown, size, seconds, seconds, content, ReferencePath: first?.Path);
    }

    private VideoJobSpec Extend(JsonObject body, JsonObject content)
    {
        var videoId = Text(body, "video_id", 1, 128) ?? throw KlingError.Param("video_id", "video_id is required");
        KlingTask? source;
        lock (_gate)
        {
            _byVideo.TryGetValue(videoId, out source);
        }

        if (source is null || source.Job.Observe(_jobs.Now).Status != "completed")
        {
            throw KlingError.Param("video_id", $"video {videoId} does not exist or is not a finished video");
        }

        var prompt = Text(body, "prompt", 0, 2500) ?? "";
        content["video_id"] = videoId;
        content["prompt"] = prompt;
        return new VideoJobSpec("extend", source.Job.Model, prompt, source.Job.Size, source.Job.Seconds + ExtensionSeconds, ExtensionSeconds, content, Source: source.Job);
    }

    private KlingTask Register(string kind, string? external, VideoJobSpec spec)
    {
        var fingerprint = JobHost.Fingerprint(spec.Content);
        var taskId = Interlocked.Increment(ref _ids).ToString(CultureInfo.InvariantCulture);
        var job = new VideoJob
        {
            Id = taskId,
            Kind = spec.Kind,
            Prompt = spec.Prompt,
            Model = spec.Model,
            Size = spec.Size,
            Seconds = spec.Seconds,
            SegmentSeconds = spec.SegmentSeconds,
            CreatedAt = _jobs.Now,
            Duration = _jobs.DurationOf(spec.SegmentSeconds),
            AssetLifetime = VideoLifetime,
            Seed = JobHost.SeedOf(fingerprint, taskId), // the API takes no seed
            Sequence = _jobs.NextSequence(),
            Blocked = _jobs.Faults.NextModeration(),
            Source = spec.Source,
            Extensions = spec.Source is { } s ? s.Extensions + 1 : 0,
            ReferencePath = spec.ReferencePath,
        };
        var task = new KlingTask { Kind = kind, TaskId = taskId, VideoId = Guid.NewGuid().ToString("D"), ExternalId = external, Job = job };
        lock (_gate)
        {
            if (external is not null && !_byExternal.TryAdd(external, task))
            {
                throw KlingError.Param("external_task_id", "external_task_id already exists");
            }

            _tasks.Add(taskId, task);
            _byVideo.Add(task.VideoId, task);
        }

        _jobs.Created(taskId, spec.Kind, fingerprint, [job], image: spec.ReferencePath is not null);
        return task;
    }

    // ---------------------------------------------------------------- query

    private KlingTask Find(string kind, string id)
    {
        lock (_gate)
        {
            var task = _tasks.TryGetValue(id, out var t) ? t : _byExternal.TryGetValue(id, out var e) ? e : null;
            return task is not null && task.Kind == kind ? task : throw new KlingError(404, 1203, $"The requested resource does not exist: task {id}");
        }
    }

    private JsonResult List(HttpContext context, string kind)
    {
        var page = int.TryParse(context.Request.Query["pageNum"], CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var size = int.TryParse(context.Request.Query["pageSize"], CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 500 ? s : 30;
        List<KlingTask> tasks;
        lock (_gate)
        {
            tasks = [.. _tasks.Values.Where(t => t.Kind == kind).OrderByDescending(t => t.Job.Sequence).Skip((page - 1) * size).Take(size)];
        }

        var root = BaseUrl(context);
        return Envelope(new JsonArray([.. tasks.Select(t => (JsonNode)TaskJson(t, root))]));
    }

    private JsonObject TaskJson(KlingTask task, string root)
    {
        var job = task.Job;
        var now = _jobs.Now;
        var state = job.Observe(now);
        var json = new JsonObject
        {
            ["task_id"] = task.TaskId,
            ["task_status"] = state.Status switch
            {
                "queued" => "submitted",
                "in_progress" => "processing",
                "completed" => "succeed",
                _ => "failed",
            },
            ["task_status_msg"] = state.Status == "failed" ? "Failure to pass the risk control system" : "",
            ["task_info"] = new JsonObject { ["external_task_id"] = task.ExternalId },
            ["created_at"] = job.CreatedAt.ToUnixTimeMilliseconds(),
            ["updated_at"] = (state.CompletedAt ?? (state.Status == "failed" ? job.EndsAt : now)).ToUnixTimeMilliseconds(),
        };
        if (state.Status == "completed")
        {
            json["task_result"] = new JsonObject
            {
                ["videos"] = new JsonArray(new JsonObject
                {
                    ["id"] = task.VideoId,
                    ["url"] = $"{root}/kling-cdn/{task.TaskId}.mp4",
                    ["duration"] = job.Seconds.ToString(CultureInfo.InvariantCulture),
                }),
            };
            json["final_unit_deduction"] = (job.SegmentSeconds / 5.0).ToString("0.#", CultureInfo.InvariantCulture);
        }

        return json;
    }

    private async Task<ApiResult> DownloadAsync(string file, CancellationToken cancellationToken)
    {
        var id = file.EndsWith(".mp4", StringComparison.Ordinal) ? file[..^4] : file;
        KlingTask? task;
        lock (_gate)
        {
            _tasks.TryGetValue(id, out task);
        }

        var state = task?.Job.Observe(_jobs.Now);
        if (task is null || state is not { Status: "completed" } || state.Value.ExpiresAt <= _jobs.Now)
        {
            throw new KlingError(404, 1203, "The requested resource does not exist (generated videos are deleted after 30 days)");
        }

        return new FileResult(await _jobs.Clips.VideoAsync(task.Job, cancellationToken).ConfigureAwait(false), "video/mp4");
    }
}
