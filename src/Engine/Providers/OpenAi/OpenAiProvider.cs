using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.OpenAi;

/// <summary>
/// The <c>openai</c> provider: maps the neutral operations to the OpenAI <c>/v1/videos</c> wire API
/// (shared/api/openai-videos.md), or any server speaking it (<c>OPENAI_BASE_URL</c>).
/// </summary>
/// <remarks>
/// Failures are thrown as <see cref="ProviderException"/> classified per design.md §4. Idempotent requests
/// (GET, DELETE) are retried here on transient failures (<see cref="Retries"/>: 8 tries, 0.5 s → 8 s backoff with
/// jitter, honouring <c>retry-after-ms</c>/<c>Retry-After</c>). Requests that create a job are sent exactly once: a
/// transient failure is thrown, because a dropped connection may still have created the job; the engine reconciles
/// with <see cref="ListRecentAsync"/> before submitting again.
/// </remarks>
public sealed partial class OpenAiProvider : IBatchVideoProvider, IListingVideoProvider
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _root;
    private readonly ProviderHttp _transport;

    /// <summary>Creates the provider.</summary>
    /// <param name="http">The client to send with; its default headers are not modified.</param>
    /// <param name="options">Key and base URL, usually from <see cref="OpenAiOptions.FromEnvironment"/>.</param>
    /// <param name="retries">The retry policy; its clock also paces batch polling.</param>
    /// <param name="logger">Optional logger; never receives the key.</param>
    /// <exception cref="ProviderException"><see cref="ErrorClass.QuotaOrAuth"/> when the key is blank.</exception>
    public OpenAiProvider(HttpClient http, OpenAiOptions options, Retries retries, ILogger<OpenAiProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retries);
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            throw OpenAiOptions.MissingKey();
        }

        _time = retries.Time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";
        _transport = new ProviderHttp(http, Profile(options), retries, _logger);
    }

    /// <inheritdoc/>
    public string Name => "openai";

    /// <inheritdoc/>
    public ProviderCapabilities Capabilities => OpenAiCapabilities.Table;

    /// <summary>GET /videos?limit=1: the cheapest authenticated call; a refused key throws QuotaOrAuth.</summary>
    public Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _transport.ProbeAsync(() => NewRequest(HttpMethod.Get, "videos?limit=1"), rejectionMeansAccepted: false, cancellationToken);
    }

    /// <summary>
    /// Submits one job, exactly once (never retried here).
    /// <list type="bullet">
    /// <item><see cref="GenerateRequest"/>: POST /videos, as JSON, or as multipart when
    /// <see cref="GenerateRequest.FirstFramePath"/> is set. The image is sent as is: the caller must already have fitted
    /// it to <see cref="GenerateRequest.Size"/> (the API rejects a mismatched image). PNG, JPEG or WebP.</item>
    /// <item><see cref="ExtendRequest"/>: POST /videos/extensions; <see cref="ExtendRequest.Seconds"/> is the new
    /// segment's length; the result's seconds are the stitched total.</item>
    /// <item><see cref="EditRequest"/>: POST /videos/edits.</item>
    /// <item><see cref="CreateCharacterRequest"/>: POST /videos/characters with the clip at
    /// <see cref="CreateCharacterRequest.SourceVideoPath"/>; returns the character id as a succeeded job.</item>
    /// </list>
    /// </summary>
    public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var status = request switch
        {
            GenerateRequest generate => await GenerateAsync(generate, cancellationToken).ConfigureAwait(false),
            ExtendRequest extend => await PostVideoAsync("videos/extensions", Wire.JsonContent(OpenAiWire.ExtendBody(Source(extend, extend.SourceJobId))), cancellationToken).ConfigureAwait(false),
            EditRequest edit => await PostVideoAsync("videos/edits", Wire.JsonContent(OpenAiWire.EditBody(Source(edit, edit.SourceJobId))), cancellationToken).ConfigureAwait(false),
            CreateCharacterRequest character => await CreateCharacterAsync(character, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "unknown job kind"),
        };
        HttpLog.Submitted(_logger, Name, request.Kind, request.StepId, status.JobId);
        return status;
    }

    /// <summary>GET /videos/{id}: the job's state, progress, error and the server's polling hint.</summary>
    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        cancellationToken.ThrowIfCancellationRequested();
        var (json, pollAfter) = await GetJsonAsync("videos/" + Uri.EscapeDataString(jobId), cancellationToken).ConfigureAwait(false);
        using (json)
        {
            return ParseVideo(json.RootElement, pollAfter);
        }
    }

    /// <summary>
    /// GET /videos/{id}/content?variant=…, streamed into <paramref name="destination"/>. Connecting is retried; once
    /// bytes have been written nothing is retried: a short or dropped body throws a transient
    /// <see cref="ProviderException"/> ("truncated download") and the caller retries into a fresh file.
    /// </summary>
    public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentNullException.ThrowIfNull(destination);
        cancellationToken.ThrowIfCancellationRequested();
        var relative = $"videos/{Uri.EscapeDataString(jobId)}/content?variant={OpenAiWire.Variant(variant)}";
        await _transport.DownloadAsync(() => NewRequest(HttpMethod.Get, relative), destination, jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// GET /videos?order=desc&amp;limit=100, following the <c>after</c> cursor until a page reaches jobs older than
    /// <paramref name="since"/> (compared in whole seconds, the API's resolution) or <c>has_more</c> is false.
    /// </summary>
    public async Task<IReadOnlyList<JobStatus>> ListRecentAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var sinceSeconds = since.ToUnixTimeSeconds();
        var result = new List<JobStatus>();
        string? after = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var relative = "videos?order=desc&limit=100" + (after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after));
            var (json, _) = await GetJsonAsync(relative, cancellationToken).ConfigureAwait(false);
            using (json)
            {
                var root = json.RootElement;
                var reachedOlder = false;
                string? lastId = null;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in data.EnumerateArray())
                    {
                        var status = ParseVideo(item, null);
                        lastId = status.JobId.Length > 0 ? status.JobId : lastId;
                        if (status.CreatedAt is { } created && created.ToUnixTimeSeconds() < sinceSeconds)
                        {
                            reachedOlder = true;
                            continue;
                        }

                        if (status.JobId.Length > 0 && seen.Add(status.JobId))
                        {
                            result.Add(status);
                        }
                    }
                }

                var next = OpenAiWire.String(root, "last_id") ?? lastId;
                if (reachedOlder || OpenAiWire.Bool(root, "has_more") != true || next is null || next == after)
                {
                    return result;
                }

                after = next;
            }
        }
    }

    /// <summary>DELETE /videos/{id}: removes a finished job's stored assets (retried on transient failures).</summary>
    public async Task DeleteAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        cancellationToken.ThrowIfCancellationRequested();
        using var response = await SendWithRetryAsync(
            HttpMethod.Delete, "videos/" + Uri.EscapeDataString(jobId), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A video object as a status, its error redacted: polls, listings and batch results all read videos here.</summary>
    private JobStatus ParseVideo(JsonElement video, TimeSpan? pollAfter) =>
        _transport.Redact(OpenAiWire.ParseVideo(video, pollAfter, (id, status) => HttpLog.UnknownStatus(_logger, Name, id, status)));

    private async Task<JobStatus> PostVideoAsync(string relative, HttpContent content, CancellationToken cancellationToken)
    {
        var (json, pollAfter) = await PostJsonAsync(relative, content, cancellationToken).ConfigureAwait(false);
        using (json)
        {
            var status = ParseVideo(json.RootElement, pollAfter);
            return status.JobId.Length > 0
                ? status
                : throw Transient($"openai POST /{relative}: the response carried no job id");
        }
    }

    private async Task<JobStatus> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        if (request.FirstFramePath is null)
        {
            return await PostVideoAsync("videos", Wire.JsonContent(OpenAiWire.GenerateBody(request)), cancellationToken).ConfigureAwait(false);
        }

        var form = new MultipartFormDataContent();
        Field(form, "prompt", request.Prompt);
        if (!string.IsNullOrEmpty(request.Model))
        {
            Field(form, "model", request.Model);
        }

        Field(form, "size", request.Size.ToString());
        Field(form, "seconds", OpenAiWire.Seconds(request.Seconds));
        foreach (var c in request.Characters)
        {
            Field(form, "characters[][id]", c.Id);
        }

        var contentType = await ImageTypeAsync(request.FirstFramePath, cancellationToken).ConfigureAwait(false);
        FilePart(form, "input_reference", request.FirstFramePath, contentType);
        return await PostVideoAsync("videos", form, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JobStatus> CreateCharacterAsync(CreateCharacterRequest request, CancellationToken cancellationToken)
    {
        var path = request.SourceVideoPath
            ?? throw new ArgumentException("a CreateCharacter request needs SourceVideoPath", nameof(request));
        if (!File.Exists(path))
        {
            throw ProviderException.Invalid($"character video not found: {path}");
        }

        var form = new MultipartFormDataContent();
        Field(form, "name", string.IsNullOrWhiteSpace(request.Name) ? request.StepId : request.Name);
        FilePart(form, "video", path, OpenAiWire.VideoContentType(path));
        var (json, _) = await PostJsonAsync("videos/characters", form, cancellationToken).ConfigureAwait(false);
        using (json)
        {
            var root = json.RootElement;
            var id = OpenAiWire.String(root, "id");
            if (string.IsNullOrEmpty(id))
            {
                throw ProviderException.Invalid("openai POST /videos/characters: the response carried no character id");
            }

            var created = OpenAiWire.Int64(root, "created_at");
            return new JobStatus(
                id,
                JobState.Succeeded,
                100,
                CreatedAt: created is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null);
        }
    }

    private static T Source<T>(T request, string? sourceJobId)
        where T : JobRequest =>
        string.IsNullOrEmpty(sourceJobId)
            ? throw new ArgumentException($"a {request.Kind} request needs SourceJobId", nameof(request))
            : request;

    private static async Task<string> ImageTypeAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw ProviderException.Invalid($"first-frame image not found: {path}");
        }

        var head = new byte[12];
        var stream = File.OpenRead(path);
        int read;
        await using (stream.ConfigureAwait(false))
        {
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        return OpenAiWire.ImageContentType(head.AsSpan(0, read), path)
            ?? throw ProviderException.Invalid($"first-frame image is not PNG, JPEG or WebP: {path}", param: "input_reference");
    }

    /// <summary>A form field without a per-part content type, as browsers and the official SDKs send them.</summary>
    private static void Field(MultipartFormDataContent form, string name, string value)
    {
        var part = new StringContent(value);
        part.Headers.ContentType = null;
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = Quote(name) };
        form.Add(part);
    }

    /// <summary>A streamed file part; the stream is disposed with the request.</summary>
    private static void FilePart(MultipartFormDataContent form, string name, string path, string contentType)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var part = new StreamContent(stream, 81920);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = Quote(name),
            FileName = Quote(Path.GetFileName(path)),
        };
        form.Add(part);
    }

    private static string Quote(string value) => "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
