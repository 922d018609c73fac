using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Fal;

/// <summary>
/// The <c>fal</c> provider: the neutral operations on fal's queue API (shared/api/providers.md §4). A job id is
/// <c>{owner}/{alias}:{request_id}</c>, enough to poll after a restart (status and result URLs drop the endpoint's
/// sub-path). Images travel as <c>data:</c> URIs; a character's clip is uploaded to fal storage first.
/// </summary>
/// <remarks>
/// fal has no list of requests, so a submit whose answer is lost can't be found again
/// (<see cref="ProviderCapabilities.CanReconcile"/> is false): the runner reports it instead of paying twice.
/// Status polls, results and downloads are retried; submits are sent exactly once.
/// </remarks>
public sealed class FalProvider : IVideoProvider
{
    private static readonly TimeSpan CharacterPoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan CharacterTimeout = TimeSpan.FromMinutes(10);

    private readonly FalOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ProviderHttp _transport;

    /// <param name="http">The client to send with.</param>
    /// <param name="options">Key and roots, usually from <see cref="FalOptions.FromEnvironment"/>.</param>
    /// <param name="retries">The retry policy; its clock also paces the wait for a character.</param>
    /// <param name="logger">Optional logger; never receives the key.</param>
    public FalProvider(HttpClient http, FalOptions options, Retries retries, ILogger<FalProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retries);
        if (string.IsNullOrWhiteSpace(options.Key))
        {
            throw FalOptions.MissingKey();
        }

