using System.Text.Json.Nodes;

namespace Reel.Emulator.Http;

/// <summary>What a handler answers; the server writes it (or, under a fault, drops or truncates it).</summary>
internal abstract record ApiResult(int Status);

internal sealed record JsonResult(int Status, JsonNode Body, IReadOnlyDictionary<string, string>? Headers = null) : ApiResult(Status)
{
    public static JsonResult Ok(JsonNode body, IReadOnlyDictionary<string, string>? headers = null) => new(200, body, headers);
}

internal sealed record FileResult(string Path, string ContentType, string? FileName = null) : ApiResult(200);

internal sealed record BytesResult(byte[] Bytes, string ContentType, IReadOnlyDictionary<string, string>? Headers = null) : ApiResult(200);

/// <summary>An answer without a body (204 No Content).</summary>
internal sealed record EmptyResult(int Status) : ApiResult(Status);
