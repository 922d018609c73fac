using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;
using Reel.Emulator.OpenAi;
using Reel.Emulator.Rendering;
using Reel.Engine.Core;

namespace Reel.Emulator.Comfy;

/// <summary>
/// ComfyUI's native API, the subset a client that queues API-format workflows needs (providers-2026.md §2.2):
/// <c>GET /system_stats</c>; <c>GET /object_info[/{class}]</c> (the node classes it understands, <see cref="ComfyNodes"/>); <c>POST /upload/image</c> (multipart <c>image</c>) answering <c>{name, subfolder, type}</c>;
/// <c>POST /prompt {prompt, client_id, prompt_id?}</c> answering <c>{prompt_id, number, node_errors}</c> or 400 with
/// <c>node_errors</c>; <c>GET /queue</c>; <c>GET /history[/{id}]</c>; <c>GET /view?filename&amp;subfolder&amp;type</c>.
/// The emulator reads the graph the way the nodes would: the clip's size from a node with <c>width</c> and
/// <c>height</c>, its frames from <c>length</c>, its rate from <c>fps</c> or <c>frame_rate</c>, the prompt from the first
/// <c>CLIPTextEncode</c>. Core <c>SaveVideo</c> outputs land under <c>images</c> with <c>animated: [true]</c>;
/// <c>VHS_VideoCombine</c> under <c>gifs</c>. The moderation fault ends a prompt with an <c>execution_error</c>.
/// As in ComfyUI, a repeated <c>prompt_id</c> is not checked: it queues again.
/// </summary>
internal sealed class ComfyApi(JobHost jobs)
{
    private static readonly string[] OutputNodes = ["SaveVideo", "VHS_VideoCombine"];

    private readonly JobHost _jobs = jobs;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ComfyPrompt> _prompts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _inputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private long _number;

    private sealed class ComfyPrompt
    {
        public required string Id { get; init; }

        public required long Number { get; init; }

        public required JsonObject Graph { get; init; }

        public required string OutputNode { get; init; }

        public required string OutputClass { get; init; }

