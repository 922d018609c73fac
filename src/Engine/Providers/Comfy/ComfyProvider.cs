using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Comfy;

/// <summary>
/// The <c>comfy</c> provider on ComfyUI's native API (providers-2026.md §2.2): the first frame goes up with
/// <c>POST /upload/image</c>, the filled workflow with <c>POST /prompt {prompt, client_id, prompt_id}</c>; the prompt
/// is read from <c>/history/{id}</c> once it ran and from <c>/queue</c> while it waits; the video (core SaveVideo's
/// <c>images</c> entry with <c>animated: [true]</c>, or VideoHelperSuite's <c>gifs</c>) comes from <c>/view</c>.
/// The job id is the prompt id.
/// </summary>
/// <remarks>
/// The prompt id is a UUID derived from the request's <see cref="JobRequest.IdempotencyKey"/>, so a submit whose
/// answer was lost is found again by <see cref="FindAsync"/> instead of queued twice (ComfyUI itself has no duplicate
/// check on <c>prompt_id</c>).
/// </remarks>
public sealed class ComfyProvider : IKeyedVideoProvider
{
    private const string V2Prefix = "v2:";

    private readonly ILogger _logger;
    private readonly ProviderHttp _transport;
    private readonly string _root;
    private readonly Lock _gate = new();
    private Task<bool>? _v2;

    /// <param name="http">The client to send with.</param>
    /// <param name="options">Root and optional key, usually from <see cref="ComfyOptions.FromEnvironment"/>.</param>
    /// <param name="retries">The retry policy.</param>
    /// <param name="logger">Optional logger; never receives the key.</param>
    public ComfyProvider(HttpClient http, ComfyOptions options, Retries retries, ILogger<ComfyProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retries);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";
        if (options.Surface != ComfySurface.Auto)
        {
            _v2 = Task.FromResult(options.Surface == ComfySurface.V2);
        }

