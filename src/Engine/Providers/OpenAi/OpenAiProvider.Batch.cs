using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.OpenAi;

/// <content>The Batch API for <c>POST /v1/videos</c> (openai-videos.md §9).</content>
public sealed partial class OpenAiProvider
{
    private static readonly TimeSpan FirstBatchPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBatchPoll = TimeSpan.FromSeconds(15);
    private static readonly string[] BatchResultFiles = ["output_file_id", "error_file_id"];

    /// <summary>Pages of the batch list <see cref="FindBatchAsync"/> reads at most (100 batches each).</summary>
    private const int MaxBatchPages = 5;

    /// <inheritdoc/>
    /// <remarks>
    /// Generate requests only. Bodies are JSON (the Batch API takes no multipart): a first-frame image, already
    /// fitted to size by the caller, is inlined as a base64 data URL. Each line's <c>custom_id</c> is the step id,
    /// so step ids must be unique within one batch. Creating the batch is not retried; polling is, with backoff 1 s → 15 s.
    /// </remarks>
    public async Task<IReadOnlyList<JobStatus>> SubmitBatchAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        cancellationToken.ThrowIfCancellationRequested();
        if (requests.Count == 0)
        {
            return [];
        }

        var batchId = await StartBatchAsync(requests, cancellationToken).ConfigureAwait(false);
        return await CompleteBatchAsync(batchId, requests, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<string> StartBatchAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default)
    {
        var inputId = await UploadBatchAsync(requests, cancellationToken).ConfigureAwait(false);
        return await CreateBatchAsync(inputId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>POST /files, purpose <c>batch</c>, a JSONL file with one <c>POST /v1/videos</c> line per request.</remarks>
    public async Task<string> UploadBatchAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        cancellationToken.ThrowIfCancellationRequested();
        if (requests.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one request", nameof(requests));
        }

        var jsonl = await BuildBatchInputAsync(requests, cancellationToken).ConfigureAwait(false);

        var form = new MultipartFormDataContent();
        Field(form, "purpose", "batch");
        var file = new ByteArrayContent(jsonl);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = Quote("file"),
            FileName = Quote("reel-batch.jsonl"),
        };
        form.Add(file);
        var (uploaded, _) = await PostJsonAsync("files", form, cancellationToken).ConfigureAwait(false);
        using (uploaded)
        {
            return OpenAiWire.String(uploaded.RootElement, "id")
                ?? throw Transient("openai POST /files: the response carried no file id");
        }
    }

