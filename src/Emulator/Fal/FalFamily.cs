using Microsoft.AspNetCore.Http;
using Reel.Emulator.Faults;
using Reel.Emulator.Http;

namespace Reel.Emulator.Fal;

/// <summary>
/// fal's routes on the emulator root — what <c>queue.fal.run</c>, <c>fal.run</c> and the REST storage host serve
/// (<c>/fal-ai/…</c>, <c>/storage/upload/…</c>) plus a public file path standing in for fal's CDN (<c>/fal-cdn/…</c>) —
/// with <c>Authorization: Key …</c> and fal's <c>{"detail": …}</c> error bodies.
/// </summary>
internal sealed class FalFamily(FalApi api) : IApiFamily
{
    public bool Serves(string[] segments) => segments is ["fal-ai", ..] or ["fal-cdn", ..] or ["storage", "upload", ..];

    public ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey)
    {
        if (segments is ["fal-cdn", ..])
        {
            // File URLs and signed upload URLs are public.
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        const string Key = "Key ";
        var credential = header.StartsWith(Key, StringComparison.OrdinalIgnoreCase) ? header[Key.Length..].Trim() : "";
        if (credential.Length == 0)
        {
            return FalErrorException.Detail(401, "Authentication is required to access this application. Send 'Authorization: Key <your key>'.").ToResult();
        }

        return apiKey is null || string.Equals(credential, apiKey, StringComparison.Ordinal)
            ? null
            : FalErrorException.Detail(401, "Invalid API key.").ToResult();
    }

    public ApiResult Fault(RequestFault fault) => fault switch
    {
        RequestFault.TooManyRequests => new JsonResult(
            429,
            new System.Text.Json.Nodes.JsonObject { ["detail"] = "Too many requests. Please slow down and retry later." },
            new Dictionary<string, string> { ["retry-after"] = "1", ["x-fal-retryable"] = "true" }),
        RequestFault.InternalError => FalErrorException.Detail(500, "An unexpected internal error occurred.", "internal_error", retryable: true).ToResult(),
        _ => FalErrorException.Detail(503, "No runner could be allocated to handle the request.", "runner_scheduling_failure", retryable: true).ToResult(),
    };

    public ApiResult InternalError(string message) => FalErrorException.Detail(500, message, "internal_error").ToResult();

    /// <summary>
    /// FastAPI's answers: a body that is not JSON is 422 <c>json_invalid</c>; a body declared as another type is not
    /// parsed and fails validation as a non-object (422 <c>model_attributes_type</c>); framing errors and an oversized
    /// body are the server's plain <c>{"detail"}</c> 400 and 413.
    /// </summary>
    public ApiResult BodyError(BodyException error) => error.Problem switch
    {
        BodyProblem.MalformedJson => FalErrorException.Validation([FalErrorException.Error(
            "json_invalid", "JSON decode error", [(int)Math.Min(error.Position ?? 0, int.MaxValue)], new System.Text.Json.Nodes.JsonObject(),
            new System.Text.Json.Nodes.JsonObject { ["error"] = error.Message })]).ToResult(),
        BodyProblem.UnsupportedMediaType => FalErrorException.Validation([FalErrorException.Error(
            "model_attributes_type", "Input should be a valid dictionary or object to extract fields from", [],
            System.Text.Json.Nodes.JsonValue.Create($"<body of type {error.ContentType}>"))]).ToResult(),
        BodyProblem.TooLarge => FalErrorException.Detail(413, "Request Entity Too Large", "request_too_large", retryable: false).ToResult(),
        _ => FalErrorException.Detail(400, error.Message, "invalid_request", retryable: false).ToResult(),
    };

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        try
        {
            return await api.DispatchAsync(context, segments, cancellationToken).ConfigureAwait(false);
        }
        catch (FalErrorException error)
        {
            return error.ToResult();
        }
    }

    public bool IsContentDownload(string[] segments) => segments is ["fal-cdn", "files", _, _];

    public bool IsCreate(string method, string[] segments) => method == "POST" && FalEndpoint.All.ContainsKey(string.Join('/', segments));

    public bool IsStatusPoll(string method, string[] segments) => method == "GET" && segments is ["fal-ai", _, "requests", _, "status"];
}