        _options = options;
        _time = retries.Time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _transport = new ProviderHttp(http, new HttpProfile(
            "fal",
            options.Key,
            request =>
            {
                // The key goes to fal's API hosts only, never to a media CDN.
                if (IsApiHost(request.RequestUri!))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Key", options.Key);
                }
            },
            FalWire.ParseError,
            ". Check FAL_KEY (and FAL_BASE_URL)")
        {
            RequestIdHeader = "x-fal-request-id",
            OtherSecrets = [.. ProviderEnvironment.UrlSecrets(options.QueueUrl).Union(ProviderEnvironment.UrlSecrets(options.StorageUrl)).OrderByDescending(s => s.Length)],
        }, retries, _logger);
    }

    public string Name => "fal";

    public ProviderCapabilities Capabilities => FalCapabilities.Table;

    /// <summary>
    /// fal's queue has no cheap call that succeeds without a job, nor a list of requests: this asks for the status of a
    /// request that does not exist. A refused key is 401; the 404 that follows authentication means the key was
    /// accepted (logged at debug only).
    /// </summary>
    public Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var probe = new FalJobId("fal-ai/veo3.1", "00000000-0000-0000-0000-000000000000");
        return _transport.ProbeAsync(() => Get(probe.StatusUrl(_options.QueueUrl, logs: false)), rejectionMeansAccepted: true, cancellationToken);
    }

    /// <summary>
    /// Generate: text-to-video, image-to-video (first frame), first-last-frame-to-video (last frame) or
    /// reference-to-video (reference images) on the model's endpoint; Extend: <c>extend-video</c> with the
    /// source job's video URL (the local source clip, uploaded, once fal no longer serves it); CreateCharacter: upload, then <c>fal-ai/sora-2/characters</c>, waited for here.
    /// </summary>
    public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var status = request switch
        {
            GenerateRequest generate => await GenerateAsync(generate, cancellationToken).ConfigureAwait(false),
            ExtendRequest extend => await ExtendAsync(extend, cancellationToken).ConfigureAwait(false),
            CreateCharacterRequest character => await CreateCharacterAsync(character, cancellationToken).ConfigureAwait(false),
            _ => throw _transport.Fail(ErrorClass.Invalid, $"fal cannot {request.Kind.ToString().ToLowerInvariant()} clips"),
        };
        HttpLog.Submitted(_logger, Name, request.Kind, request.StepId, status.JobId);
        return status;
    }

    /// <summary>GET …/requests/{id}/status: IN_QUEUE, IN_PROGRESS, COMPLETED (with <c>error</c> when it failed).</summary>
    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = FalJobId.Parse(jobId);
        using var reply = await _transport.RetriedJsonAsync(() => Get(job.StatusUrl(_options.QueueUrl, logs: false)), cancellationToken).ConfigureAwait(false);
        return _transport.Redact(FalWire.ParseStatus(jobId, reply.Root, (id, s) => HttpLog.UnknownStatus(_logger, Name, id, s)));
    }

    /// <summary>The result's <c>video.url</c>, downloaded without the key. fal serves no thumbnails or spritesheets.</summary>
    public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
    {
        if (variant != ContentVariant.Video)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"fal serves only the video of {jobId}, no {variant.ToString().ToLowerInvariant()}");
        }

        var url = await VideoUrlAsync(jobId, cancellationToken).ConfigureAwait(false);
        // A plain GET: the media URL is a file on fal's CDN, not a JSON API.
        await _transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, url), destination, jobId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JobStatus> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        var model = request.Model ?? FalCapabilities.Table.DefaultModel;
        var family = FalCapabilities.Endpoint(model);
        var body = FalWire.Common(request.Prompt, request.Size, request.Seconds, request.Seed, request.Options, model);
        string endpoint;
        var references = request.ReferenceImagePaths;
        if (!references.IsEmpty)
        {
            endpoint = family + "/reference-to-video";
            var urls = new JsonArray();
            foreach (var path in references)
            {
                urls.Add(await Wire.DataUriAsync(path, "reference image", cancellationToken).ConfigureAwait(false));
            }

            body["image_urls"] = urls;
            body.Remove("seed");
        }
        else if (request.FirstFramePath is { } first && request.LastFramePath is { } last)
        {
            endpoint = family + "/first-last-frame-to-video";
            body["first_frame_url"] = await Wire.DataUriAsync(first, "first-frame image", cancellationToken).ConfigureAwait(false);
            body["last_frame_url"] = await Wire.DataUriAsync(last, "last-frame image", cancellationToken).ConfigureAwait(false);
        }
        else if (request.FirstFramePath is { } image)
        {
            endpoint = family + "/image-to-video";
            body["image_url"] = await Wire.DataUriAsync(image, "first-frame image", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            endpoint = model == "sora-2" ? family + "/text-to-video" : family;
        }

        if (model == "sora-2" && request.Characters.Length > 0)
        {
            body["character_ids"] = new JsonArray([.. request.Characters.Select(c => (JsonNode)c.Id)]);
        }

        return await SubmitJsonAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JobStatus> ExtendAsync(ExtendRequest request, CancellationToken cancellationToken)
    {
        var source = request.SourceJobId ?? throw new ArgumentException("an Extend request needs SourceJobId", nameof(request));
        var model = request.Model ?? FalCapabilities.Table.DefaultModel;
        var body = FalWire.Common(request.Prompt, request.Size, request.Seconds, request.Seed, request.Options, model);
        body["duration"] = request.Seconds.ToString(CultureInfo.InvariantCulture) + "s";
        body.Remove("aspect_ratio");
        body.Remove("resolution");
        var endpoint = FalCapabilities.Endpoint(model) + "/extend-video";
        var local = request.SourceVideoPath is { } p && File.Exists(p) ? p : null;
        Uri? sourceUrl;
        try
        {
            sourceUrl = await VideoUrlAsync(source, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Invalid && local is not null)
        {
            // The source request is gone from fal's queue: send the local copy of its clip instead.
            sourceUrl = null;
        }

        if (sourceUrl is null)
        {
            body["video_url"] = await UploadAsync(local!, "source video", cancellationToken).ConfigureAwait(false);
            return await SubmitJsonAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
        }

        body["video_url"] = sourceUrl.AbsoluteUri;
        try
        {
            return await SubmitJsonAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Invalid && ex.Error.Param == "video_url" && local is not null)
        {
            // fal could not fetch the source's output (its file expired). A 422 created no job, so submitting again
            // with the local copy uploaded cannot pay twice.
            body["video_url"] = await UploadAsync(local, "source video", cancellationToken).ConfigureAwait(false);
            return await SubmitJsonAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<JobStatus> CreateCharacterAsync(CreateCharacterRequest request, CancellationToken cancellationToken)
    {
        var path = request.SourceVideoPath ?? throw new ArgumentException("a CreateCharacter request needs SourceVideoPath", nameof(request));
        var videoUrl = await UploadAsync(path, "character video", cancellationToken).ConfigureAwait(false);
        var body = new JsonObject
        {
            ["name"] = string.IsNullOrWhiteSpace(request.Name) ? request.StepId : request.Name,
            ["video_url"] = videoUrl,
        };
        var submitted = await SubmitJsonAsync("fal-ai/sora-2/characters", body, cancellationToken).ConfigureAwait(false);

        // The character id is the queue job's result: wait for it here, as the neutral operation returns the id.
        // The registration exists from here on: a transient failure while waiting must not make the runner submit it
        // again, so it is reported as unanswered.
        try
        {
            return await CharacterIdAsync(submitted.JobId, (string)body["name"]!, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Transient)
        {
            throw ex.AsUnanswered();
        }
    }

    private async Task<JobStatus> CharacterIdAsync(string jobId, string name, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + CharacterTimeout;
        while (true)
        {
            var status = await GetAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (status.State == JobState.Failed)
            {
                throw status.Error is { } error ? ProviderException.From(error) : ProviderException.Invalid($"fal character '{name}' failed");
            }

            if (status.State == JobState.Succeeded)
            {
                break;
            }

            if (_time.GetUtcNow() > deadline)
            {
                throw _transport.Transient($"fal character {jobId} did not finish within {CharacterTimeout.TotalMinutes} minutes");
            }

            await Task.Delay(CharacterPoll, _time, cancellationToken).ConfigureAwait(false);
        }

        var job = FalJobId.Parse(jobId);
        using var result = await _transport.RetriedJsonAsync(() => Get(job.ResultUrl(_options.QueueUrl)), cancellationToken).ConfigureAwait(false);
        var id = Wire.String(result.Root, "id");
        return string.IsNullOrEmpty(id)
            ? throw _transport.Fail(ErrorClass.Invalid, $"fal character {jobId}: the result carried no character id")
            : new JobStatus(id, JobState.Succeeded, 100);
    }

    private async Task<JobStatus> SubmitJsonAsync(string endpoint, JsonObject body, CancellationToken cancellationToken)
    {
        var url = new Uri(Root(_options.QueueUrl) + endpoint);
        var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = Wire.JsonContent(body) };
        using var reply = await _transport.PostJsonOnceAsync(message, cancellationToken).ConfigureAwait(false);
        var requestId = Wire.String(reply.Root, "request_id");
        if (string.IsNullOrEmpty(requestId))
        {
            throw _transport.Transient($"fal POST /{endpoint}: the response carried no request_id", unanswered: true);
        }

        var job = new FalJobId(FalJobId.FamilyOf(endpoint), requestId);
        return new JobStatus(job.ToString(), JobState.Queued, 0, CreatedAt: _time.GetUtcNow(), Prompt: body["prompt"]?.GetValue<string>());
    }

    /// <summary>The finished job's <c>video.url</c> (GET …/requests/{id}).</summary>
    private async Task<Uri> VideoUrlAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = FalJobId.Parse(jobId);
        using var reply = await _transport.RetriedJsonAsync(() => Get(job.ResultUrl(_options.QueueUrl)), cancellationToken).ConfigureAwait(false);
        var url = reply.Root.ValueKind == JsonValueKind.Object && reply.Root.TryGetProperty("video", out var video) ? Wire.String(video, "url") : null;
        return url is not null && Uri.TryCreate(url, UriKind.Absolute, out var parsed)
            ? parsed
            : throw _transport.Fail(ErrorClass.Invalid, $"fal result of {jobId} carried no video url");
    }

    /// <summary>fal storage: initiate (with the key), then PUT the bytes to the signed upload URL; returns the file URL.</summary>
    private async Task<string> UploadAsync(string path, string what, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw _transport.Fail(ErrorClass.Invalid, $"{what} not found: {path}");
        }

        var initiate = new Uri(Root(_options.StorageUrl) + "storage/upload/initiate?storage_type=fal-cdn-v3");
        var contentType = Wire.VideoContentType(path);
        var body = new JsonObject { ["content_type"] = contentType, ["file_name"] = Path.GetFileName(path) };
        string? uploadUrl, fileUrl;
        using (var reply = await _transport.RetriedJsonAsync(() => new HttpRequestMessage(HttpMethod.Post, initiate) { Content = Wire.JsonContent(body) }, cancellationToken).ConfigureAwait(false))
        {
            uploadUrl = Wire.String(reply.Root, "upload_url");
            fileUrl = Wire.String(reply.Root, "file_url");
        }

        if (uploadUrl is null || fileUrl is null || !Uri.TryCreate(uploadUrl, UriKind.Absolute, out var target))
        {
            throw _transport.Fail(ErrorClass.Invalid, "fal storage: the upload answer carried no upload_url/file_url");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        using var response = await _transport.SendWithRetryAsync(
            () =>
            {
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                return new HttpRequestMessage(HttpMethod.Put, target) { Content = content };
            },
            HttpCompletionOption.ResponseContentRead,
            cancellationToken).ConfigureAwait(false);
        return fileUrl;
    }

    private bool IsApiHost(Uri url) =>
        SameOrigin(url, _options.QueueUrl) || SameOrigin(url, _options.StorageUrl);

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static HttpRequestMessage Get(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    internal static string Root(Uri url) => url.AbsoluteUri.TrimEnd('/') + "/";

}
