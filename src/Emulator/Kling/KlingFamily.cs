using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Faults;
using Reel.Emulator.Http;

namespace Reel.Emulator.Kling;

/// <summary>
/// Kling's routes under <c>/kling</c> (its <c>/v1/videos</c> paths overlap OpenAI's, so <c>KLING_BASE_URL</c> is the
/// emulator root plus <c>/kling</c>), and <c>/kling-cdn/…</c> standing in for Kling's CDN. Requests carry
/// <c>Authorization: Bearer &lt;JWT&gt;</c>: HS256 over <c>{iss, exp, nbf}</c>. With <c>--api-key</c> the signature
/// must verify with that key as the secret key (a wrong secret is 401 code 1002); without, any well-formed token in
/// its validity window is accepted. An expired token is 1004, one not yet valid 1003, none 1001.
/// </summary>
internal sealed class KlingFamily(KlingApi api, TimeProvider time) : IApiFamily
{
    public bool Serves(string[] segments) => segments is ["kling", ..] or ["kling-cdn", ..];

    public ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey)
    {
        if (segments is ["kling-cdn", ..])
        {
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        if (token.Length == 0)
        {
            return new KlingError(401, 1001, "Authorization is empty").ToResult();
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return new KlingError(401, 1002, "Authorization is invalid").ToResult();
        }

        if (apiKey is not null)
        {
            var expected = Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiKey), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1])));
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[2])))
            {
                return new KlingError(401, 1002, "Authorization is invalid").ToResult();
            }
        }

        long? exp, nbf;
        string? iss;
        try
        {
            using var header0 = JsonDocument.Parse(FromBase64Url(parts[0]));
            using var payload = JsonDocument.Parse(FromBase64Url(parts[1]));
            if (!header0.RootElement.TryGetProperty("alg", out var alg) || alg.GetString() != "HS256")
            {
                return new KlingError(401, 1002, "Authorization is invalid").ToResult();
            }

            var root = payload.RootElement;
            iss = root.TryGetProperty("iss", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            exp = root.TryGetProperty("exp", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetInt64() : null;
            nbf = root.TryGetProperty("nbf", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return new KlingError(401, 1002, "Authorization is invalid").ToResult();
        }

        if (string.IsNullOrEmpty(iss) || exp is null)
        {
            return new KlingError(401, 1002, "Authorization is invalid").ToResult();
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (nbf is { } notBefore && now < notBefore)
        {
            return new KlingError(401, 1003, "Authorization is not yet valid").ToResult();
        }

        return now >= exp ? new KlingError(401, 1004, "Authorization has expired").ToResult() : null;
    }

    public ApiResult Fault(RequestFault fault) => fault switch
    {
        RequestFault.TooManyRequests => new KlingError(429, 1303, "Parallel task over resource pack limit").ToResult(),
        RequestFault.InternalError => new KlingError(500, 5000, "Server internal error").ToResult(),
        _ => new KlingError(503, 5001, "Server temporarily unavailable, usually due to maintenance").ToResult(),
    };

    public ApiResult InternalError(string message) => new KlingError(500, 5000, message).ToResult();

    public ApiResult BodyError(BodyException error) => new KlingError(400, 1200, $"Invalid request parameters: {error.Message}").ToResult();

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        try
        {
            return await api.DispatchAsync(context, segments, cancellationToken).ConfigureAwait(false);
        }
        catch (KlingError error)
        {
            return error.ToResult();
        }
    }

    public bool IsContentDownload(string[] segments) => segments is ["kling-cdn", _];

    public bool IsCreate(string method, string[] segments) => method == "POST" && segments is ["kling", "v1", "videos", _];

    public bool IsStatusPoll(string method, string[] segments) => method == "GET" && segments is ["kling", "v1", "videos", _, _];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}
