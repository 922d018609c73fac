using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Reel.Engine.Providers.Http;

/// <summary>An HTTP failure read from a provider's error body, classified per design.md §4.</summary>
public sealed record WireFailure(ErrorClass Class, string? Message, string? Code = null, string? Param = null);

/// <summary>A parsed JSON answer and the provider's polling hint, if it sent one.</summary>
public sealed record JsonReply(JsonDocument Json, TimeSpan? PollAfter) : IDisposable
{
    public JsonElement Root => Json.RootElement;

    public void Dispose() => Json.Dispose();
}

/// <summary>How one provider authenticates, reads its errors and names itself in messages.</summary>
/// <param name="Name">The provider name used in messages and logs (<c>openai</c>, <c>fal</c>, <c>veo</c>).</param>
/// <param name="Secret">The key or token: sent only by <paramref name="Authorize"/>, removed from every message.</param>
/// <param name="Authorize">Adds the credentials to a request.</param>
/// <param name="ParseError">Reads an error answer (status and body, possibly empty) into a classified failure.</param>
/// <param name="AuthHint">Appended to 401/403 messages, e.g. ". Check FAL_KEY".</param>
public sealed record HttpProfile(
    string Name,
    string Secret,
    Action<HttpRequestMessage> Authorize,
    Func<HttpStatusCode, string, WireFailure> ParseError,
    string AuthHint)
{
    /// <summary>Reads the provider's polling hint from a successful answer (OpenAI's <c>openai-poll-after-ms</c>).</summary>
    public Func<HttpResponseMessage, TimeSpan?>? PollHint { get; init; }

    /// <summary>The response header carrying the provider's request id, for logs.</summary>
    public string RequestIdHeader { get; init; } = "x-request-id";

    /// <summary>Shows the name only; the secret is always masked.</summary>
    public override string ToString() => $"HttpProfile {{ Name = {Name}, Secret = *** }}";
}

/// <summary>
/// The transport every HTTP provider shares: classified failures, secret redaction, and retries with backoff for
/// idempotent requests only. A request that creates a job is sent exactly once; when it gets no answer the
/// exception is marked <see cref="ProviderException.Unanswered"/>, because the job may exist anyway.
/// </summary>
public sealed class ProviderHttp(HttpClient http, HttpProfile profile, TimeProvider time, ILogger logger)
{
    /// <summary>Attempts per idempotent request; creating requests get exactly one.</summary>
    public const int MaxAttempts = 5;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(0.5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);
    private const int MaxErrorBodyChars = 64 * 1024;

    public string Name => profile.Name;

