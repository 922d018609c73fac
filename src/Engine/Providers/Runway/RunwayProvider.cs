using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Core;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.Runway;

/// <summary>
/// The <c>runway</c> provider: <c>POST /v1/text_to_video</c>, <c>/v1/image_to_video</c> and <c>/v1/video_to_video</c>
/// (edits), then <c>GET /v1/tasks/{id}</c> until the task ends; the job id is the task id. Images travel as
/// <c>data:</c> URIs; an edit's source clip is uploaded first (<c>POST /v1/uploads</c>, ephemeral).
/// </summary>
/// <remarks>
/// Runway sends no idempotency key and lists no tasks, so a create whose answer is lost can't be found again
/// (<see cref="ProviderCapabilities.CanReconcile"/> is false): the runner reports it instead of paying twice.
/// Output URLs are signed and expire: a download always asks the task for a fresh URL first, and asks once more
/// when the URL is refused.
/// </remarks>
public sealed class RunwayProvider : IVideoProvider
{
    private readonly RunwayOptions _options;
    private readonly ILogger _logger;
    private readonly ProviderHttp _transport;
    private readonly string _root;

    /// <param name="http">The client to send with.</param>
    /// <param name="options">Secret and root, usually from <see cref="RunwayOptions.FromEnvironment"/>.</param>
    /// <param name="retries">The retry policy.</param>
    /// <param name="logger">Optional logger; never receives the secret.</param>
    public RunwayProvider(HttpClient http, RunwayOptions options, Retries retries, ILogger<RunwayProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retries);
        if (string.IsNullOrWhiteSpace(options.Secret))
        {
            throw RunwayOptions.MissingKey();
        }

        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";
        _transport = new ProviderHttp(http, new HttpProfile(
            "runway",
            options.Secret,
            request =>
            {
                // The secret goes to the API paths only, never to an output or upload URL.
                if (IsApi(request.RequestUri!))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Secret);
                    request.Headers.Add("X-Runway-Version", RunwayOptions.ApiVersion);
                }
            },
            RunwayWire.ParseError,
            ". Check RUNWAYML_API_SECRET (and RUNWAYML_BASE_URL)")
        {
            OtherSecrets = ProviderEnvironment.UrlSecrets(options.BaseUrl),
        }, retries, _logger);
    }

    public string Name => "runway";

    public ProviderCapabilities Capabilities => RunwayCapabilities.Table;

    /// <summary><c>GET /v1/organization</c>: the cheapest authenticated call (the SDK's <c>organization.retrieve</c>).</summary>
    public Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var url = new Uri(_root + "v1/organization");
        return _transport.ProbeAsync(() => Get(url), rejectionMeansAccepted: false, cancellationToken);
    }

    /// <summary>Generate (text or first frame; a last frame on the Veo models) or Edit (Aleph 2).</summary>
    public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var (path, body, prompt, model) = request switch
        {
            GenerateRequest generate => await GenerateBodyAsync(generate, cancellationToken).ConfigureAwait(false),
            EditRequest edit => await EditBodyAsync(edit, cancellationToken).ConfigureAwait(false),
            _ => throw _transport.Fail(ErrorClass.Invalid, $"runway cannot {request.Kind.ToString().ToLowerInvariant()} clips"),
        };
        var url = new Uri(_root + path);
        using var reply = await _transport.PostJsonOnceAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = Wire.JsonContent(body) }, cancellationToken).ConfigureAwait(false);
        var id = Wire.String(reply.Root, "id");
        if (string.IsNullOrEmpty(id))
        {
            throw _transport.Transient($"runway POST /{path}: the response carried no task id", unanswered: true);
        }

        HttpLog.Submitted(_logger, Name, request.Kind, request.StepId, id);
        return new JobStatus(id, JobState.Queued, 0, PollAfter: TimeSpan.FromSeconds(5), Prompt: prompt, Model: model);
    }

    /// <summary><c>GET /v1/tasks/{id}</c>.</summary>
    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var reply = await TaskAsync(jobId, cancellationToken).ConfigureAwait(false);
        return _transport.Redact(RunwayWire.ParseTask(jobId, reply.Root, (id, s) => HttpLog.UnknownStatus(_logger, Name, id, s)));
    }

    /// <summary>The task's first output, fetched at once from a fresh URL (outputs expire), without the secret.</summary>
    public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (variant != ContentVariant.Video)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"runway serves only the video of {jobId}, no {variant.ToString().ToLowerInvariant()}");
        }

        var url = await OutputUrlAsync(jobId, cancellationToken).ConfigureAwait(false);
        try
        {
            await _transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, url), destination, jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Class is ErrorClass.Invalid or ErrorClass.QuotaOrAuth && destination.CanSeek)
        {
            // The signed URL expired between the task read and the download: ask the task for a fresh one.
            destination.SetLength(0);
            url = await OutputUrlAsync(jobId, cancellationToken).ConfigureAwait(false);
            await _transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, url), destination, jobId, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(string Path, JsonObject Body, string Prompt, string Model)> GenerateBodyAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        var model = request.Model ?? Capabilities.DefaultModel;
        if (model == RunwayCapabilities.EditModel)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"runway's {model} only edits clips; generate with gen4.5 or veo3.1", param: "model");
        }

        var body = new JsonObject
        {
            ["model"] = model,
            ["promptText"] = request.Prompt,
            ["ratio"] = Ratio(request.Size),
            ["duration"] = request.Seconds,
        };
        if (request.Seed is { } seed)
        {
            body["seed"] = seed;
        }

        var veo = model.StartsWith("veo", StringComparison.Ordinal);
        foreach (var option in request.Options.Where(o => !o.IsPath))
        {
            switch (option.Name)
            {
                case "negative_prompt" when veo:
                    body["negativePrompt"] = option.Value;
                    break;
                case "audio" when veo:
                    body["audio"] = option.Value == "true";
                    break;
            }
        }

        if (request.FirstFramePath is not { } first)
        {
            return ("v1/text_to_video", body, request.Prompt, model);
        }

        var firstUri = await Wire.DataUriAsync(first, "first-frame image", cancellationToken).ConfigureAwait(false);
        if (veo)
        {
            // The Veo models take positioned frames; Gen-4.5 takes the first frame alone.
            var frames = new JsonArray(new JsonObject { ["uri"] = firstUri, ["position"] = "first" });
            if (request.LastFramePath is { } last)
            {
                frames.Add(new JsonObject { ["uri"] = await Wire.DataUriAsync(last, "last-frame image", cancellationToken).ConfigureAwait(false), ["position"] = "last" });
            }

            body["promptImage"] = frames;
        }
        else
        {
            body["promptImage"] = firstUri;
        }

        return ("v1/image_to_video", body, request.Prompt, model);
    }

    private async Task<(string Path, JsonObject Body, string Prompt, string Model)> EditBodyAsync(EditRequest request, CancellationToken cancellationToken)
    {
        var model = request.Model ?? RunwayCapabilities.EditModel;
        if (model != RunwayCapabilities.EditModel)
        {
            throw _transport.Fail(ErrorClass.Invalid, $"runway edits clips with {RunwayCapabilities.EditModel} only, not {model}: set `model: {RunwayCapabilities.EditModel}` on the edit", param: "model");
        }

        var source = request.SourceVideoPath is { } p && File.Exists(p)
            ? p
            : throw _transport.Fail(ErrorClass.Invalid, $"runway edits need the source clip on disk: {request.SourceVideoPath ?? "(none)"}");
        var body = new JsonObject
        {
            ["model"] = model,
            ["videoUri"] = await UploadAsync(source, cancellationToken).ConfigureAwait(false),
            ["promptText"] = request.Prompt,
        };
        return ("v1/video_to_video", body, request.Prompt, model);
    }

    /// <summary><c>POST /v1/uploads</c> (ephemeral), then the multipart POST of its fields and the file; returns the <c>runway://</c> URI.</summary>
    private async Task<string> UploadAsync(string path, CancellationToken cancellationToken)
    {
        var create = new Uri(_root + "v1/uploads");
        var request = new JsonObject { ["filename"] = Path.GetFileName(path), ["type"] = "ephemeral" };
        string? uploadUrl, runwayUri;
        var fields = new List<KeyValuePair<string, string>>();
        using (var reply = await _transport.RetriedJsonAsync(() => new HttpRequestMessage(HttpMethod.Post, create) { Content = Wire.JsonContent(request) }, cancellationToken).ConfigureAwait(false))
        {
            uploadUrl = Wire.String(reply.Root, "uploadUrl");
            runwayUri = Wire.String(reply.Root, "runwayUri");
            if (reply.Root.ValueKind == JsonValueKind.Object && reply.Root.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object)
            {
                fields.AddRange(f.EnumerateObject().Select(x => new KeyValuePair<string, string>(x.Name, x.Value.ToString())));
            }
        }

        if (uploadUrl is null || runwayUri is null || !Uri.TryCreate(uploadUrl, UriKind.Absolute, out var target))
        {
            throw _transport.Fail(ErrorClass.Invalid, "runway uploads: the answer carried no uploadUrl/runwayUri");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        using var response = await _transport.SendWithRetryAsync(
            () =>
            {
                var form = new MultipartFormDataContent();
                foreach (var (name, value) in fields)
                {
                    form.Add(new StringContent(value), name);
                }

                var file = new ByteArrayContent(bytes);
                file.Headers.ContentType = new MediaTypeHeaderValue(Wire.VideoContentType(path));
                form.Add(file, "file", Path.GetFileName(path));
                return new HttpRequestMessage(HttpMethod.Post, target) { Content = form };
            },
            HttpCompletionOption.ResponseContentRead,
            cancellationToken).ConfigureAwait(false);
        return runwayUri;
    }

    private async Task<Uri> OutputUrlAsync(string jobId, CancellationToken cancellationToken)
    {
        using var reply = await TaskAsync(jobId, cancellationToken).ConfigureAwait(false);
        var output = reply.Root.ValueKind == JsonValueKind.Object && reply.Root.TryGetProperty("output", out var o) && o.ValueKind == JsonValueKind.Array && o.GetArrayLength() > 0
            ? o[0].GetString()
            : null;
        return output is not null && Uri.TryCreate(output, UriKind.Absolute, out var url)
            ? url
            : throw _transport.Fail(ErrorClass.Invalid, $"runway task {jobId} has no output (status {Wire.String(reply.Root, "status") ?? "?"})");
    }

    private Task<JsonReply> TaskAsync(string jobId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var url = new Uri(_root + "v1/tasks/" + Uri.EscapeDataString(jobId));
        return _transport.RetriedJsonAsync(() => Get(url), cancellationToken);
    }

    /// <summary>Runway's <c>ratio</c>: the pixel size as <c>W:H</c> (<c>1280:720</c>).</summary>
    internal static string Ratio(VideoSize size) => string.Create(CultureInfo.InvariantCulture, $"{size.Width}:{size.Height}");

    private bool IsApi(Uri url) =>
        string.Equals(url.Scheme, _options.BaseUrl.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.Host, _options.BaseUrl.Host, StringComparison.OrdinalIgnoreCase)
        && url.Port == _options.BaseUrl.Port
        && url.AbsolutePath.StartsWith(new Uri(_root).AbsolutePath + "v1/", StringComparison.Ordinal);

    private static HttpRequestMessage Get(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }
}
