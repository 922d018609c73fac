using Microsoft.AspNetCore.Http;
using Reel.Emulator.Faults;
using Reel.Emulator.Http;

namespace Reel.Emulator.OpenAi;

/// <summary>The OpenAI routes under <c>/v1</c>, with bearer authentication and OpenAI's error bodies.</summary>
internal sealed class OpenAiFamily(OpenAiApi api) : IApiFamily
{
    public bool Serves(string[] segments) => segments is ["v1", ..];

    public ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey)
    {
        if (apiKey is null)
        {
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        var ok = header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            && string.Equals(header[Bearer.Length..].Trim(), apiKey, StringComparison.Ordinal);
        return ok ? null : Error(new ApiErrorException(
            401,
            "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
            code: "invalid_api_key"));
    }

    public ApiResult Fault(RequestFault fault) => fault switch
    {
        RequestFault.TooManyRequests => new JsonResult(
            429,
            new ApiErrorException(429, "Rate limit reached for requests. Please try again in 1s.", code: "rate_limit_exceeded", type: "requests").ToJson(),
            new Dictionary<string, string> { ["retry-after"] = "1", ["retry-after-ms"] = "1000" }),
        RequestFault.InternalError => Error(new ApiErrorException(
            500, "The server had an error while processing your request. Sorry about that!", type: "server_error")),
        _ => Error(new ApiErrorException(503, "The server is overloaded or not ready yet.", code: "service_unavailable", type: "server_error")),
    };

    public ApiResult InternalError(string message) => Error(new ApiErrorException(500, message, type: "server_error"));

    public ApiResult BodyError(BodyException error) => Error(error.Problem switch
    {
        BodyProblem.MalformedJson => new ApiErrorException(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. "
            + $"The OpenAI API expects a JSON payload, but what was sent was not valid JSON.) {error.Message}"),
        BodyProblem.UnsupportedMediaType => new ApiErrorException(
            400,
            $"Unsupported content type: '{error.ContentType}'. This API method only accepts 'application/json' requests (and 'multipart/form-data' "
            + "where a file is uploaded), but you specified the header 'Content-Type: " + error.ContentType + "'. Please try again with a supported content type.",
            code: "unsupported_content_type"),
        BodyProblem.TooLarge => new ApiErrorException(413, error.Message, code: "request_too_large"),
        _ => new ApiErrorException(400, error.Message),
    });

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        try
        {
            return await api.DispatchAsync(context, segments[1..], cancellationToken).ConfigureAwait(false);
        }
        catch (ApiErrorException error)
        {
            return Error(error);
        }
    }

    public bool IsContentDownload(string[] segments) => segments is ["v1", "videos", _, "content"] or ["v1", "files", _, "content"];

    public bool IsStatusPoll(string method, string[] segments) => method == "GET" && segments is ["v1", "videos", not "characters"];

    public bool IsCreate(string method, string[] segments) =>
        method == "POST" && segments is ["v1", "videos"] or ["v1", "videos", "edits" or "extensions" or "characters"] or ["v1", "videos", _, "remix"] or ["v1", "batches"];

    private static JsonResult Error(ApiErrorException error) => new(error.Status, error.ToJson());
}
