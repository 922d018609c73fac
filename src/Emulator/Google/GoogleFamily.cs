using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Faults;
using Reel.Emulator.Http;

namespace Reel.Emulator.Google;

/// <summary>What the two Google families share: Google's error bodies for faults and failures, and error handling around dispatch.</summary>
internal abstract class GoogleFamily : IApiFamily
{
    public abstract bool Serves(string[] segments);

    public abstract ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey);

    public ApiResult Fault(RequestFault fault) => fault switch
    {
        RequestFault.TooManyRequests => Error(new GoogleErrorException(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).")),
        RequestFault.InternalError => Error(new GoogleErrorException(500, "INTERNAL", "Internal error encountered.")),
        _ => Error(new GoogleErrorException(503, "UNAVAILABLE", "The service is currently unavailable.")),
    };

    public ApiResult InternalError(string message) => Error(new GoogleErrorException(500, "INTERNAL", message));

    /// <summary>Google's answers: every unreadable or mistyped body is 400 INVALID_ARGUMENT; an oversized one 413.</summary>
    public ApiResult BodyError(BodyException error) => Error(error.Problem switch
    {
        BodyProblem.MalformedJson => GoogleErrorException.InvalidArgument($"Invalid JSON payload received. {error.Message}"),
        BodyProblem.UnsupportedMediaType => GoogleErrorException.InvalidArgument(
            $"Invalid JSON payload received. Unexpected Content-Type '{error.ContentType}': this method takes application/json."),
        BodyProblem.TooLarge => new GoogleErrorException(413, "INVALID_ARGUMENT", $"Request payload size exceeds the limit: {JsonBody.MaxBodyBytes} bytes."),
        _ => GoogleErrorException.InvalidArgument(error.Message),
    });

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        try
        {
            return await RouteAsync(context, segments, cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleErrorException error)
        {
            return Error(error);
        }
    }

    public abstract bool IsContentDownload(string[] segments);

    public abstract bool IsStatusPoll(string method, string[] segments);

    public bool IsCreate(string method, string[] segments) =>
        method == "POST" && segments.Length > 0 && segments[^1].EndsWith(":predictLongRunning", StringComparison.Ordinal);

    protected abstract Task<ApiResult> RouteAsync(HttpContext context, string[] segments, CancellationToken cancellationToken);

    protected static JsonResult Error(GoogleErrorException error) => new(error.Code, error.ToJson());

    /// <summary>Google's answer to a path or method it has no route for.</summary>
    protected static GoogleErrorException NoRoute(HttpRequest request) =>
        GoogleErrorException.NotFound($"Method not found: {request.Method} {request.Path}.");

    /// <summary>The last segment split at its colon: <c>veo-3.1-generate-preview:predictLongRunning</c> → (model, verb).</summary>
    protected static (string Name, string Verb) SplitVerb(string segment)
    {
        var colon = segment.LastIndexOf(':');
        return colon < 0 ? (segment, "") : (segment[..colon], segment[(colon + 1)..]);
    }

    /// <summary>Reads a JSON object body; Google answers malformed JSON with 400 INVALID_ARGUMENT (<see cref="BodyError"/>).</summary>
    protected static async Task<JsonObject> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var bytes = await JsonBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            return [];
        }

        var node = JsonBody.Parse(bytes);
        return node as JsonObject
            ?? throw GoogleErrorException.InvalidArgument($"Invalid JSON payload received. Expected an object, got {node?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}.");
    }

    /// <summary>The credential in <c>x-goog-api-key</c> or, failing that, the <c>key</c> query parameter.</summary>
    protected static string? ApiKeyOf(HttpRequest request)
    {
        var header = request.Headers["x-goog-api-key"].ToString();
        if (!string.IsNullOrWhiteSpace(header))
        {
            return header.Trim();
        }

        var query = request.Query["key"].ToString();
        return string.IsNullOrWhiteSpace(query) ? null : query.Trim();
    }

    /// <summary>Null (accepted) when no key is configured or <paramref name="key"/> is it, else Google's answer to a wrong key.</summary>
    protected static ApiResult? CheckKey(string key, string? apiKey, string service) =>
        apiKey is null || string.Equals(key, apiKey, StringComparison.Ordinal) ? null : InvalidKey(service);

    /// <summary>400 INVALID_ARGUMENT with reason API_KEY_INVALID: Google's answer to a key it doesn't know.</summary>
    protected static JsonResult InvalidKey(string service) => Error(new GoogleErrorException(
        400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", GoogleErrorException.ErrorInfo("API_KEY_INVALID", service)));
}
