using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Reel.Engine.Providers.OpenAi;

/// <content>Transport: authentication, error classification, the GET retry loop.</content>
public sealed partial class OpenAiProvider
{
    /// <summary>Attempts per idempotent request (GET, DELETE); creating requests get exactly one.</summary>
    internal const int MaxAttempts = 5;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(0.5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);
    private const int MaxErrorBodyChars = 64 * 1024;

    /// <summary>Builds the absolute URL of <paramref name="relative"/> (no leading slash) under the base URL.</summary>
    private Uri Url(string relative) => new(_root + relative);

    private HttpRequestMessage NewRequest(HttpMethod method, string relative, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, Url(relative)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static StringContent Json(JsonNode body) =>
        new(body.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>
    /// Sends one request once. Success returns the response (caller disposes); any failure is thrown as a
    /// classified <see cref="ProviderException"/>. Cancellation by <paramref name="cancellationToken"/> propagates as is.
    /// </summary>
    private async Task<HttpResponseMessage> SendOnceAsync(
        HttpRequestMessage request,
        HttpCompletionOption completion,
        CancellationToken cancellationToken)
    {
        using var owned = request;
        var method = request.Method.Method;
        var path = request.RequestUri!.AbsolutePath;
        Log.Request(_logger, method, path);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Transient($"openai {method} {path}: request timed out", ex);
        }
        catch (HttpRequestException ex)
        {
            throw Transient($"openai {method} {path}: connection failed: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw Transient($"openai {method} {path}: connection dropped: {ex.Message}", ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ToExceptionAsync(response, method, path, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends an idempotent request, retrying transient failures with backoff (never for creating POSTs).</summary>
    private async Task<HttpResponseMessage> SendWithRetryAsync(
        HttpMethod method,
        string relative,
        HttpCompletionOption completion,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SendOnceAsync(NewRequest(method, relative), completion, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex) when (ex.Class == ErrorClass.Transient && attempt < MaxAttempts)
            {
                var delay = ex.RetryAfter ?? Backoff(attempt);
                Log.Retrying(_logger, method.Method, "/" + relative, attempt, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Exponential backoff 0.5 s, 1 s, 2 s, 4 s, 8 s (capped) with ±20 % jitter, never above the cap.</summary>
    internal static TimeSpan Backoff(int attempt)
    {
        var baseDelay = FirstBackoff * Math.Pow(2, Math.Min(attempt - 1, 10));
        if (baseDelay > MaxBackoff)
        {
            baseDelay = MaxBackoff;
        }

        var jittered = baseDelay * (0.8 + (0.4 * Random.Shared.NextDouble()));
        return jittered > MaxBackoff ? MaxBackoff : jittered;
    }

    private async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException ex)
        {
            throw Transient($"openai {response.RequestMessage?.RequestUri?.AbsolutePath}: malformed JSON response", ex);
        }
        catch (HttpRequestException ex)
        {
            throw Transient($"openai: response dropped: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw Transient($"openai: response dropped: {ex.Message}", ex);
        }
    }

    /// <summary>GET (with retry) and parse JSON.</summary>
    private async Task<(JsonDocument Json, TimeSpan? PollAfter)> GetJsonAsync(string relative, CancellationToken cancellationToken)
    {
        using var response = await SendWithRetryAsync(
            HttpMethod.Get, relative, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var json = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        return (json, PollAfter(response));
    }

    /// <summary>POST once (a creating request is never retried here: the engine reconciles first) and parse JSON.</summary>
    private async Task<(JsonDocument Json, TimeSpan? PollAfter)> PostJsonAsync(string relative, HttpContent content, CancellationToken cancellationToken)
    {
        using var response = await SendOnceAsync(
            NewRequest(HttpMethod.Post, relative, content), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var json = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        return (json, PollAfter(response));
    }

    private async Task<ProviderException> ToExceptionAsync(HttpResponseMessage response, string method, string path, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            body = string.Empty;
        }

        if (body.Length > MaxErrorBodyChars)
        {
            body = body[..MaxErrorBodyChars];
        }

        var status = response.StatusCode;
        var wire = OpenAiWire.ParseError(body);
        var cls = OpenAiWire.Classify(status, wire);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"openai {method} {path}: HTTP {(int)status} {response.ReasonPhrase}");
        var detail = wire?.Message ?? (wire is null && body.Length > 0 && body.Length <= 500 ? body.Trim() : null);
        if (!string.IsNullOrEmpty(detail))
        {
            text.Append(": ").Append(detail);
        }

        if (wire?.Param is { Length: > 0 } param)
        {
            text.Append(" (param: ").Append(param).Append(')');
        }

        if (wire?.Code is { Length: > 0 } code)
        {
            text.Append(" [code: ").Append(code).Append(']');
        }

        if (cls == ErrorClass.QuotaOrAuth && (int)status is 401 or 403)
        {
            text.Append(". Check OPENAI_API_KEY (and OPENAI_BASE_URL)");
        }

        var message = Redact(text.ToString());
        var requestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null;
        Log.RequestFailed(_logger, method, path, cls, (int)status, requestId, message);
        var retryAfter = cls == ErrorClass.Transient ? RetryAfter(response, _time.GetUtcNow()) : null;
        return new ProviderException(
            new ProviderError(cls, message, Redact(wire?.Code), Redact(wire?.Param)),
            retryAfter);
    }

    private ProviderException Transient(string message, Exception? inner = null) =>
        new(new ProviderError(ErrorClass.Transient, Redact(message)), null, Contains(inner?.ToString()) ? null : inner);

    /// <summary>True when <paramref name="text"/> holds the key (such an inner exception is not attached).</summary>
    private bool Contains(string? text) => text is not null && text.Contains(_options.ApiKey, StringComparison.Ordinal);

    /// <summary>Removes the key from text that may echo it (a gateway's error message, an exception message).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    private string? Redact(string? text) =>
        text is null || _options.ApiKey.Length == 0 ? text : text.Replace(_options.ApiKey, "***", StringComparison.Ordinal);

    /// <summary><c>retry-after-ms</c> (milliseconds), else <c>Retry-After</c> (seconds or an HTTP date).</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (Header(response, "retry-after-ms") is { } ms
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 0)
        {
            return TimeSpan.FromMilliseconds(m);
        }

        if (Header(response, "Retry-After") is not { } raw)
        {
            return null;
        }

        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static TimeSpan? PollAfter(HttpResponseMessage response) =>
        Header(response, "openai-poll-after-ms") is { } ms
        && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 0
            ? TimeSpan.FromMilliseconds(m)
            : null;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim()
        : response.Content.Headers.TryGetValues(name, out var cvalues) ? cvalues.FirstOrDefault()?.Trim()
        : null;
}
