using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;

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

    /// <summary>More values to remove from every message: the credentials in the base URL (<see cref="ProviderEnvironment.UrlSecrets"/>).</summary>
    public IReadOnlyList<string> OtherSecrets { get; init; } = [];

    /// <summary>The response header carrying the provider's request id, for logs.</summary>
    public string RequestIdHeader { get; init; } = "x-request-id";

    /// <summary>Shows the name only; the secret is always masked.</summary>
    public override string ToString() => $"HttpProfile {{ Name = {Name}, Secret = *** }}";
}

/// <summary>
/// The transport every HTTP provider shares: classified failures, secret redaction, and the one retry policy
/// (<see cref="Retries"/>, with Polly) for idempotent requests only. A request that creates a job is sent exactly
/// once; when it gets no answer the exception is marked <see cref="ProviderException.Unanswered"/>, because the job
/// may exist anyway.
/// </summary>
public sealed partial class ProviderHttp
{
    private const int MaxErrorBodyChars = 64 * 1024;

    /// <summary>The method and path of the attempt in flight, for the retry log.</summary>
    private static readonly ResiliencePropertyKey<(string Method, string Path)> Attempt = new("reel.attempt");

    /// <summary>Set once a download has written to a destination it can't rewind: no retry can undo that.</summary>
    private static readonly ResiliencePropertyKey<bool> Committed = new("reel.committed");

    private readonly HttpClient _http;
    private readonly HttpProfile _profile;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _idempotent;

    /// <param name="http">The client to send with.</param>
    /// <param name="profile">How the provider authenticates, reads errors and names itself.</param>
    /// <param name="retries">The retry policy (and with it the clock).</param>
    /// <param name="logger">Never receives the secret.</param>
    public ProviderHttp(HttpClient http, HttpProfile profile, Retries retries, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(retries);
        ArgumentNullException.ThrowIfNull(logger);
        _http = http;
        _profile = profile;
        _time = retries.Time;
        _logger = logger;
        _idempotent = retries.Pipeline(
            (_, context) => !context.Properties.GetValue(Committed, false),
            (_, context, retry, delay) =>
            {
                var (method, path) = context.Properties.GetValue(Attempt, ("?", "?"));
                HttpLog.Retrying(logger, profile.Name, method, path, retry, delay);
            });
    }

    /// <summary>Sends an idempotent request (a fresh message per attempt), retrying transient failures per <see cref="Retries"/>.</summary>
    public Task<HttpResponseMessage> SendWithRetryAsync(Func<HttpRequestMessage> make, HttpCompletionOption completion, CancellationToken cancellationToken) =>
        RetriedAsync(make, (request, token) => SendAsync(request, completion, probe: false, token), cancellationToken);

    /// <summary>An idempotent request (retried) whose answer is JSON.</summary>
    public async Task<JsonReply> RetriedJsonAsync(Func<HttpRequestMessage> make, CancellationToken cancellationToken)
    {
        using var response = await SendWithRetryAsync(make, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return new JsonReply(await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false), _profile.PollHint?.Invoke(response));
    }

