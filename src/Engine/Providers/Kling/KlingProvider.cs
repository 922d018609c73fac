using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Kling;

/// <summary>
/// The <c>kling</c> provider: <c>POST /v1/videos/text2video</c>, <c>image2video</c>, <c>omni-video</c> (reference
/// images) and <c>video-extend</c>, then <c>GET /v1/videos/{kind}/{task_id}</c>; the job id is <c>kind:task_id</c>.
/// Images travel as raw base64 (Kling refuses a <c>data:</c> prefix); each request carries a fresh-enough JWT.
/// </summary>
/// <remarks>
/// Every create sends the request's <see cref="JobRequest.IdempotencyKey"/> as <c>external_task_id</c>, so the job of
/// a create whose answer was lost is found again (<see cref="FindAsync"/>) instead of paid for twice; a create refused
/// because that id exists already answers with the existing task.
/// </remarks>
public sealed class KlingProvider : IKeyedVideoProvider
{
    private readonly ILogger _logger;
    private readonly ProviderHttp _transport;
    private readonly string _root;
    private readonly string _apiPath;

    /// <param name="http">The client to send with.</param>
    /// <param name="options">Keys and root, usually from <see cref="KlingOptions.FromEnvironment"/>.</param>
    /// <param name="retries">The retry policy; its clock also dates the tokens.</param>
    /// <param name="logger">Optional logger; never receives a key or a token.</param>
    public KlingProvider(HttpClient http, KlingOptions options, Retries retries, ILogger<KlingProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retries);
        if (string.IsNullOrWhiteSpace(options.AccessKey) || string.IsNullOrWhiteSpace(options.SecretKey))
        {
            throw KlingOptions.MissingKey(string.IsNullOrWhiteSpace(options.AccessKey) ? KlingOptions.AccessKeyVariable : KlingOptions.SecretKeyVariable);
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";
        _apiPath = new Uri(_root).AbsolutePath + "v1/";
        var token = new KlingToken(options, retries.Time);
        var origin = options.BaseUrl;
        _transport = new ProviderHttp(http, new HttpProfile(
            "kling",
            options.SecretKey,
            request =>
            {
                // The token goes to the API paths only, never to a video URL.
                var url = request.RequestUri!;
                if (url.Scheme == origin.Scheme && url.Host == origin.Host && url.Port == origin.Port && url.AbsolutePath.StartsWith(_apiPath, StringComparison.Ordinal))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Current());
                }
            },
            KlingWire.ParseError,
            ". Check KLING_ACCESS_KEY and KLING_SECRET_KEY (and KLING_BASE_URL)")
        {
            OtherSecrets = token.Secrets,
            RequestIdHeader = "x-request-id",
        }, retries, _logger);
    }

    public string Name => "kling";

    public ProviderCapabilities Capabilities => KlingCapabilities.Table;

    /// <summary><c>GET /v1/videos/text2video?pageNum=1&amp;pageSize=1</c>: the task list, a free authenticated call.</summary>
    public Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var url = new Uri(_root + "v1/videos/text2video?pageNum=1&pageSize=1");
        return _transport.ProbeAsync(() => Get(url), rejectionMeansAccepted: false, cancellationToken);
    }

    /// <summary>Generate (text, first frame, first and last frame, reference images on omni) or Extend (video-extend).</summary>
    public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var (kind, body) = request switch
        {
            GenerateRequest generate => await GenerateBodyAsync(generate, cancellationToken).ConfigureAwait(false),
            ExtendRequest extend => await ExtendBodyAsync(extend, cancellationToken).ConfigureAwait(false),
            _ => throw _transport.Fail(ErrorClass.Invalid, $"kling cannot {request.Kind.ToString().ToLowerInvariant()} clips"),
        };
        if (request.IdempotencyKey is { } key)
        {
            body["external_task_id"] = key;
        }

        var url = new Uri(_root + "v1/videos/" + kind);
        JsonReply reply;
        try
        {
            reply = await _transport.PostJsonOnceAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = Wire.JsonContent(body) }, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Invalid && ex.Error.Code == "1201" && request.IdempotencyKey is not null
            && ex.Message.Contains("external_task_id", StringComparison.Ordinal))
        {
            // The id is taken: an earlier send of this very attempt created the task. Adopt it.
            return await FindAsync(request, cancellationToken).ConfigureAwait(false)
                ?? throw _transport.Fail(ErrorClass.Invalid, $"kling says external_task_id {request.IdempotencyKey} exists but does not find it", "1201");
        }

        using (reply)
        {
            var data = reply.Root.ValueKind == JsonValueKind.Object && reply.Root.TryGetProperty("data", out var d) ? d : default;
            var taskId = Wire.String(data, "task_id");
            if (string.IsNullOrEmpty(taskId))
            {
                throw _transport.Transient($"kling POST /v1/videos/{kind}: the response carried no task_id", unanswered: true);
            }

            var job = new KlingJobId(kind, taskId).ToString();
            HttpLog.Submitted(_logger, Name, request.Kind, request.StepId, job);
            return new JobStatus(job, JobState.Queued, 0, PollAfter: TimeSpan.FromSeconds(2), CreatedAt: Wire.Int64(data, "created_at") is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
                Prompt: (string?)body["prompt"], Model: request.Model ?? Capabilities.DefaultModel);
        }
    }

    /// <summary>The task a create of <paramref name="request"/> made, by its <c>external_task_id</c>; null when Kling has none.</summary>
    public async Task<JobStatus?> FindAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = request.IdempotencyKey ?? throw new ArgumentException("the request carries no idempotency key", nameof(request));
        var kind = KindOf(request);
        try
        {
            using var reply = await QueryAsync(kind, key, cancellationToken).ConfigureAwait(false);
            var data = reply.Root.GetProperty("data");
            var taskId = Wire.String(data, "task_id") ?? throw _transport.Fail(ErrorClass.Invalid, $"kling task {key} carried no task_id");
            var job = new KlingJobId(kind, taskId).ToString();
            return _transport.Redact(KlingWire.ParseTask(job, data, (id, s) => HttpLog.UnknownStatus(_logger, Name, id, s)));
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Invalid && ex.Error.Code == "1203")
        {
            // No task with that external id: the lost create never reached Kling.
            return null;
        }
    }

    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = KlingJobId.Parse(jobId);
        using var reply = await QueryAsync(job.Kind, job.TaskId, cancellationToken).ConfigureAwait(false);
        return _transport.Redact(KlingWire.ParseTask(jobId, reply.Root.GetProperty("data"), (id, s) => HttpLog.UnknownStatus(_logger, Name, id, s)));
    }

    /// <summary>The task's first video, fetched from its URL without the token.</summary>
    public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
    {
        if (variant != ContentVariant.Video)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"kling serves only the video of {jobId}, no {variant.ToString().ToLowerInvariant()}");
        }

        var (url, _) = await VideoAsync(jobId, cancellationToken).ConfigureAwait(false);
        await _transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, url), destination, jobId, cancellationToken).ConfigureAwait(false);
    }

    private static string KindOf(JobRequest request) => request switch
    {
        ExtendRequest => "video-extend",
        GenerateRequest g when (g.Model ?? KlingCapabilities.Table.DefaultModel) == KlingCapabilities.OmniModel || !g.ReferenceImagePaths.IsEmpty => "omni-video",
        GenerateRequest { FirstFramePath: not null } => "image2video",
        _ => "text2video",
    };

    private async Task<(string Kind, JsonObject Body)> GenerateBodyAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        var model = request.Model ?? Capabilities.DefaultModel;
        var kind = KindOf(request);
        var body = new JsonObject
        {
            ["model_name"] = model,
            ["prompt"] = request.Prompt,
            ["duration"] = request.Seconds.ToString(CultureInfo.InvariantCulture),
            ["aspect_ratio"] = KlingWire.AspectRatio(request.Size),
            ["mode"] = KlingWire.Mode(request.Size),
        };
        AddOptions(body, request.Options);
        KlingWire.AddShots(body, request.Shots);
        if (kind == "omni-video")
        {
            // Frames and references share image_list; the prompt may name them <<<image_N>>>.
            var list = new JsonArray();
            if (request.FirstFramePath is { } first)
            {
                list.Add(new JsonObject { ["image_url"] = await Base64Async(first, "first-frame image", cancellationToken).ConfigureAwait(false), ["type"] = "first_frame" });
            }

            if (request.LastFramePath is { } last)
            {
                list.Add(new JsonObject { ["image_url"] = await Base64Async(last, "last-frame image", cancellationToken).ConfigureAwait(false), ["type"] = "end_frame" });
            }

            foreach (var path in request.ReferenceImagePaths)
            {
                list.Add(new JsonObject { ["image_url"] = await Base64Async(path, "reference image", cancellationToken).ConfigureAwait(false) });
            }

            // A character is a frame of it in image_list, which the prompt names by its place there.
            var named = new List<string>();
            foreach (var character in request.CharacterImages)
            {
                list.Add(new JsonObject { ["image_url"] = await Base64Async(character.Path, $"image of character {character.Name}", cancellationToken).ConfigureAwait(false) });
                named.Add($"<<<image_{list.Count}>>> is {character.Name}.");
            }

            if (named.Count > 0)
            {
                body["prompt"] = request.Prompt + " " + string.Join(" ", named);
            }

            if (list.Count > KlingWire.MaxImages)
            {
                throw _transport.Fail(ErrorClass.Invalid, $"kling omni-video takes at most {KlingWire.MaxImages} images (frames, reference images and characters together); this clip has {list.Count}");
            }

            if (list.Count > 0)
            {
                body["image_list"] = list;
            }
        }
        else if (request.FirstFramePath is { } image)
        {
            body["image"] = await Base64Async(image, "first-frame image", cancellationToken).ConfigureAwait(false);
            if (request.LastFramePath is { } tail)
            {
                body["image_tail"] = await Base64Async(tail, "last-frame image", cancellationToken).ConfigureAwait(false);
            }

            // image2video takes its shape from the image.
            body.Remove("aspect_ratio");
        }

        return (kind, body);
    }

    private async Task<(string Kind, JsonObject Body)> ExtendBodyAsync(ExtendRequest request, CancellationToken cancellationToken)
    {
        var source = request.SourceJobId ?? throw new ArgumentException("an Extend request needs SourceJobId", nameof(request));
        var (_, videoId) = await VideoAsync(source, cancellationToken).ConfigureAwait(false);
        var body = new JsonObject { ["video_id"] = videoId, ["prompt"] = request.Prompt };
        AddOptions(body, request.Options);
        body.Remove("sound");
        return ("video-extend", body);
    }

    private static void AddOptions(JsonObject body, System.Collections.Immutable.ImmutableArray<StepOption> options)
    {
        foreach (var option in options.Where(o => !o.IsPath))
        {
            if (option.Name is "negative_prompt" or "sound")
            {
                body[option.Name] = option.Value;
            }
        }
    }

    /// <summary>The finished task's first video: its URL and its id (what video-extend takes).</summary>
    private async Task<(Uri Url, string Id)> VideoAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = KlingJobId.Parse(jobId);
        using var reply = await QueryAsync(job.Kind, job.TaskId, cancellationToken).ConfigureAwait(false);
        var video = KlingWire.Video(reply.Root.GetProperty("data"));
        var url = video is { } v ? Wire.String(v, "url") : null;
        var id = video is { } w ? Wire.String(w, "id") : null;
        return url is not null && id is not null && Uri.TryCreate(url, UriKind.Absolute, out var parsed)
            ? (parsed, id)
            : throw _transport.Fail(ErrorClass.Invalid, $"kling task {jobId} has no video (status {Wire.String(reply.Root.GetProperty("data"), "task_status") ?? "?"})");
    }

    /// <summary><c>GET /v1/videos/{kind}/{id}</c>, where id is the task id or the external task id; answers whose data is missing are refused.</summary>
    private async Task<JsonReply> QueryAsync(string kind, string id, CancellationToken cancellationToken)
    {
        var url = new Uri(_root + "v1/videos/" + kind + "/" + Uri.EscapeDataString(id));
        var reply = await _transport.RetriedJsonAsync(() => Get(url), cancellationToken).ConfigureAwait(false);
        if (reply.Root.ValueKind != JsonValueKind.Object || !reply.Root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            reply.Dispose();
            throw _transport.Transient($"kling GET /v1/videos/{kind}/{id}: the answer carried no data");
        }

        return reply;
    }

    /// <summary>A file as raw base64 (Kling takes no <c>data:</c> prefix), checked to be PNG, JPEG or WebP.</summary>
    private static async Task<string> Base64Async(string path, string what, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw ProviderException.Invalid($"{what} not found: {path}");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        Wire.MediaType(bytes, path, what);
        return Convert.ToBase64String(bytes);
    }

    private static HttpRequestMessage Get(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }
}
