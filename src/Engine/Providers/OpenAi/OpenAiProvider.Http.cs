using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Providers.OpenAi;

/// <content>Transport: the shared <see cref="ProviderHttp"/> with OpenAI's bearer key, error bodies and poll hint.</content>
public sealed partial class OpenAiProvider
{
    private static HttpProfile Profile(OpenAiOptions options) => new(
        "openai",
        options.ApiKey,
        request => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey),
        (status, body) =>
        {
            var wire = OpenAiWire.ParseError(body);
            return new WireFailure(OpenAiWire.Classify(status, wire), wire?.Message, wire?.Code, wire?.Param);
        },
        ". Check OPENAI_API_KEY (and OPENAI_BASE_URL)")
    {
        PollHint = PollAfter,
        OtherSecrets = ProviderEnvironment.UrlSecrets(options.BaseUrl),
    };

    /// <summary>Builds the absolute URL of <paramref name="relative"/> (no leading slash) under the base URL.</summary>
    private Uri Url(string relative) => new(_root + relative);

    private HttpRequestMessage NewRequest(HttpMethod method, string relative, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, Url(relative)) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }


    /// <summary>Sends an idempotent request, retrying transient failures with backoff (never for creating POSTs).</summary>
    private Task<HttpResponseMessage> SendWithRetryAsync(HttpMethod method, string relative, HttpCompletionOption completion, CancellationToken cancellationToken) =>
        _transport.SendWithRetryAsync(() => NewRequest(method, relative), completion, cancellationToken);

    /// <summary>GET (with retry) and parse JSON.</summary>
    private async Task<(JsonDocument Json, TimeSpan? PollAfter)> GetJsonAsync(string relative, CancellationToken cancellationToken)
    {
        var reply = await _transport.RetriedJsonAsync(() => NewRequest(HttpMethod.Get, relative), cancellationToken).ConfigureAwait(false);
        return (reply.Json, reply.PollAfter);
    }

    /// <summary>POST once (a creating request is never retried here: the engine reconciles first) and parse JSON.</summary>
    private async Task<(JsonDocument Json, TimeSpan? PollAfter)> PostJsonAsync(string relative, HttpContent content, CancellationToken cancellationToken)
    {
        var reply = await _transport.PostJsonOnceAsync(NewRequest(HttpMethod.Post, relative, content), cancellationToken).ConfigureAwait(false);
        return (reply.Json, reply.PollAfter);
    }

    private ProviderException Transient(string message, Exception? inner = null) => _transport.Transient(message, inner);


    private static TimeSpan? PollAfter(HttpResponseMessage response) =>
        ProviderHttp.Header(response, "openai-poll-after-ms") is { } ms
        && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 0
            ? TimeSpan.FromMilliseconds(m)
            : null;
}
