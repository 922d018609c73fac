using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Veo;

/// <summary>
/// The <c>veo</c> (Gemini Developer API) and <c>veo-vertex</c> (Vertex AI) providers: <c>predictLongRunning</c>,
/// then the operation is polled (Gemini: GET the operation; Vertex: <c>fetchPredictOperation</c>) and the clip is
/// downloaded (Gemini: the file URI; Vertex: inline bytes). The job id is the operation name.
/// </summary>
/// <remarks>
/// Neither API lists operations with their prompts, so a submit whose answer is lost can't be found again
/// (<see cref="ProviderCapabilities.CanReconcile"/> is false): the runner reports it instead of paying twice.
/// </remarks>
public sealed class VeoProvider : IVideoProvider
{
    private readonly VeoOptions _options;
    private readonly ILogger _logger;
    private readonly ProviderHttp _transport;
    private readonly string _root;

    /// <param name="http">The client to send with.</param>
    /// <param name="options">The backend and its credentials, from <see cref="VeoOptions.Gemini"/> or <see cref="VeoOptions.Vertex"/>.</param>
    /// <param name="retries">The retry policy.</param>
    /// <param name="logger">Optional logger; never receives the secret.</param>
    public VeoProvider(HttpClient http, VeoOptions options, Retries retries, ILogger<VeoProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retries);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";
        var hint = options.Backend == VeoBackend.Gemini
            ? ". Check GEMINI_API_KEY / GOOGLE_API_KEY (and GOOGLE_GEMINI_BASE_URL)"
            : ". Check GOOGLE_CLOUD_ACCESS_TOKEN (it expires after an hour) or GOOGLE_API_KEY, and GOOGLE_CLOUD_PROJECT";
        _transport = new ProviderHttp(
            http,
            new HttpProfile(Name, options.Secret, Authorize, (status, body) => ParseError(status, body, hint), hint) { OtherSecrets = ProviderEnvironment.UrlSecrets(options.BaseUrl) },
            retries,
            _logger);
    }

    public string Name => _options.Backend == VeoBackend.Gemini ? "veo" : "veo-vertex";

    public ProviderCapabilities Capabilities => _options.Backend == VeoBackend.Gemini ? VeoCapabilities.Gemini : VeoCapabilities.Vertex;

    /// <summary>
    /// Gemini: <c>GET v1beta/models?pageSize=1</c> (models.list), the cheapest authenticated call. Vertex has none that
    /// works in express mode too, so it asks for an operation that does not exist: a refused credential is 401 (or 400
    /// API_KEY_INVALID), and the 404 that follows authentication means it was accepted (logged at debug only).
    /// </summary>
    public Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_options.Backend == VeoBackend.Gemini)
        {
            var models = new Uri(_root + "v1beta/models?pageSize=1");
            return _transport.ProbeAsync(() => new HttpRequestMessage(HttpMethod.Get, models), rejectionMeansAccepted: false, cancellationToken);
        }

        var probe = _options.ModelsPath["v1beta1/".Length..] + Capabilities.DefaultModel + "/operations/00000000-0000-0000-0000-000000000000";
        return _transport.ProbeAsync(() => FetchOperation(probe), rejectionMeansAccepted: true, cancellationToken);
    }

    /// <summary>Generate (text, first frame, first and last frame, reference images) or Extend (7 s more of a Veo clip).</summary>
    public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var model = request.Model ?? Capabilities.DefaultModel;
        JsonObject instance, parameters;
        string prompt;
        switch (request)
        {
            case GenerateRequest generate:
                prompt = generate.Prompt;
                instance = await GenerateInstanceAsync(generate, cancellationToken).ConfigureAwait(false);
                parameters = VeoWire.Parameters(generate.Size, generate.Seconds, generate.Model, generate.Seed, generate.Options, _options.Backend);
                break;
            case ExtendRequest extend:
                prompt = extend.Prompt;
                instance = new JsonObject { ["prompt"] = extend.Prompt, ["video"] = await SourceVideoAsync(extend, cancellationToken).ConfigureAwait(false) };

                // An extension always adds 7 s: the API takes no duration for it.
                parameters = VeoWire.Parameters(extend.Size, null, extend.Model, extend.Seed, extend.Options, _options.Backend);
                break;
            default:
                throw _transport.Fail(ErrorClass.Invalid, $"{Name} cannot {request.Kind.ToString().ToLowerInvariant()} clips");
        }

        var body = new JsonObject
        {
            ["instances"] = new JsonArray(instance),
            ["parameters"] = parameters,
        };
        var url = new Uri(_root + _options.ModelsPath + Uri.EscapeDataString(model) + ":predictLongRunning");
        using var reply = await _transport.PostJsonOnceAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = Wire.JsonContent(body) }, cancellationToken).ConfigureAwait(false);
        var name = Wire.String(reply.Root, "name");
        if (string.IsNullOrEmpty(name))
        {
            throw _transport.Transient($"{Name} POST {url.AbsolutePath}: the response carried no operation name", unanswered: true);
        }

        HttpLog.Submitted(_logger, Name, request.Kind, request.StepId, name);
        return new JobStatus(name, JobState.Queued, 0, Prompt: prompt, Model: model);
    }

    /// <summary>The prompt with reference images, or a first frame (and a last frame).</summary>
    private static async Task<JsonObject> GenerateInstanceAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        var instance = new JsonObject { ["prompt"] = request.Prompt };
        if (!request.ReferenceImagePaths.IsEmpty)
        {
            var references = new JsonArray();
            foreach (var path in request.ReferenceImagePaths)
            {
                references.Add(new JsonObject { ["image"] = await ImageAsync(path, "reference image", cancellationToken).ConfigureAwait(false), ["referenceType"] = "ASSET" });
            }

            instance["referenceImages"] = references;
        }
        else if (request.FirstFramePath is { } first)
        {
            instance["image"] = await ImageAsync(first, "first-frame image", cancellationToken).ConfigureAwait(false);
            if (request.LastFramePath is { } last)
            {
                instance["lastFrame"] = await ImageAsync(last, "last-frame image", cancellationToken).ConfigureAwait(false);
            }
        }

        return instance;
    }

    /// <summary>The operation: not done (running), done with <c>error</c>, or done with the clip (or a safety filter).</summary>
    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var reply = await OperationAsync(jobId, cancellationToken).ConfigureAwait(false);
        return _transport.Redact(VeoWire.ParseOperation(jobId, reply.Root, Name));
    }

    /// <summary>Gemini: GET the sample's file URI (with the key, same host); Vertex: the inline bytes. Veo has no thumbnails.</summary>
    public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (variant != ContentVariant.Video)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"{Name} serves only the video of {jobId}, no {variant.ToString().ToLowerInvariant()}");
        }

        using var reply = await OperationAsync(jobId, cancellationToken).ConfigureAwait(false);
        var video = VeoWire.FirstVideo(reply.Root)
            ?? throw _transport.Fail(ErrorClass.Invalid, $"{Name} operation {jobId} has no video (not done, failed or filtered)");
        if (Wire.String(video, "bytesBase64Encoded") is { } inline)
        {
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(inline);
            }
            catch (FormatException ex)
            {
                throw _transport.Transient($"{Name} operation {jobId}: the inline video is not valid base64", ex);
            }

            await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            return;
        }

        var uri = Wire.String(video, "uri");
        if (uri is null || !Uri.TryCreate(uri, UriKind.Absolute, out var location) || location.Scheme is not ("http" or "https"))
        {
            throw _transport.Fail(ErrorClass.Invalid, $"{Name} operation {jobId}: the video is at '{uri ?? Wire.String(video, "gcsUri")}', which Reel can't download (a gs:// result needs storage access; Reel asks for inline results)");
        }

        await _transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, location), destination, jobId, cancellationToken).ConfigureAwait(false);
    }

    private Task<JsonReply> OperationAsync(string name, CancellationToken cancellationToken)
    {
        if (_options.Backend == VeoBackend.Gemini)
        {
            var url = new Uri(_root + "v1beta/" + name);
            return _transport.RetriedJsonAsync(() => new HttpRequestMessage(HttpMethod.Get, url), cancellationToken);
        }

        // Vertex: POST {model}:fetchPredictOperation {operationName} (a read: retried).
        var cut = name.IndexOf("/operations/", StringComparison.Ordinal);
        if (cut <= 0)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"'{name}' is not a Vertex operation name");
        }

        return _transport.RetriedJsonAsync(() => FetchOperation(name), cancellationToken);
    }

    /// <summary>Vertex's <c>POST {model}:fetchPredictOperation {operationName}</c> for an operation name.</summary>
    private HttpRequestMessage FetchOperation(string name)
    {
        var cut = name.IndexOf("/operations/", StringComparison.Ordinal);
        var fetch = new Uri(_root + "v1beta1/" + name[..cut] + ":fetchPredictOperation");
        return new HttpRequestMessage(HttpMethod.Post, fetch) { Content = Wire.JsonContent(new JsonObject { ["operationName"] = name }) };
    }

    /// <summary>Gemini extends by the source's file URI; Vertex takes the source clip's bytes.</summary>
    private async Task<JsonObject> SourceVideoAsync(ExtendRequest request, CancellationToken cancellationToken)
    {
        if (_options.Backend == VeoBackend.Gemini)
        {
            var source = request.SourceJobId ?? throw new ArgumentException("an Extend request needs SourceJobId", nameof(request));
            using var reply = await OperationAsync(source, cancellationToken).ConfigureAwait(false);
            var uri = VeoWire.FirstVideo(reply.Root) is { } video ? Wire.String(video, "uri") : null;
            return uri is null
                ? throw _transport.Fail(ErrorClass.Invalid, $"veo: the clip of {source} can't be extended (its operation has no video uri)")
                : new JsonObject { ["uri"] = uri };
        }

        var path = request.SourceVideoPath ?? throw new ArgumentException("an Extend request needs SourceVideoPath", nameof(request));
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return new JsonObject { ["bytesBase64Encoded"] = Convert.ToBase64String(bytes), ["mimeType"] = "video/mp4" };
    }

    private static async Task<JsonObject> ImageAsync(string path, string what, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw ProviderException.Invalid($"{what} not found: {path}");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return new JsonObject { ["bytesBase64Encoded"] = Convert.ToBase64String(bytes), ["mimeType"] = Wire.MediaType(bytes, path, what) };
    }

    private void Authorize(HttpRequestMessage request)
    {
        // Credentials go to the API host only.
        var url = request.RequestUri!;
        if (!string.Equals(url.Host, _options.BaseUrl.Host, StringComparison.OrdinalIgnoreCase) || url.Port != _options.BaseUrl.Port)
        {
            return;
        }

        if (_options.IsBearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Secret);
        }
        else
        {
            request.Headers.Add("x-goog-api-key", _options.Secret);
        }
    }

    /// <summary>
    /// Google rejects a wrong API key with 400 (<c>API_KEY_INVALID</c>), not 401/403, so the transport would not add
    /// the hint naming the variables: it is added here.
    /// </summary>
    private static WireFailure ParseError(System.Net.HttpStatusCode status, string body, string hint)
    {
        var failure = VeoWire.ParseError(status, body);
        return failure.Class == ErrorClass.QuotaOrAuth && (int)status is not (401 or 403)
            ? failure with { Message = (failure.Message ?? "the credentials were rejected").TrimEnd('.') + hint }
            : failure;
    }

}