    /// <inheritdoc/>
    /// <remarks>POST /batches with <c>input_file_id</c>, endpoint <c>/v1/videos</c> and the 24 h window; never retried here.</remarks>
    public async Task<string> CreateBatchAsync(string inputId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputId);
        cancellationToken.ThrowIfCancellationRequested();
        var create = new JsonObject
        {
            ["input_file_id"] = inputId,
            ["endpoint"] = "/v1/videos",
            ["completion_window"] = "24h",
        };
        var (batch, _) = await PostJsonAsync("batches", Wire.JsonContent(create), cancellationToken).ConfigureAwait(false);
        using (batch)
        {
            var id = OpenAiWire.String(batch.RootElement, "id")
                ?? throw _transport.Transient("openai POST /batches: the response carried no batch id", unanswered: true);
            Log.BatchStatus(_logger, id, OpenAiWire.String(batch.RootElement, "status") ?? "created");
            return id;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// GET /batches?limit=100, newest first, following <c>after</c> for at most <see cref="MaxBatchPages"/> pages: the
    /// batch sought was created moments ago. Each input file is uploaded for one batch, so its id names the batch.
    /// </remarks>
    public async Task<string?> FindBatchAsync(string inputId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputId);
        cancellationToken.ThrowIfCancellationRequested();
        string? after = null;
        for (var page = 0; page < MaxBatchPages; page++)
        {
            var relative = "batches?limit=100" + (after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after));
            var (json, _) = await GetJsonAsync(relative, cancellationToken).ConfigureAwait(false);
            using (json)
            {
                var root = json.RootElement;
                string? last = null;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                {
                    foreach (var batch in data.EnumerateArray())
                    {
                        var id = OpenAiWire.String(batch, "id");
                        if (id is { Length: > 0 } && OpenAiWire.String(batch, "input_file_id") == inputId)
                        {
                            return id;
                        }

                        last = id ?? last;
                    }
                }

                var next = OpenAiWire.String(root, "last_id") ?? last;
                if (OpenAiWire.Bool(root, "has_more") != true || next is null || next == after)
                {
                    return null;
                }

                after = next;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<JobStatus>> CompleteBatchAsync(string batchId, IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(batchId);
        ArgumentNullException.ThrowIfNull(requests);
        cancellationToken.ThrowIfCancellationRequested();
        var index = IndexByStep(requests);
        var delay = FirstBatchPoll;
        string? lastStatus = null;
        while (true)
        {
            var (json, _) = await GetJsonAsync("batches/" + Uri.EscapeDataString(batchId), cancellationToken).ConfigureAwait(false);
            using (json)
            {
                var root = json.RootElement;
                var status = OpenAiWire.String(root, "status")?.ToLowerInvariant() ?? "unknown";
                if (status != lastStatus)
                {
                    Log.BatchStatus(_logger, batchId, status);
                    lastStatus = status;
                }

                if (status is "completed" or "failed" or "expired" or "cancelled" or "canceled")
                {
                    return await CollectBatchAsync(root, status, requests, index, cancellationToken).ConfigureAwait(false);
                }
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 > MaxBatchPoll ? MaxBatchPoll : delay * 2;
        }
    }

    private async Task<byte[]> BuildBatchInputAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken)
    {
        IndexByStep(requests);
        var text = new StringBuilder();
        foreach (var any in requests)
        {
            if (any is not GenerateRequest request)
            {
                throw new ArgumentException($"batch takes Generate requests only; step '{any.StepId}' is {any.Kind}", nameof(requests));
            }

            var body = OpenAiWire.GenerateBody(request);
            if (request.FirstFramePath is { } image)
            {
                var mime = await ImageTypeAsync(image, cancellationToken).ConfigureAwait(false);
                var bytes = await File.ReadAllBytesAsync(image, cancellationToken).ConfigureAwait(false);
                OpenAiWire.WithImageUrl(body, $"data:{mime};base64,{Convert.ToBase64String(bytes)}");
            }

            var line = new JsonObject
            {
                ["custom_id"] = request.StepId,
                ["method"] = "POST",
                ["url"] = "/v1/videos",
                ["body"] = body,
            };
            text.Append(line.ToJsonString()).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static Dictionary<string, int> IndexByStep(IReadOnlyList<JobRequest> requests)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            if (!index.TryAdd(requests[i].StepId, i))
            {
                throw new ArgumentException($"step id '{requests[i].StepId}' appears twice in one batch", nameof(requests));
            }
        }

        return index;
    }

    private async Task<IReadOnlyList<JobStatus>> CollectBatchAsync(
        JsonElement batch,
        string status,
        IReadOnlyList<JobRequest> requests,
        Dictionary<string, int> index,
        CancellationToken cancellationToken)
    {
        var results = new JobStatus?[requests.Count];
        foreach (var fileField in BatchResultFiles)
        {
            if (OpenAiWire.String(batch, fileField) is not { Length: > 0 } fileId)
            {
                continue;
            }

            var content = await GetTextAsync("files/" + Uri.EscapeDataString(fileId) + "/content", cancellationToken).ConfigureAwait(false);
            foreach (var raw in content.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                if (ParseBatchLine(line) is ({ } customId, { } result) && index.TryGetValue(customId, out var i))
                {
                    results[i] ??= result;
                }
            }
        }

        // Batch-level errors (validation of the input file) name a 1-based line, or none.
        ProviderError? batchError = null;
        if (batch.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            && errors.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in data.EnumerateArray())
            {
                var error = LineError(OpenAiWire.String(e, "code"), OpenAiWire.String(e, "message"), OpenAiWire.String(e, "param"));
                if (OpenAiWire.Int32(e, "line") is { } line && line >= 1 && line <= requests.Count)
                {
                    results[line - 1] ??= new JobStatus(string.Empty, JobState.Failed, 0, error);
                }
                else
                {
                    batchError ??= error;
                }
            }
        }

        var missing = batchError
            ?? (status == "failed"
                ? new ProviderError(ErrorClass.Invalid, "openai batch failed")
                : new ProviderError(ErrorClass.Transient, $"openai batch {status} without a result for this request", status));
        return [.. results.Select(r => r ?? new JobStatus(string.Empty, JobState.Failed, 0, missing))];
    }

    /// <summary>One output/error line: <c>{custom_id, response:{status_code, body}, error}</c>.</summary>
    private (string? CustomId, JobStatus? Result) ParseBatchLine(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var customId = OpenAiWire.String(root, "custom_id");
            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var e = LineError(OpenAiWire.String(error, "code"), OpenAiWire.String(error, "message"), OpenAiWire.String(error, "param"));
                return (customId, new JobStatus(string.Empty, JobState.Failed, 0, e));
            }

            if (!root.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
            {
                return (customId, null);
            }

            var code = OpenAiWire.Int32(response, "status_code") ?? 200;
            response.TryGetProperty("body", out var body);
            if (code is >= 200 and < 300)
            {
                var video = ParseVideo(body, null);
                return (customId, video.JobId.Length > 0 ? video : null);
            }

            WireError? wire = null;
            if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var be) && be.ValueKind == JsonValueKind.Object)
            {
                wire = new WireError(OpenAiWire.String(be, "message"), OpenAiWire.String(be, "type"), OpenAiWire.String(be, "param"), OpenAiWire.String(be, "code"));
            }

            var cls = OpenAiWire.Classify((HttpStatusCode)code, wire);
            var message = $"HTTP {code}: {wire?.Message ?? "request failed in batch"}" + (wire?.Param is { Length: > 0 } p ? $" (param: {p})" : string.Empty);
            return (customId, new JobStatus(string.Empty, JobState.Failed, 0, _transport.Redact(new ProviderError(cls, message, wire?.Code, wire?.Param))));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private ProviderError LineError(string? code, string? message, string? param)
    {
        var cls = OpenAiWire.IsModeration(code, message) ? ErrorClass.Moderation
            : code is not null && code.Contains("quota", StringComparison.OrdinalIgnoreCase) ? ErrorClass.QuotaOrAuth
            : code is not null && (code.Contains("expired", StringComparison.OrdinalIgnoreCase) || code.Contains("rate_limit", StringComparison.OrdinalIgnoreCase)) ? ErrorClass.Transient
            : ErrorClass.Invalid;
        var text = (message ?? code ?? "batch request failed") + (param is { Length: > 0 } ? $" (param: {param})" : string.Empty);
        return _transport.Redact(new ProviderError(cls, text, code, param));
    }

    private async Task<string> GetTextAsync(string relative, CancellationToken cancellationToken)
    {
        using var response = await SendWithRetryAsync(HttpMethod.Get, relative, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }
}