        var key = options.ApiKey;
        _transport = new ProviderHttp(http, new HttpProfile(
            "comfy",
            key ?? "",
            request =>
            {
                if (key is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                }
            },
            ParseError,
            ". Check COMFY_API_KEY (and COMFY_BASE_URL)")
        {
            OtherSecrets = ProviderEnvironment.UrlSecrets(options.BaseUrl),
        }, retries, _logger);
    }

    public string Name => "comfy";

    public ProviderCapabilities Capabilities => ComfyCapabilities.Table;

    /// <summary>Finds the API (v2 or native) and checks access: <c>GET /api/v2/jobs?limit=1</c>, else <c>GET /system_stats</c>.</summary>
    public async Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var url = new Uri(_root + (await UsesV2Async(cancellationToken).ConfigureAwait(false) ? "api/v2/jobs?limit=1" : "system_stats"));
        await _transport.ProbeAsync(() => Get(url), rejectionMeansAccepted: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the server speaks Comfy API v2 (asked once: a 404 on <c>/api/v2/jobs</c> means native).</summary>
    private Task<bool> UsesV2Async(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_v2 is null || _v2.IsFaulted || _v2.IsCanceled)
            {
                _v2 = DetectAsync(cancellationToken);
            }

            return _v2;
        }
    }

    private async Task<bool> DetectAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var reply = await _transport.RetriedJsonAsync(() => Get(new Uri(_root + "api/v2/jobs?limit=1")), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Invalid)
        {
            return false;
        }
    }

    /// <summary>
    /// Fills the step's workflow and queues it: natively with <c>POST /prompt</c> under the prompt id of its idempotency
    /// key, on v2 with <c>POST /api/v2/jobs</c> and that id as <c>Idempotency-Key</c> (a 422 reuse finds the job).
    /// </summary>
    public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request is not GenerateRequest generate)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"comfy cannot {request.Kind.ToString().ToLowerInvariant()} clips");
        }

        var v2 = await UsesV2Async(cancellationToken).ConfigureAwait(false);
        var graph = await GraphAsync(generate, v2, cancellationToken).ConfigureAwait(false);
        var promptId = PromptId(request);
        string id;
        if (v2)
        {
            var post = new HttpRequestMessage(HttpMethod.Post, new Uri(_root + "api/v2/jobs")) { Content = Wire.JsonContent(new JsonObject { ["workflow"] = graph }) };
            post.Headers.Add("Idempotency-Key", promptId);
            JsonReply created;
            try
            {
                created = await _transport.PostJsonOnceAsync(post, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex) when (ex.Class == ErrorClass.Invalid && ex.Error.Code == "idempotency_key_reuse")
            {
                // Already submitted (an earlier send of this attempt whose answer was lost): find that job.
                return await FindV2Async(graph, cancellationToken).ConfigureAwait(false)
                    ?? throw _transport.Fail(ErrorClass.Invalid, $"comfy says Idempotency-Key {promptId} was used but lists no job running this workflow", "idempotency_key_reuse");
            }

            using (created)
            {
                id = Wire.String(created.Root, "id") is { Length: > 0 } jobId ? V2Prefix + jobId : throw _transport.Transient("comfy POST /api/v2/jobs: the response carried no id", unanswered: true);
            }
        }
        else
        {
            var body = new JsonObject { ["prompt"] = graph, ["client_id"] = "reel", ["prompt_id"] = promptId };
            using var reply = await _transport.PostJsonOnceAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(_root + "prompt")) { Content = Wire.JsonContent(body) }, cancellationToken).ConfigureAwait(false);
            id = Wire.String(reply.Root, "prompt_id") is { Length: > 0 } queued ? queued : throw _transport.Transient("comfy POST /prompt: the response carried no prompt_id", unanswered: true);
        }

        HttpLog.Submitted(_logger, Name, request.Kind, request.StepId, id);
        return new JobStatus(id, JobState.Queued, 0, PollAfter: TimeSpan.FromSeconds(1), Prompt: generate.Prompt, Model: generate.Model ?? Capabilities.DefaultModel,
            Seconds: generate.Seconds, Size: generate.Size.ToString());
    }

    /// <summary>The step's workflow with every bound input filled (a first frame uploaded first: an asset on v2, an input file natively).</summary>
    private async Task<JsonObject> GraphAsync(GenerateRequest generate, bool v2, CancellationToken cancellationToken)
    {
        var workflow = generate.Options.FirstOrDefault(o => o.Name == "workflow")?.Paths.FirstOrDefault()
            ?? throw _transport.Fail(ErrorClass.Invalid, "the comfy provider needs options.workflow", param: "workflow");
        var bind = generate.Options.FirstOrDefault(o => o.Name == "bind")
            ?? throw _transport.Fail(ErrorClass.Invalid, "the comfy provider needs options.bind", param: "bind");
        var binds = ComfyWorkflow.Binds(bind);
        var fps = ComfyWorkflow.Fps(generate.Options);
        var values = new Dictionary<string, JsonNode>(StringComparer.Ordinal)
        {
            ["prompt"] = generate.Prompt,
            ["width"] = generate.Size.Width,
            ["height"] = generate.Size.Height,
            ["frames"] = ComfyWorkflow.Frames(generate.Seconds, fps),
            ["fps"] = fps,
        };
        if (generate.Seed is { } seed)
        {
            values["seed"] = seed;
        }

        if (generate.Options.FirstOrDefault(o => o.Name == "negative")?.Value is { } negative)
        {
            values["negative"] = negative;
        }

        if (generate.FirstFramePath is { } image)
        {
            if (!binds.ContainsKey("image"))
            {
                throw _transport.Fail(ErrorClass.Invalid, "the step has a first-frame image but options.bind has no 'image' (e.g. image: \"12.image\" on a LoadImage node)", param: "bind");
            }

            values["image"] = v2 ? await UploadAssetAsync(image, cancellationToken).ConfigureAwait(false) : await UploadAsync(image, cancellationToken).ConfigureAwait(false);
        }

        return ComfyWorkflow.Fill(workflow, binds, values);
    }

    /// <summary>The prompt a submit of <paramref name="request"/> queued (same prompt id), or null when ComfyUI has none.</summary>
    /// <remarks>
    /// On v2 a job does not show its idempotency key, so the job is the newest one whose workflow (<c>GET
    /// /api/v2/jobs/{id}/workflow</c>) equals this request's filled workflow — the same step key fills it the same way.
    /// </remarks>
    public async Task<JobStatus?> FindAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.IdempotencyKey is null)
        {
            throw new ArgumentException("the request carries no idempotency key", nameof(request));
        }

        if (await UsesV2Async(cancellationToken).ConfigureAwait(false))
        {
            return request is GenerateRequest generate
                ? await FindV2Async(await GraphAsync(generate, v2: true, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)
                : null;
        }

        return await StatusAsync(PromptId(request), cancellationToken).ConfigureAwait(false);
    }

    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        if (jobId.StartsWith(V2Prefix, StringComparison.Ordinal))
        {
            using var job = await JobAsync(jobId, cancellationToken).ConfigureAwait(false);
            return _transport.Redact(ParseJob(jobId, job.Root));
        }

        return await StatusAsync(jobId, cancellationToken).ConfigureAwait(false)
            ?? throw _transport.Fail(ErrorClass.Invalid, $"comfy has no prompt {jobId} in its history or queue (was the server restarted, or its history cleared?)", "not_found");
    }

    private Task<JsonReply> JobAsync(string jobId, CancellationToken cancellationToken) =>
        _transport.RetriedJsonAsync(() => Get(new Uri(_root + "api/v2/jobs/" + Uri.EscapeDataString(jobId[V2Prefix.Length..]))), cancellationToken);

    /// <summary>The newest of the listed v2 jobs whose workflow is <paramref name="graph"/>, or null.</summary>
    private async Task<JobStatus?> FindV2Async(JsonObject graph, CancellationToken cancellationToken)
    {
        using var list = await _transport.RetriedJsonAsync(() => Get(new Uri(_root + "api/v2/jobs?limit=50")), cancellationToken).ConfigureAwait(false);
        var jobs = list.Root.ValueKind == JsonValueKind.Array ? list.Root
            : list.Root.ValueKind == JsonValueKind.Object && list.Root.TryGetProperty("jobs", out var j) && j.ValueKind == JsonValueKind.Array ? j
            : default;
        if (jobs.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var job in jobs.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).Take(50))
        {
            if (Wire.String(job, "id") is not { Length: > 0 } id)
            {
                continue;
            }

            using var workflow = await _transport.RetriedJsonAsync(() => Get(new Uri(_root + "api/v2/jobs/" + Uri.EscapeDataString(id) + "/workflow")), cancellationToken).ConfigureAwait(false);
            if (workflow.Root.ValueKind == JsonValueKind.Object && workflow.Root.TryGetProperty("workflow", out var sent)
                && JsonNode.DeepEquals(JsonNode.Parse(sent.GetRawText()), graph))
            {
                return _transport.Redact(ParseJob(V2Prefix + id, job));
            }
        }

        return null;
    }

    /// <summary>
    /// A v2 Job: <c>queued</c> → queued, <c>running</c> → running, <c>succeeded</c> with a video output → succeeded
    /// (without one: failed, <c>no_video</c>), <c>failed</c>, <c>expired</c>, <c>canceling</c>, <c>canceled</c> → failed
    /// (invalid), naming the node of <c>error</c>.
    /// </summary>
    internal static JobStatus ParseJob(string jobId, JsonElement job)
    {
        var status = Wire.String(job, "status");
        switch (status)
        {
            case "queued":
                return new JobStatus(jobId, JobState.Queued, 0, PollAfter: TimeSpan.FromSeconds(1));
            case "running":
                var value = job.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0.5;
                return new JobStatus(jobId, JobState.Running, Math.Clamp((int)Math.Round(value * 100), 1, 99), PollAfter: TimeSpan.FromSeconds(1));
            case "succeeded":
                return VideoAsset(job) is null
                    ? new JobStatus(jobId, JobState.Failed, 100, new ProviderError(ErrorClass.Invalid, $"comfy job {jobId} finished without a video output", "no_video"))
                    : new JobStatus(jobId, JobState.Succeeded, 100);
            default:
                var error = job.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
                var detail = error.ValueKind == JsonValueKind.Object
                    ? $"node {Wire.String(error, "node_id") ?? "?"} ({Wire.String(error, "class_type") ?? "?"}): {Wire.String(error, "message") ?? Wire.String(error, "code") ?? "error"}"
                    : $"the job ended {status ?? "without a status"}";
                return new JobStatus(jobId, JobState.Failed, 100, new ProviderError(ErrorClass.Invalid, $"comfy job {jobId} failed: {detail}", error.ValueKind == JsonValueKind.Object ? Wire.String(error, "code") : status));
        }
    }

    /// <summary>The URL of a v2 job's first video output.</summary>
    private static string? VideoAsset(JsonElement job) =>
        job.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == JsonValueKind.Array
            ? outputs.EnumerateArray().Where(o => o.ValueKind == JsonValueKind.Object && Wire.String(o, "type") == "video").Select(o => Wire.String(o, "url")).FirstOrDefault(u => !string.IsNullOrEmpty(u))
            : null;

    /// <summary>The prompt's video, from <c>/view</c>.</summary>
    public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
    {
        if (variant != ContentVariant.Video)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"comfy serves only the video of {jobId}, no {variant.ToString().ToLowerInvariant()}");
        }

        if (jobId.StartsWith(V2Prefix, StringComparison.Ordinal))
        {
            string? asset;
            using (var job = await JobAsync(jobId, cancellationToken).ConfigureAwait(false))
            {
                asset = VideoAsset(job.Root);
            }

            // Output URLs may be host-relative and already carry the mount prefix: resolve them against the server.
            var location = asset is not null && Uri.TryCreate(new Uri(_root), asset, out var resolved) ? resolved : throw _transport.Fail(ErrorClass.Invalid, $"comfy job {jobId} has no video output");
            await _transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, location), destination, jobId, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var reply = await HistoryAsync(jobId, cancellationToken).ConfigureAwait(false);
        var entry = reply is not null && reply.Root.TryGetProperty(jobId, out var e) ? e : default;
        var file = entry.ValueKind == JsonValueKind.Object ? VideoOutput(entry) : null;
        if (file is not { } f)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"comfy prompt {jobId} has no video output");
        }

        var url = new Uri(_root + "view?filename=" + Uri.EscapeDataString(f.Name) + "&subfolder=" + Uri.EscapeDataString(f.Subfolder) + "&type=" + Uri.EscapeDataString(f.Type));
        await _transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, url), destination, jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A canonical lowercase UUID (version 5 layout) from the idempotency key; a fresh one when the request has none.</summary>
    internal static string PromptId(JobRequest request)
    {
        if (request.IdempotencyKey is not { } key)
        {
            return Guid.NewGuid().ToString("D");
        }

        var hash = SHA1.HashData(Encoding.UTF8.GetBytes("reel-comfy-prompt:" + key));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(hash.AsSpan(0, 16));
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }

    private async Task<JobStatus?> StatusAsync(string promptId, CancellationToken cancellationToken)
    {
        using (var history = await HistoryAsync(promptId, cancellationToken).ConfigureAwait(false))
        {
            if (history is not null && history.Root.TryGetProperty(promptId, out var entry) && entry.ValueKind == JsonValueKind.Object)
            {
                return _transport.Redact(ParseHistory(promptId, entry));
            }
        }

        using var queue = await _transport.RetriedJsonAsync(() => Get(new Uri(_root + "queue")), cancellationToken).ConfigureAwait(false);
        if (InQueue(queue.Root, "queue_running", promptId))
        {
            return new JobStatus(promptId, JobState.Running, 50, PollAfter: TimeSpan.FromSeconds(1));
        }

        return InQueue(queue.Root, "queue_pending", promptId) ? new JobStatus(promptId, JobState.Queued, 0, PollAfter: TimeSpan.FromSeconds(1)) : null;
    }

    private async Task<JsonReply?> HistoryAsync(string promptId, CancellationToken cancellationToken)
    {
        var reply = await _transport.RetriedJsonAsync(() => Get(new Uri(_root + "history/" + Uri.EscapeDataString(promptId))), cancellationToken).ConfigureAwait(false);
        if (reply.Root.ValueKind != JsonValueKind.Object)
        {
            reply.Dispose();
            throw _transport.Transient($"comfy GET /history/{promptId}: the answer is not a JSON object");
        }

        return reply;
    }

    /// <summary>A queue entry is <c>[number, prompt_id, prompt, extra_data, outputs_to_execute]</c>.</summary>
    private static bool InQueue(JsonElement root, string list, string promptId) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(list, out var items) && items.ValueKind == JsonValueKind.Array
        && items.EnumerateArray().Any(i => i.ValueKind == JsonValueKind.Array && i.GetArrayLength() > 1 && i[1].ValueKind == JsonValueKind.String && i[1].GetString() == promptId);

    /// <summary>
    /// A history entry: <c>status.status_str</c> success with a video output succeeded; error failed with the
    /// <c>execution_error</c> message (node and exception), invalid; success without a video is invalid too.
    /// </summary>
    internal static JobStatus ParseHistory(string promptId, JsonElement entry)
    {
        var status = entry.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        var statusText = status.ValueKind == JsonValueKind.Object ? Wire.String(status, "status_str") : null;
        var completed = status.ValueKind == JsonValueKind.Object && Wire.Bool(status, "completed") == true;
        if (statusText == "error")
        {
            return new JobStatus(promptId, JobState.Failed, 100, new ProviderError(ErrorClass.Invalid, $"comfy prompt {promptId} failed: {ExecutionError(status)}", "execution_error"));
        }

        if (statusText == "success" || completed)
        {
            return VideoOutput(entry) is null
                ? new JobStatus(promptId, JobState.Failed, 100, new ProviderError(ErrorClass.Invalid,
                    $"comfy prompt {promptId} finished without a video: the workflow needs a {string.Join(" or ", ComfyWorkflow.VideoOutputNodes)} node whose output reaches /history", "no_video"))
                : new JobStatus(promptId, JobState.Succeeded, 100);
        }

        return new JobStatus(promptId, JobState.Running, 90, PollAfter: TimeSpan.FromSeconds(1));
    }

    private static string ExecutionError(JsonElement status)
    {
        if (status.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in messages.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[0].GetString() == "execution_error" && m[1].ValueKind == JsonValueKind.Object)
                {
                    var data = m[1];
                    return $"node {Wire.String(data, "node_id") ?? "?"} ({Wire.String(data, "node_type") ?? "?"}): {Wire.String(data, "exception_type") ?? "error"}: {Wire.String(data, "exception_message") ?? ""}".TrimEnd();
                }
            }
        }

        return "the prompt ended with an error";
    }

    /// <summary>The first video in the outputs: an <c>images</c> entry of an animated output (core SaveVideo) or a <c>gifs</c> entry (VHS).</summary>
    internal static (string Name, string Subfolder, string Type)? VideoOutput(JsonElement entry)
    {
        if (!entry.TryGetProperty("outputs", out var outputs) || outputs.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var node in outputs.EnumerateObject().Where(n => n.Value.ValueKind == JsonValueKind.Object))
        {
            var output = node.Value;
            var animated = output.TryGetProperty("animated", out var a) && a.ValueKind == JsonValueKind.Array && a.EnumerateArray().Any(x => x.ValueKind == JsonValueKind.True);
            foreach (var list in animated ? new[] { "images", "gifs" } : ["gifs"])
            {
                if (output.TryGetProperty(list, out var files) && files.ValueKind == JsonValueKind.Array)
                {
                    foreach (var file in files.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object))
                    {
                        if (Wire.String(file, "filename") is { Length: > 0 } name)
                        {
                            return (name, Wire.String(file, "subfolder") ?? "", Wire.String(file, "type") ?? "output");
                        }
                    }
                }
            }
        }

        return null;
    }

    /// <summary><c>POST /upload/image</c> (multipart <c>image</c>, <c>type=input</c>, <c>overwrite=true</c>): the name to bind.</summary>
    private async Task<string> UploadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw ProviderException.Invalid($"first-frame image not found: {path}");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        var type = Wire.MediaType(bytes, path, "first-frame image");
        var name = "reel-" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + Path.GetExtension(path).ToLowerInvariant();

        // Uploading the same bytes under the same name is idempotent, so it is retried like a read.
        using var response = await _transport.SendWithRetryAsync(() =>
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue(type);
            form.Add(file, "image", name);
            form.Add(new StringContent("input"), "type");
            form.Add(new StringContent("true"), "overwrite");
            return new HttpRequestMessage(HttpMethod.Post, new Uri(_root + "upload/image")) { Content = form };
        }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var uploaded = Wire.String(json.RootElement, "name") ?? throw _transport.Transient("comfy POST /upload/image: the answer carried no name");
        var subfolder = Wire.String(json.RootElement, "subfolder");
        return string.IsNullOrEmpty(subfolder) ? uploaded : subfolder + "/" + uploaded;
    }

    /// <summary><c>POST /api/v2/assets</c> (multipart <c>file</c>; deduplicated by content, so retried like a read): a <c>core/ASSET</c> reference.</summary>
    private async Task<JsonObject> UploadAssetAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw ProviderException.Invalid($"first-frame image not found: {path}");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        var type = Wire.MediaType(bytes, path, "first-frame image");
        var name = "reel-" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + Path.GetExtension(path).ToLowerInvariant();
        using var response = await _transport.SendWithRetryAsync(() =>
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue(type);
            form.Add(file, "file", name);
            form.Add(new StringContent(type), "content_type");
            form.Add(new StringContent("input/" + name), "file_path");
            return new HttpRequestMessage(HttpMethod.Post, new Uri(_root + "api/v2/assets")) { Content = form };
        }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var id = Wire.String(json.RootElement, "id") ?? throw _transport.Transient("comfy POST /api/v2/assets: the answer carried no id");
        return new JsonObject { ["__type"] = "core/ASSET", ["info"] = new JsonObject { ["id"] = id, ["file_path"] = "input/" + name } };
    }

    /// <summary>
    /// Native errors are <c>{error: {type, message, details}, node_errors}</c>; Comfy API v2's <c>{error: {code,
    /// message, details}}</c>. 401/403 stop the run; 429 and 5xx are transient; 400 (a workflow ComfyUI refuses, naming
    /// the node) and 404 are invalid.
    /// </summary>
    internal static WireFailure ParseError(HttpStatusCode status, string body)
    {
        string? code = null, message = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object)
                {
                    code = Wire.String(error, "type") ?? Wire.String(error, "code");
                    message = Wire.String(error, "message");
                    if (Wire.String(error, "details") is { Length: > 0 } details)
                    {
                        message = $"{message}: {details}";
                    }
                }
                else if (error.ValueKind == JsonValueKind.String)
                {
                    message = error.GetString();
                }
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("node_errors", out var nodes) && nodes.ValueKind == JsonValueKind.Object)
            {
                foreach (var node in nodes.EnumerateObject())
                {
                    var first = node.Value.TryGetProperty("errors", out var errs) && errs.ValueKind == JsonValueKind.Array && errs.GetArrayLength() > 0 ? errs[0] : default;
                    var what = first.ValueKind == JsonValueKind.Object ? $"{Wire.String(first, "message")}: {Wire.String(first, "details")}" : "invalid";
                    message += $"; node {node.Name} ({(node.Value.ValueKind == JsonValueKind.Object ? Wire.String(node.Value, "class_type") : null) ?? "?"}): {what}";
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page): the status alone classifies it.
        }

        var text = message ?? $"HTTP {(int)status}";
        var errorClass = status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.PaymentRequired => ErrorClass.QuotaOrAuth,
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => ErrorClass.Transient,
            >= HttpStatusCode.InternalServerError => ErrorClass.Transient,
            _ => ErrorClass.Invalid,
        };
        return new WireFailure(errorClass, text, code);
    }

    private static HttpRequestMessage Get(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }
}