    /// <summary>Sends one request once; success returns the response (caller disposes), failure throws classified.</summary>
    public async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var owned = request;
        profile.Authorize(request);
        var method = request.Method.Method;
        var path = request.RequestUri!.AbsolutePath;
        HttpLog.Request(logger, profile.Name, method, path);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Transient($"{profile.Name} {method} {path}: request timed out", ex, unanswered: true);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            throw Transient($"{profile.Name} {method} {path}: connection failed: {ex.Message}", ex, unanswered: false);
        }
        catch (HttpRequestException ex)
        {
            throw Transient($"{profile.Name} {method} {path}: connection dropped: {ex.Message}", ex, unanswered: true);
        }
        catch (IOException ex)
        {
            throw Transient($"{profile.Name} {method} {path}: connection dropped: {ex.Message}", ex, unanswered: true);
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

    /// <summary>Sends an idempotent request (a fresh message per attempt), retrying transient failures with backoff.</summary>
    public async Task<HttpResponseMessage> SendWithRetryAsync(Func<HttpRequestMessage> make, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var request = make();
            var method = request.Method.Method;
            var path = request.RequestUri!.AbsolutePath;
            try
            {
                return await SendOnceAsync(request, completion, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex) when (ex.Class == ErrorClass.Transient && attempt < MaxAttempts)
            {
                var delay = ex.RetryAfter ?? Backoff(attempt);
                HttpLog.Retrying(logger, profile.Name, method, path, attempt, delay);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>An idempotent request (retried) whose answer is JSON.</summary>
    public async Task<JsonReply> RetriedJsonAsync(Func<HttpRequestMessage> make, CancellationToken cancellationToken)
    {
        using var response = await SendWithRetryAsync(make, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return new JsonReply(await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false), profile.PollHint?.Invoke(response));
    }

    /// <summary>A creating request, sent once, whose answer is JSON.</summary>
    public async Task<JsonReply> PostJsonOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendOnceAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        try
        {
            return new JsonReply(await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false), profile.PollHint?.Invoke(response));
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Transient)
        {
            // The job was accepted but its answer was lost.
            throw new ProviderException(ex.Error, ex.RetryAfter, ex.InnerException) { Unanswered = true };
        }
    }

    /// <summary>
    /// Streams a download into <paramref name="destination"/>. Connecting is retried; once bytes have been written
    /// nothing is retried: a short or dropped body throws a transient "truncated download" and the caller retries
    /// into a fresh file.
    /// </summary>
    public async Task DownloadAsync(Func<HttpRequestMessage> make, Stream destination, string what, CancellationToken cancellationToken)
    {
        using var response = await SendWithRetryAsync(make, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var expected = response.Content.Headers.ContentLength;
        long received = 0;
        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDrop(ex, cancellationToken))
        {
            throw Truncated(what, received, expected, ex);
        }

        await using (body.ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            while (true)
            {
                int n;
                try
                {
                    n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsDrop(ex, cancellationToken))
                {
                    throw Truncated(what, received, expected, ex);
                }

                if (n == 0)
                {
                    break;
                }

                await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                received += n;
            }
        }

        if (expected is { } length && received < length)
        {
            throw Truncated(what, received, expected, null);
        }
    }

    public async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
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
            throw Transient($"{profile.Name} {response.RequestMessage?.RequestUri?.AbsolutePath}: malformed JSON response", ex);
        }
        catch (HttpRequestException ex)
        {
            throw Transient($"{profile.Name}: response dropped: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw Transient($"{profile.Name}: response dropped: {ex.Message}", ex);
        }
    }

    /// <summary>A transient failure whose message (and attached inner exception) never holds the secret.</summary>
    public ProviderException Transient(string message, Exception? inner = null, bool unanswered = false) =>
        new(new ProviderError(ErrorClass.Transient, Redact(message)), null, Contains(inner?.ToString()) ? null : inner) { Unanswered = unanswered };

    /// <summary>A failure of another class, redacted.</summary>
    public ProviderException Fail(ErrorClass errorClass, string message, string? code = null, string? param = null) =>
        new(new ProviderError(errorClass, Redact(message), Redact(code), Redact(param)));

    /// <summary>Removes the secret from text that may echo it (a gateway's error message, an exception message).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Redact(string? text) =>
        text is null || profile.Secret.Length == 0 ? text : text.Replace(profile.Secret, "***", StringComparison.Ordinal);

    /// <summary>Exponential backoff 0.5 s, 1 s, 2 s, 4 s, 8 s (capped) with ±20 % jitter, never above the cap.</summary>
    public static TimeSpan Backoff(int attempt)
    {
        var baseDelay = FirstBackoff * Math.Pow(2, Math.Min(attempt - 1, 10));
        if (baseDelay > MaxBackoff)
        {
            baseDelay = MaxBackoff;
        }

        var jittered = baseDelay * (0.8 + (0.4 * Random.Shared.NextDouble()));
        return jittered > MaxBackoff ? MaxBackoff : jittered;
    }

    /// <summary><c>retry-after-ms</c> (milliseconds), else <c>Retry-After</c> (seconds or an HTTP date).</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
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

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim()
        : response.Content.Headers.TryGetValues(name, out var cvalues) ? cvalues.FirstOrDefault()?.Trim()
        : null;

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
        var wire = profile.ParseError(status, body);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{profile.Name} {method} {path}: HTTP {(int)status} {response.ReasonPhrase}");
        var detail = wire.Message ?? (body.Length > 0 && body.Length <= 500 && !body.TrimStart().StartsWith('{') ? body.Trim() : null);
        if (!string.IsNullOrEmpty(detail))
        {
            text.Append(": ").Append(detail);
        }

        if (wire.Param is { Length: > 0 } param)
        {
            text.Append(" (param: ").Append(param).Append(')');
        }

        if (wire.Code is { Length: > 0 } code)
        {
            text.Append(" [code: ").Append(code).Append(']');
        }

        if (wire.Class == ErrorClass.QuotaOrAuth && (int)status is 401 or 403)
        {
            text.Append(profile.AuthHint);
        }

        var message = Redact(text.ToString());
        var requestId = Header(response, profile.RequestIdHeader);
        HttpLog.RequestFailed(logger, profile.Name, method, path, wire.Class, (int)status, requestId, message);
        var retryAfter = wire.Class == ErrorClass.Transient ? RetryAfter(response, time.GetUtcNow()) : null;
        return new ProviderException(new ProviderError(wire.Class, message, Redact(wire.Code), Redact(wire.Param)), retryAfter);
    }

    private bool Contains(string? text) => text is not null && profile.Secret.Length > 0 && text.Contains(profile.Secret, StringComparison.Ordinal);

    private static bool IsDrop(Exception ex, CancellationToken cancellationToken) =>
        ex is IOException or HttpRequestException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private ProviderException Truncated(string what, long received, long? expected, Exception? inner)
    {
        var of = expected?.ToString(CultureInfo.InvariantCulture) ?? "an unknown number of";
        HttpLog.Truncated(logger, profile.Name, what, received, of);
        return Transient($"{profile.Name} download of {what}: truncated download: got {received} of {of} bytes", inner);
    }
}
