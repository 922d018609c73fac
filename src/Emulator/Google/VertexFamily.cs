using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;

namespace Reel.Emulator.Google;

/// <summary>
/// Veo on Vertex AI, under <c>/v1beta1</c>, in the regional form (<c>projects/{p}/locations/{l}/publishers/google/models/…</c>)
/// and the express form (<c>publishers/google/models/…</c>). Authentication by <c>Authorization: Bearer</c> (an OAuth token)
/// or, in express mode, <c>x-goog-api-key</c>; missing or wrong credentials are 401 UNAUTHENTICATED, a wrong key 400 API_KEY_INVALID.
/// </summary>
internal sealed class VertexFamily(VeoApi api) : GoogleFamily
{
    private const string Service = "aiplatform.googleapis.com";

    public override bool Serves(string[] segments) => segments is ["v1beta1", ..];

    public override ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey)
    {
        var header = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && header[Bearer.Length..].Trim() is { Length: > 0 } token)
        {
            return apiKey is null || string.Equals(token, apiKey, StringComparison.Ordinal) ? null : Error(new GoogleErrorException(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                GoogleErrorException.ErrorInfo("ACCESS_TOKEN_TYPE_UNSUPPORTED", Service)));
        }

        if (ApiKeyOf(request) is { } key)
        {
            return CheckKey(key, apiKey, Service);
        }

        return Error(new GoogleErrorException(
            401,
            "UNAUTHENTICATED",
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            GoogleErrorException.ErrorInfo("CREDENTIALS_MISSING", Service)));
    }

    /// <summary>Vertex returns videos inline in JSON: nothing here is a media download.</summary>
    public override bool IsContentDownload(string[] segments) => false;

    public override bool IsStatusPoll(string method, string[] segments) =>
        method == "POST" && segments is ["v1beta1", .., var last] && last.EndsWith(":fetchPredictOperation", StringComparison.Ordinal);

    protected override async Task<ApiResult> RouteAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var path = segments[1..];
        var models = path switch
        {
            ["projects", _, "locations", _, "publishers", "google", "models", _] => 7,
            ["publishers", "google", "models", _] => 3,
            _ => -1,
        };
        if (models < 0 || request.Method != "POST")
        {
            throw NoRoute(request);
        }

        var (model, verb) = SplitVerb(path[models]);
        var resource = string.Join('/', path[..models].Append(model));
        return verb switch
        {
            "predictLongRunning" => api.VertexPredict(resource, model, await ReadJsonAsync(request, cancellationToken).ConfigureAwait(false)),
            "fetchPredictOperation" => await api.VertexFetchAsync(resource, model, await ReadJsonAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false),
            _ => throw NoRoute(request),
        };
    }
}
