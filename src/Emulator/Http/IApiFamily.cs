using Microsoft.AspNetCore.Http;
using Reel.Emulator.Faults;

namespace Reel.Emulator.Http;

/// <summary>
/// One provider's wire API inside the emulator (OpenAI, fal, Google). The server picks the family that
/// serves a path, checks its authentication, draws a fault, and lets the family answer; every error a
/// family produces is in that provider's own error shape.
/// </summary>
internal interface IApiFamily
{
    /// <summary>True when this family owns the path (its segments, split on '/').</summary>
    bool Serves(string[] segments);

    /// <summary>
    /// Null when the request may proceed; otherwise the provider's 401/403 answer. <paramref name="apiKey"/> is the
    /// key the emulator was started with (null: any non-empty credential is accepted). Public media URLs need none.
    /// </summary>
    ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey);

    /// <summary>The provider's answer for an injected 429, 500 or 503.</summary>
    ApiResult Fault(RequestFault fault);

    /// <summary>The provider's answer when the emulator itself fails while handling a request.</summary>
    ApiResult InternalError(string message);

    /// <summary>
    /// The provider's 4xx answer to a body the client got wrong (not JSON, a declared type the route does not take, broken
    /// framing, too large); <see cref="BodyException.Status"/> is a suggestion the family may replace with its own.
    /// </summary>
    ApiResult BodyError(BodyException error);

    /// <summary>Handles the request; errors are returned as results, never thrown.</summary>
    Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken);

    /// <summary>True for media downloads, which the <c>truncate</c> fault may cut short.</summary>
    bool IsContentDownload(string[] segments);

    /// <summary>True for a request that creates something billable (a job, a batch), which <c>createdrop</c>/<c>createreset</c> hit.</summary>
    bool IsCreate(string method, string[] segments);

    /// <summary>True for a poll of a job's status, which the <c>poll503</c> fault answers with 503.</summary>
    bool IsStatusPoll(string method, string[] segments);
}
