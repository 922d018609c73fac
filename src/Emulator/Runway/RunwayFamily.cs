using Microsoft.AspNetCore.Http;
using Reel.Emulator.Faults;
using Reel.Emulator.Http;

namespace Reel.Emulator.Runway;

/// <summary>
/// Runway's routes on the emulator root (what <c>api.dev.runwayml.com</c> serves: <c>/v1/text_to_video</c>,
/// <c>/v1/image_to_video</c>, <c>/v1/video_to_video</c>, <c>/v1/tasks/{id}</c>, <c>/v1/uploads</c>,
/// <c>/v1/organization</c>) plus <c>/runway-cdn/…</c> standing in for its signed output and upload URLs, with
/// <c>Authorization: Bearer</c>, <c>X-Runway-Version</c> and <c>{"error"}</c> bodies. Listed before the OpenAI family,
/// which owns every other <c>/v1</c> path.
/// </summary>
internal sealed class RunwayFamily(RunwayApi api) : IApiFamily
{
    private static readonly string[] Roots = ["text_to_video", "image_to_video", "video_to_video", "tasks", "uploads", "organization"];

    public bool Serves(string[] segments) => segments is ["v1", var root, ..] && Roots.Contains(root) || segments is ["runway-cdn", ..];

    public ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey)
    {
        if (segments is ["runway-cdn", ..])
        {
            // Signed URLs carry their own authority.
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        var secret = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        if (secret.Length == 0 || (apiKey is not null && !string.Equals(secret, apiKey, StringComparison.Ordinal)))
        {
            return new RunwayError(401, "Invalid API secret. Make sure the Authorization header is 'Bearer <your API secret>'.").ToResult();
        }

        var version = request.Headers["X-Runway-Version"].ToString();
        if (version.Length == 0)
        {
            return new RunwayError(400, "The X-Runway-Version header is required. The current version is 2024-11-06.").ToResult();
        }

        return version == RunwayApi.Version ? null : new RunwayError(400, $"Unsupported API version '{version}'. The current version is {RunwayApi.Version}.").ToResult();
    }

    public ApiResult Fault(RequestFault fault) => fault switch
    {
        RequestFault.TooManyRequests => new RunwayError(429, "You have exceeded the rate limit or your daily generation limit. Please retry later.")
            .ToResult(new Dictionary<string, string> { ["retry-after"] = "1" }),
        RequestFault.InternalError => new RunwayError(500, "An unexpected error occurred.").ToResult(),
        _ => new RunwayError(503, "The service is temporarily unavailable.").ToResult(),
    };

    public ApiResult InternalError(string message) => new RunwayError(500, message).ToResult();

    public ApiResult BodyError(BodyException error) => new RunwayError(error.Status is >= 400 and < 500 ? error.Status : 400, error.Message).ToResult();

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        try
        {
            return await api.DispatchAsync(context, segments, cancellationToken).ConfigureAwait(false);
        }
        catch (RunwayError error)
        {
            return error.ToResult();
        }
    }

    public bool IsContentDownload(string[] segments) => segments is ["runway-cdn", "outputs", _];

    public bool IsCreate(string method, string[] segments) => method == "POST" && segments is ["v1", "text_to_video" or "image_to_video" or "video_to_video"];

    public bool IsStatusPoll(string method, string[] segments) => method == "GET" && segments is ["v1", "tasks", _];
}