        public required VideoJob Job { get; init; }
    }

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] route, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        return (route, method) switch
        {
            (["v2", "jobs"], "POST") => CreateJob(await ReadAsync(context, cancellationToken).ConfigureAwait(false), context.Request.Headers["Idempotency-Key"].ToString()),
            (["v2", "jobs"], "GET") => ListJobs(),
            (["v2", "jobs", var id], "GET") => JsonResult.Ok(JobJson(FindJob(id))),
            (["v2", "jobs", var id, "workflow"], "GET") => JsonResult.Ok(new JsonObject { ["workflow"] = FindJob(id).Graph.DeepClone(), ["format"] = "api" }),
            (["v2", "assets"], "POST") => UploadAsset(await RequestBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false)),
            (["v2", "assets", var id, "content"], "GET") => await AssetAsync(id, cancellationToken).ConfigureAwait(false),
            (["v2", ..], _) => throw ComfyError.V2(404, "not_found", $"no route {method} {context.Request.Path}"),
            (["system_stats"], "GET") => JsonResult.Ok(new JsonObject
            {
                ["system"] = new JsonObject { ["os"] = "posix", ["comfyui_version"] = "0.3.76", ["python_version"] = "3.12", ["embedded_python"] = false },
                ["devices"] = new JsonArray(new JsonObject { ["name"] = "emulator", ["type"] = "cpu", ["vram_total"] = 0, ["vram_free"] = 0 }),
            }),
            (["object_info"], "GET") => JsonResult.Ok(ComfyNodes.All()),
            (["object_info", var node], "GET") => JsonResult.Ok(ComfyNodes.One(node)),
            (["upload", "image"], "POST") => Upload(await RequestBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false)),
            (["prompt"], "POST") => Queue(await ReadAsync(context, cancellationToken).ConfigureAwait(false)),
            (["queue"], "GET") => QueueState(),
            (["history"], "GET") => History(null),
            (["history", var id], "GET") => History(id),
            (["view"], "GET") => await ViewAsync(context.Request.Query, cancellationToken).ConfigureAwait(false),
            _ => throw new ComfyError(404, "not_found", $"404: Not Found {method} {context.Request.Path}"),
        };
    }

    private static async Task<JsonObject> ReadAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var bytes = await JsonBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        return (bytes.Length == 0 ? null : JsonBody.Parse(bytes)) as JsonObject ?? throw new ComfyError(400, "invalid_prompt", "Invalid prompt", "the body must be a JSON object");
    }

    // ---------------------------------------------------------------- upload

    private JsonResult Upload(RequestBody body)
    {
        var file = body.Files.GetValueOrDefault("image") ?? throw new ComfyError(400, "invalid_request", "No image uploaded (multipart field 'image')");
        SavedImage saved;
        try
        {
            saved = InputMedia.SaveImage(file.Bytes, _jobs.Uploads);
        }
        catch (FormatException ex)
        {
            throw new ComfyError(400, "invalid_request", "The upload is not an image", ex.Message);
        }

        var subfolder = body.Fields["subfolder"] is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : "";
        var name = Path.GetFileName(file.FileName);
        if (string.IsNullOrEmpty(name))
        {
            name = Path.GetFileName(saved.Path);
        }

        lock (_gate)
        {
            _inputs[subfolder.Length == 0 ? name : subfolder + "/" + name] = saved.Path;
        }

        return JsonResult.Ok(new JsonObject { ["name"] = name, ["subfolder"] = subfolder, ["type"] = "input" });
    }

    // ---------------------------------------------------------------- prompt

    private JsonResult Queue(JsonObject body) => JsonResult.Ok(Enqueue(body).Response);

    private (ComfyPrompt Prompt, JsonObject Response) Enqueue(JsonObject body)
    {
        if (body["prompt"] is not JsonObject graph || graph.Count == 0)
        {
            throw new ComfyError(400, "invalid_prompt", "Invalid prompt", "'prompt' must be an API-format graph {\"<node id>\": {class_type, inputs}}");
        }

        if (graph["nodes"] is JsonArray)
        {
            throw new ComfyError(400, "invalid_prompt", "Invalid prompt", "this is a UI-format workflow; export it in API format");
        }

        string? output = null, outputClass = null, referencePath = null, text = null;
        int? width = null, height = null, length = null, fps = null;
        long seed = 0;
        foreach (var (id, value) in graph)
        {
            if (value is not JsonObject node || node["class_type"] is not JsonValue classNode || classNode.GetValueKind() != JsonValueKind.String || node["inputs"] is not JsonObject inputs)
            {
                throw new ComfyError(400, "invalid_prompt", "Invalid prompt", $"node {id} needs a string class_type and an inputs object");
            }

            var classType = classNode.GetValue<string>();
            foreach (var (name, input) in inputs)
            {
                if (input is JsonArray link && (link.Count != 2 || link[0] is not JsonValue target || !graph.ContainsKey(target.ToString())))
                {
                    throw ComfyError.Node(id, classType, "invalid_link", "Bad linked input", $"{name}: {link.ToJsonString()} names no node");
                }
            }

            if (OutputNodes.Contains(classType) && output is null)
            {
                (output, outputClass) = (id, classType);
            }

            width ??= Int(inputs, "width");
            height ??= Int(inputs, "height");
            length ??= Int(inputs, "length") ?? Int(inputs, "num_frames");
            fps ??= Int(inputs, "fps") ?? Int(inputs, "frame_rate");
            seed = Int64(inputs, "seed") ?? Int64(inputs, "noise_seed") ?? seed;
            if (classType == "CLIPTextEncode" && text is null && inputs["text"] is JsonValue t && t.GetValueKind() == JsonValueKind.String)
            {
                text = t.GetValue<string>();
            }

            if (classType == "LoadImage")
            {
                var image = inputs["image"] is JsonValue i && i.GetValueKind() == JsonValueKind.String ? i.GetValue<string>()
                    : inputs["image"] is JsonObject { } asset && (string?)asset["__type"] == "core/ASSET" && asset["info"]?["id"] is JsonValue assetId ? "asset:" + assetId.ToString() : "";
                lock (_gate)
                {
                    referencePath = _inputs.GetValueOrDefault(image)
                        ?? throw ComfyError.Node(id, classType, "value_not_in_list", "Value not in list", $"image: '{image}' not in [{string.Join(", ", _inputs.Keys.Select(k => $"'{k}'"))}]");
                }
            }
        }

        if (output is null)
        {
            throw new ComfyError(400, "prompt_no_outputs", "Prompt has no outputs", "the emulator runs workflows that end in SaveVideo or VHS_VideoCombine");
        }

        var rate = Math.Clamp(fps ?? 16, 1, 120);
        var seconds = Math.Max(1, (int)Math.Round(((length ?? 81) - 1) / (double)rate));
        var size = new VideoSize(Even(width ?? 848), Even(height ?? 480));
        var promptId = body["prompt_id"] is JsonValue p && p.GetValueKind() == JsonValueKind.String ? p.GetValue<string>() : Guid.NewGuid().ToString("D");
        var fingerprint = JobHost.Fingerprint(new JsonObject { ["prompt"] = graph.DeepClone() });
        var job = new VideoJob
        {
            Id = promptId,
            Kind = "generate",
            Prompt = text ?? "",
            Model = "workflow",
            Size = size,
            Seconds = seconds,
            SegmentSeconds = seconds,
            CreatedAt = _jobs.Now,
            Duration = _jobs.DurationOf(seconds),
            AssetLifetime = TimeSpan.FromDays(3650),
            Seed = seed == 0 ? JobHost.SeedOf(fingerprint) : unchecked((ulong)seed),
            Sequence = _jobs.NextSequence(),
            Blocked = _jobs.Faults.NextModeration(),
            ReferencePath = referencePath,
        };
        var number = Interlocked.Increment(ref _number);
        var prompt = new ComfyPrompt { Id = promptId, Number = number, Graph = graph, OutputNode = output, OutputClass = outputClass!, Job = job };
        lock (_gate)
        {
            _prompts[promptId] = prompt;
        }

        _jobs.Created(promptId, "generate", fingerprint, [job], image: referencePath is not null);
        return (prompt, new JsonObject { ["prompt_id"] = promptId, ["number"] = number, ["node_errors"] = new JsonObject() });
    }

    // ---------------------------------------------------------------- Comfy API v2 (as comfy-api-proxy serves it)

    private JsonResult CreateJob(JsonObject body, string idempotencyKey)
    {
        if (body["workflow"] is not JsonObject workflow)
        {
            throw ComfyError.V2(422, "invalid_workflow", "'workflow' must be an API-format graph");
        }

        if (workflow["nodes"] is JsonArray)
        {
            throw ComfyError.V2(422, "workflow_format_ui", "this is a UI-format workflow; send the API format");
        }

        if (idempotencyKey.Length > 0)
        {
            lock (_gate)
            {
                if (!_keys.Add(idempotencyKey))
                {
                    // Single use, no replay: the client must find the job it made.
                    throw ComfyError.V2(422, "idempotency_key_reuse", "this Idempotency-Key was already used");
                }
            }
        }

        try
        {
            var (prompt, _) = Enqueue(new JsonObject { ["prompt"] = workflow.DeepClone(), ["prompt_id"] = Guid.NewGuid().ToString("D") });
            return new JsonResult(201, JobJson(prompt));
        }
        catch (ComfyError error) when (error.Status == 400)
        {
            lock (_gate)
            {
                _keys.Remove(idempotencyKey);
            }

            throw ComfyError.V2(422, error.Type == "prompt_outputs_failed_validation" ? "invalid_workflow" : error.Type, error.Message, error.NodeErrors);
        }
    }

    private ComfyPrompt FindJob(string id)
    {
        lock (_gate)
        {
            return _prompts.TryGetValue(id, out var prompt) ? prompt : throw ComfyError.V2(404, "not_found", $"job {id} not found");
        }
    }

    private JsonResult ListJobs()
    {
        List<ComfyPrompt> prompts;
        lock (_gate)
        {
            prompts = [.. _prompts.Values.OrderByDescending(p => p.Number)];
        }

        return JsonResult.Ok(new JsonObject { ["jobs"] = new JsonArray([.. prompts.Select(p => (JsonNode)JobJson(p))]) });
    }

    /// <summary>The v2 Job object: <c>queued → running → succeeded | failed</c>, outputs as assets with host-relative URLs.</summary>
    private JsonObject JobJson(ComfyPrompt prompt)
    {
        var state = prompt.Job.Observe(_jobs.Now);
        var status = state.Status switch { "queued" => "queued", "in_progress" => "running", "completed" => "succeeded", _ => "failed" };
        var self = $"/comfy-v2/api/v2/jobs/{prompt.Id}";
        return new JsonObject
        {
            ["id"] = prompt.Id,
            ["status"] = status,
            ["created_at"] = prompt.Job.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
            ["completed_at"] = state.CompletedAt?.ToString("O", CultureInfo.InvariantCulture),
            ["progress"] = new JsonObject { ["value"] = state.Progress / 100.0 },
            ["outputs"] = status == "succeeded"
                ? new JsonArray(new JsonObject
                {
                    ["node_id"] = prompt.OutputNode,
                    ["name"] = FileName(prompt),
                    ["type"] = "video",
                    ["content_type"] = "video/mp4",
                    ["id"] = "out-" + prompt.Id,
                    ["hash"] = null,
                    ["url"] = $"/comfy-v2/api/v2/assets/out-{prompt.Id}/content",
                })
                : new JsonArray(),
            ["error"] = status == "failed"
                ? new JsonObject { ["code"] = "execution_error", ["message"] = "the emulator's moderation fault stopped this job", ["node_id"] = prompt.OutputNode, ["class_type"] = prompt.OutputClass }
                : null,
            ["urls"] = new JsonObject { ["self"] = self, ["events"] = self + "/events", ["cancel"] = self + "/cancel" },
        };
    }

    private JsonResult UploadAsset(RequestBody body)
    {
        var file = body.Files.GetValueOrDefault("file") ?? throw ComfyError.V2(400, "invalid_request", "multipart field 'file' is required");
        SavedImage saved;
        try
        {
            saved = InputMedia.SaveImage(file.Bytes, _jobs.Uploads);
        }
        catch (FormatException ex)
        {
            throw ComfyError.V2(400, "invalid_request", "the emulator takes PNG, JPEG or WebP assets: " + ex.Message);
        }

        var id = "asset-" + saved.Sha[..24];
        bool existed;
        lock (_gate)
        {
            existed = !_inputs.TryAdd("asset:" + id, saved.Path);
        }

        return new JsonResult(existed ? 200 : 201, new JsonObject { ["id"] = id, ["hash"] = null, ["size_bytes"] = file.Bytes.Length, ["content_type"] = file.ContentType ?? "image/png" });
    }

    private async Task<ApiResult> AssetAsync(string id, CancellationToken cancellationToken)
    {
        if (id.StartsWith("out-", StringComparison.Ordinal))
        {
            var prompt = FindJob(id[4..]);
            if (prompt.Job.Observe(_jobs.Now).Status != "completed")
            {
                throw ComfyError.V2(404, "not_found", $"asset {id} not found");
            }

            return new FileResult(await _jobs.Clips.VideoAsync(prompt.Job, cancellationToken).ConfigureAwait(false), "video/mp4");
        }

        lock (_gate)
        {
            return _inputs.TryGetValue("asset:" + id, out var path) ? new FileResult(path, "image/png") : throw ComfyError.V2(404, "not_found", $"asset {id} not found");
        }
    }

    private static int Even(int side) => Math.Clamp(side - (side % 2), 16, 4096);

    private static long? Int64(JsonObject inputs, string name) =>
        inputs[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n : null;

    private static int? Int(JsonObject inputs, string name) => Int64(inputs, name) is { } n ? (int)Math.Clamp(n, int.MinValue, int.MaxValue) : null;

    // ---------------------------------------------------------------- state

    private JsonResult QueueState()
    {
        List<ComfyPrompt> prompts;
        lock (_gate)
        {
            prompts = [.. _prompts.Values.OrderBy(p => p.Number)];
        }

        var now = _jobs.Now;
        JsonArray Entries(string status) => new([.. prompts.Where(p => p.Job.Observe(now).Status == status).Select(p => (JsonNode)new JsonArray(
            p.Number, p.Id, p.Graph.DeepClone(), new JsonObject { ["client_id"] = "reel" }, new JsonArray(p.OutputNode)))]);
        return JsonResult.Ok(new JsonObject { ["queue_running"] = Entries("in_progress"), ["queue_pending"] = Entries("queued") });
    }

    private JsonResult History(string? id)
    {
        List<ComfyPrompt> prompts;
        lock (_gate)
        {
            prompts = id is null ? [.. _prompts.Values.OrderBy(p => p.Number)] : _prompts.TryGetValue(id, out var one) ? [one] : [];
        }

        var result = new JsonObject();
        var now = _jobs.Now;
        foreach (var prompt in prompts)
        {
            var state = prompt.Job.Observe(now);
            if (state.Status is "queued" or "in_progress")
            {
                // Only finished prompts are in the history.
                continue;
            }

            var ms = (state.CompletedAt ?? now).ToUnixTimeMilliseconds();
            var started = new JsonArray("execution_start", new JsonObject { ["prompt_id"] = prompt.Id, ["timestamp"] = prompt.Job.CreatedAt.ToUnixTimeMilliseconds() });
            var entry = new JsonObject
            {
                ["prompt"] = new JsonArray(prompt.Number, prompt.Id, prompt.Graph.DeepClone(), new JsonObject { ["client_id"] = "reel" }, new JsonArray(prompt.OutputNode)),
                ["meta"] = new JsonObject(),
            };
            if (state.Status == "completed")
            {
                var file = new JsonObject { ["filename"] = FileName(prompt), ["subfolder"] = "video", ["type"] = "output" };
                entry["outputs"] = new JsonObject
                {
                    [prompt.OutputNode] = prompt.OutputClass == "SaveVideo"
                        ? new JsonObject { ["images"] = new JsonArray(file), ["animated"] = new JsonArray(true) }
                        : new JsonObject { ["gifs"] = new JsonArray(file.Merge("format", "video/h264-mp4")) },
                };
                entry["status"] = new JsonObject
                {
                    ["status_str"] = "success",
                    ["completed"] = true,
                    ["messages"] = new JsonArray(started, new JsonArray("execution_success", new JsonObject { ["prompt_id"] = prompt.Id, ["timestamp"] = ms })),
                };
            }
            else
            {
                entry["outputs"] = new JsonObject();
                entry["status"] = new JsonObject
                {
                    ["status_str"] = "error",
                    ["completed"] = false,
                    ["messages"] = new JsonArray(started, new JsonArray("execution_error", new JsonObject
                    {
                        ["prompt_id"] = prompt.Id,
                        ["node_id"] = prompt.OutputNode,
                        ["node_type"] = prompt.OutputClass,
                        ["exception_message"] = "the emulator's moderation fault stopped this prompt",
                        ["exception_type"] = "RuntimeError",
                        ["timestamp"] = ms,
                    })),
                };
            }

            result[prompt.Id] = entry;
        }

        return JsonResult.Ok(result);
    }

    private static string FileName(ComfyPrompt prompt) => $"reel_{prompt.Id[..Math.Min(8, prompt.Id.Length)]}_{prompt.Number.ToString("00000", CultureInfo.InvariantCulture)}_.mp4";

    private async Task<ApiResult> ViewAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        var filename = query["filename"].ToString();
        var type = query["type"].ToString();
        ComfyPrompt? prompt;
        lock (_gate)
        {
            prompt = _prompts.Values.FirstOrDefault(p => FileName(p) == filename);
        }

        if (prompt is null || type is not ("" or "output") || query["subfolder"].ToString() is not ("" or "video") || prompt.Job.Observe(_jobs.Now).Status != "completed")
        {
            throw new ComfyError(404, "not_found", "404: Not Found");
        }

        return new FileResult(await _jobs.Clips.VideoAsync(prompt.Job, cancellationToken).ConfigureAwait(false), "video/mp4", filename);
    }
}

/// <summary>A copy of a JSON object with one more field.</summary>
internal static class JsonObjectExtensions
{
    public static JsonObject Merge(this JsonObject source, string name, JsonNode? value)
    {
        var copy = (JsonObject)source.DeepClone();
        copy[name] = value;
        return copy;
    }
}