    /// <summary>
    /// An access check: one cheap authenticated request, sent once and logged at debug only. A refused key throws
    /// <see cref="ErrorClass.QuotaOrAuth"/>; a transient failure is not retried (it only means "don't know yet": the
    /// run goes on and its own calls are retried). With <paramref name="rejectionMeansAccepted"/>, an answer classified
    /// <see cref="ErrorClass.Invalid"/> (a 404 for a probe of a made-up id, on providers with no cheap call that can
    /// succeed) also means the key was accepted.
    /// </summary>
    public async Task ProbeAsync(Func<HttpRequestMessage> make, bool rejectionMeansAccepted, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(make(), HttpCompletionOption.ResponseHeadersRead, probe: true, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (rejectionMeansAccepted && ex.Class == ErrorClass.Invalid)
        {
            // Authentication comes before routing: a "not found" answer means the key got through.
        }

        HttpLog.AccessChecked(_logger, _profile.Name);
    }

    /// <summary>A creating request, sent once, whose answer is JSON.</summary>
    public async Task<JsonReply> PostJsonOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, probe: false, cancellationToken).ConfigureAwait(false);
        try
        {
            return new JsonReply(await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false), _profile.PollHint?.Invoke(response));
        }
        catch (ProviderException ex) when (ex.Class == ErrorClass.Transient)
        {
            // The job was accepted but its answer was lost.
            throw ex.AsUnanswered();
        }
    }

    /// <summary>Sends one request once; success returns the response (caller disposes), failure throws classified.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, bool probe, CancellationToken cancellationToken)
    {
        using var owned = request;
        _profile.Authorize(request);
        var method = request.Method.Method;
        var path = request.RequestUri!.AbsolutePath;
        HttpLog.Request(_logger, _profile.Name, method, path);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Transient($"{_profile.Name} {method} {path}: request timed out", ex, unanswered: true);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            throw Transient($"{_profile.Name} {method} {path}: connection failed: {ex.Message}", ex, unanswered: false);
        }
        catch (HttpRequestException ex)
        {
            throw Transient($"{_profile.Name} {method} {path}: connection dropped: {ex.Message}", ex, unanswered: true);
        }
        catch (IOException ex)
        {
            throw Transient($"{_profile.Name} {method} {path}: connection dropped: {ex.Message}", ex, unanswered: true);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ToExceptionAsync(response, method, path, probe, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="send"/> on a fresh message per attempt under the idempotent retry pipeline.</summary>
    private async Task<HttpResponseMessage> RetriedAsync(
        Func<HttpRequestMessage> make, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            return await _idempotent.ExecuteAsync(
                async ctx =>
                {
                    var request = make();
                    ctx.Properties.Set(Attempt, (request.Method.Method, request.RequestUri!.AbsolutePath));
                    return await send(request, ctx.CancellationToken).ConfigureAwait(false);
                },
                context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
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
            throw Transient($"{_profile.Name} {response.RequestMessage?.RequestUri?.AbsolutePath}: malformed JSON response", ex);
        }
        catch (HttpRequestException ex)
        {
            throw Transient($"{_profile.Name}: response dropped: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw Transient($"{_profile.Name}: response dropped: {ex.Message}", ex);
        }
    }

    /// <summary>A transient failure whose message (and attached inner exception) never holds the secret.</summary>
    public ProviderException Transient(string message, Exception? inner = null, bool unanswered = false) =>
        ProviderException.Transient(Redact(message), Contains(inner?.ToString()) ? null : inner, unanswered);

    /// <summary>A failure of another class, redacted.</summary>
    public ProviderException Fail(ErrorClass errorClass, string message, string? code = null, string? param = null) =>
        ProviderException.From(new ProviderError(errorClass, Redact(message), Redact(code), Redact(param)));

    /// <summary>
    /// Removes the secret (and the base URL's credentials) from text that may echo it: a gateway's error message, a
    /// failed job's error, an exception message.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        if (_profile.Secret.Length > 0)
        {
            text = text.Replace(_profile.Secret, "***", StringComparison.Ordinal);
        }

        foreach (var secret in _profile.OtherSecrets)
        {
            if (secret.Length > 0)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>A provider's error with every text field redacted (a job's error is read from the provider's answer).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(error))]
    public ProviderError? Redact(ProviderError? error) =>
        error is null ? null : error with { Message = Redact(error.Message), Code = Redact(error.Code), Param = Redact(error.Param) };

    /// <summary>A job's status with its error redacted: every poll, listing and batch result passes through here.</summary>
    public JobStatus Redact(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Error is null ? status : status with { Error = Redact(status.Error) };
    }

    /// <summary><c>retry-after-ms</c> (milliseconds), else <c>Retry-After</c> (seconds or an HTTP date).</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
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

    private async Task<ProviderException> ToExceptionAsync(HttpResponseMessage response, string method, string path, bool probe, CancellationToken cancellationToken)
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
        var wire = _profile.ParseError(status, body);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{_profile.Name} {method} {path}: HTTP {(int)status} {response.ReasonPhrase}");
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
            text.Append(_profile.AuthHint);
        }

        var message = Redact(text.ToString());
        var requestId = Header(response, _profile.RequestIdHeader);
        if (probe)
        {
            // An access check reports its outcome to its caller; the log keeps quiet about it.
            HttpLog.ProbeFailed(_logger, _profile.Name, method, path, wire.Class, (int)status, requestId, message);
        }
        else
        {
            HttpLog.RequestFailed(_logger, _profile.Name, method, path, wire.Class, (int)status, requestId, message);
        }

        var retryAfter = wire.Class == ErrorClass.Transient ? RetryAfter(response, _time.GetUtcNow()) : null;
        var error = new ProviderError(wire.Class, message, Redact(wire.Code), Redact(wire.Param))
        {
            // A 429 that is a rate limit (not an exhausted quota, which stops the run): the caller may slow down.
            RateLimited = status == HttpStatusCode.TooManyRequests && wire.Class == ErrorClass.Transient,
        };
        return ProviderException.From(error, retryAfter);
    }

    private bool Contains(string? text) =>
        text is not null
        && ((_profile.Secret.Length > 0 && text.Contains(_profile.Secret, StringComparison.Ordinal))
            || _profile.OtherSecrets.Any(s => s.Length > 0 && text.Contains(s, StringComparison.Ordinal)));

    private static bool IsDrop(Exception ex, CancellationToken cancellationToken) =>
        ex is IOException or HttpRequestException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private ProviderException Truncated(string what, long received, long? expected, Exception? inner)
    {
        var of = expected?.ToString(CultureInfo.InvariantCulture) ?? "an unknown number of";
        HttpLog.Truncated(_logger, _profile.Name, what, received, of);
        return Transient($"{_profile.Name} download of {what}: truncated download: got {received} of {of} bytes", inner);
    }
}
