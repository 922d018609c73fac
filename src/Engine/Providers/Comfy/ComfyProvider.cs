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
    private readonly ILogger _logger;
    private readonly ProviderHttp _transport;
    private readonly string _root;

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

    /// <summary><c>GET /system_stats</c>: cheap, and answered by every ComfyUI.</summary>
    public Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var url = new Uri(_root + "system_stats");
        return _transport.ProbeAsync(() => Get(url), rejectionMeansAccepted: false, cancellationToken);
    }

    /// <summary>Fills the step's workflow and queues it (<c>POST /prompt</c>) under the prompt id of its idempotency key.</summary>
    public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request is not GenerateRequest generate)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"comfy cannot {request.Kind.ToString().ToLowerInvariant()} clips");
        }

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

            values["image"] = await UploadAsync(image, cancellationToken).ConfigureAwait(false);
        }

        var graph = ComfyWorkflow.Fill(workflow, binds, values);
        var promptId = PromptId(request);
        var body = new JsonObject { ["prompt"] = graph, ["client_id"] = "reel", ["prompt_id"] = promptId };
        using var reply = await _transport.PostJsonOnceAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(_root + "prompt")) { Content = Wire.JsonContent(body) }, cancellationToken).ConfigureAwait(false);
        var id = Wire.String(reply.Root, "prompt_id");
        if (string.IsNullOrEmpty(id))
        {
            throw _transport.Transient("comfy POST /prompt: the response carried no prompt_id", unanswered: true);
        }

        HttpLog.Submitted(_logger, Name, request.Kind, request.StepId, id);
        return new JobStatus(id, JobState.Queued, 0, PollAfter: TimeSpan.FromSeconds(1), Prompt: generate.Prompt, Model: generate.Model ?? Capabilities.DefaultModel,
            Seconds: generate.Seconds, Size: generate.Size.ToString());
    }

    /// <summary>The prompt a submit of <paramref name="request"/> queued (same prompt id), or null when ComfyUI has none.</summary>
    public Task<JobStatus?> FindAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.IdempotencyKey is null)
        {
            throw new ArgumentException("the request carries no idempotency key", nameof(request));
        }

        return StatusAsync(PromptId(request), cancellationToken);
    }

    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default) =>
        await StatusAsync(jobId, cancellationToken).ConfigureAwait(false)
        ?? throw _transport.Fail(ErrorClass.Invalid, $"comfy has no prompt {jobId} in its history or queue (was the server restarted, or its history cleared?)", "not_found");

    /// <summary>The prompt's video, from <c>/view</c>.</summary>
    public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
    {
        if (variant != ContentVariant.Video)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"comfy serves only the video of {jobId}, no {variant.ToString().ToLowerInvariant()}");
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
