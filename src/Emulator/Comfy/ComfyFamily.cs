using Microsoft.AspNetCore.Http;
using Reel.Emulator.Faults;
using Reel.Emulator.Http;

namespace Reel.Emulator.Comfy;

/// <summary>
/// ComfyUI's native routes under <c>/comfy</c> (<c>COMFY_BASE_URL</c> is the emulator root plus <c>/comfy</c>); like
/// ComfyUI, every route is also served under <c>/comfy/api</c>. A self-hosted ComfyUI has no auth: without
/// <c>--api-key</c> none is asked for; with it, every request needs <c>Authorization: Bearer K</c> (a server behind a
/// token), else 401.
/// </summary>
internal sealed class ComfyFamily(ComfyApi api) : IApiFamily
{
    public bool Serves(string[] segments) => segments is ["comfy", ..] or ["comfy-v2", ..];

    public ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey)
    {
        if (apiKey is null)
        {
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        return string.Equals(token, apiKey, StringComparison.Ordinal)
            ? null
            : new ComfyError(401, "unauthorized", "Unauthorized: send Authorization: Bearer <token>").ToResult();
    }

    public ApiResult Fault(RequestFault fault) => fault switch
    {
        RequestFault.TooManyRequests => new ComfyError(429, "queue_full", "The queue is full").ToResult(new Dictionary<string, string> { ["retry-after"] = "1" }),
        RequestFault.InternalError => new ComfyError(500, "server_error", "Internal server error").ToResult(),
        _ => new ComfyError(503, "service_unavailable", "Service unavailable").ToResult(),
    };

    public ApiResult InternalError(string message) => new ComfyError(500, "server_error", message).ToResult();

    public ApiResult BodyError(BodyException error) => new ComfyError(400, "invalid_prompt", "Invalid prompt", error.Message).ToResult();

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        try
        {
            return await api.DispatchAsync(context, Native(segments), cancellationToken).ConfigureAwait(false);
        }
        catch (ComfyError error)
        {
            return error.ToResult();
        }
    }

    public bool IsContentDownload(string[] segments) => Native(segments) is ["view"] or ["v2", "assets", _, "content"];

    public bool IsCreate(string method, string[] segments) => method == "POST" && Native(segments) is ["prompt"] or ["v2", "jobs"];

    public bool IsStatusPoll(string method, string[] segments) => method == "GET" && Native(segments) is ["history", _] or ["queue"] or ["v2", "jobs", _];

    /// <summary>
    /// The route without its mount: <c>/comfy[/api]/…</c> is the native server (no v2 routes, as in ComfyUI core);
    /// <c>/comfy-v2/api/v2/…</c> is Comfy API v2 as comfy-api-proxy serves it on its own port.
    /// </summary>
    private static string[] Native(string[] segments) => segments switch
    {
        ["comfy-v2", "api", "v2", .. var v2] => ["v2", .. v2],
        ["comfy-v2", ..] => ["no-route"],
        ["comfy", "api", "v2", ..] or ["comfy", "v2", ..] => ["no-route"],
        ["comfy", "api", .. var rest] => rest,
        ["comfy", .. var tail] => tail,
        _ => segments,
    };
}
