using System.Globalization;
using System.Security;
using System.Text;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Faults;
using Reel.Emulator.Http;

namespace Reel.Emulator.S3;

/// <summary>
/// The S3 subset Reel's remote store uses, on the emulator's port: a request signed with AWS Signature V4 (every AWS
/// SDK request is) is an S3 request, path-style (<c>/bucket/key</c>), and a bucket exists on first use. Errors are S3's
/// XML bodies. Signatures are recognised, not verified: any signed request is accepted.
/// </summary>
internal sealed class S3Family(S3Buckets buckets) : IApiFamily
{
    /// <summary>True for a SigV4-signed request (header or presigned query): those belong to this family, whatever their path.</summary>
    public static bool Owns(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal)
        || request.Query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256";

    /// <summary>Never chosen by path: <see cref="Owns"/> picks this family by the request's signature.</summary>
    public bool Serves(string[] segments) => false;

    public ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey)
    {
        var header = request.Headers.Authorization.ToString();
        var credential = header.Contains("Credential=", StringComparison.Ordinal) || request.Query.ContainsKey("X-Amz-Credential");
        return credential ? null : S3Error.Result(403, "AccessDenied", "Access Denied: the request is not signed with a credential");
    }

    public ApiResult Fault(RequestFault fault) => fault switch
    {
        RequestFault.InternalError => S3Error.Result(500, "InternalError", "We encountered an internal error. Please try again."),
        _ => S3Error.Result(503, "SlowDown", "Please reduce your request rate."),
    };

    public ApiResult InternalError(string message) => S3Error.Result(500, "InternalError", message);

    public ApiResult BodyError(BodyException error) =>
        error.Problem == BodyProblem.TooLarge ? S3Error.Result(400, "EntityTooLarge", error.Message) : S3Error.Result(400, "IncompleteBody", error.Message);

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (segments.Length == 0)
        {
            return S3Error.Result(400, "InvalidRequest", "Only path-style requests (/bucket/key) are served; set ForcePathStyle");
        }

        var bucket = segments[0];
        var path = request.Path.Value ?? "/";
        var key = path.Length > bucket.Length + 2 ? path[(bucket.Length + 2)..] : "";
        var query = request.Query;
        var method = request.Method;
        if (key.Length == 0)
        {
            return method switch
            {
                "GET" when query.ContainsKey("uploads") => buckets.ListUploads(bucket, query["prefix"].ToString()),
                "GET" => buckets.List(bucket, query["prefix"].ToString(), query["continuation-token"].ToString(), Int(query["max-keys"], 1000)),
                "PUT" or "HEAD" => buckets.Touch(bucket),
                _ => S3Error.Result(405, "MethodNotAllowed", $"The specified method is not allowed against this resource ({method} on a bucket)"),
            };
        }

        var uploadId = query["uploadId"].ToString();
        switch (method)
        {
            case "PUT" when uploadId.Length > 0:
                return buckets.UploadPart(bucket, key, uploadId, Int(query["partNumber"], 0), await BodyAsync(request, cancellationToken).ConfigureAwait(false));
            case "PUT":
                return await buckets.PutAsync(bucket, key, request.Headers.IfNoneMatch.ToString(), request.Headers.IfMatch.ToString(), () => BodyAsync(request, cancellationToken)).ConfigureAwait(false);
            case "GET" when uploadId.Length > 0:
                return buckets.ListParts(bucket, key, uploadId);
            case "GET" or "HEAD":
                return buckets.Get(bucket, key, head: method == "HEAD", request.Headers.IfNoneMatch.ToString(), request.Headers.IfMatch.ToString());
            case "DELETE" when uploadId.Length > 0:
                return buckets.Abort(bucket, key, uploadId);
            case "DELETE":
                return buckets.Delete(bucket, key, request.Headers.IfMatch.ToString());
            case "POST" when query.ContainsKey("uploads"):
                return buckets.Initiate(bucket, key);
            case "POST" when uploadId.Length > 0:
                return buckets.Complete(bucket, key, uploadId, Encoding.UTF8.GetString(await BodyAsync(request, cancellationToken).ConfigureAwait(false)), request.Headers.IfNoneMatch.ToString());
            default:
                return S3Error.Result(405, "MethodNotAllowed", $"The specified method is not allowed against this resource ({method})");
        }
    }

    public bool IsContentDownload(string[] segments) => segments.Length > 1;

    public bool IsCreate(string method, string[] segments) => false;

    public bool IsStatusPoll(string method, string[] segments) => false;

    private static int Int(Microsoft.Extensions.Primitives.StringValues value, int fallback) =>
        int.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    /// <summary>The request body; an <c>aws-chunked</c> body (SDK defaults: streaming signatures, checksum trailers) is unwrapped.</summary>
    private static async Task<byte[]> BodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var raw = buffer.ToArray();
        var sha = request.Headers["x-amz-content-sha256"].ToString();
        var chunked = sha.StartsWith("STREAMING-", StringComparison.Ordinal) || request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.Ordinal);
        return chunked ? Dechunk(raw) : raw;
    }

    private static byte[] Dechunk(byte[] raw)
    {
        using var output = new MemoryStream();
        var at = 0;
        while (at < raw.Length)
        {
            var end = IndexOfCrLf(raw, at);
            if (end < 0)
            {
                throw new BodyException(400, BodyProblem.BadFraming, "The aws-chunked body is cut short");
            }

            var header = Encoding.ASCII.GetString(raw, at, end - at);
            var semicolon = header.IndexOf(';', StringComparison.Ordinal);
            if (!int.TryParse(semicolon < 0 ? header : header[..semicolon], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0 || end + 2 + size > raw.Length)
            {
                throw new BodyException(400, BodyProblem.BadFraming, "The aws-chunked body has a bad chunk header");
            }

            if (size == 0)
            {
                break;
            }

            output.Write(raw, end + 2, size);
            at = end + 2 + size + 2;
        }

        return output.ToArray();
    }

    private static int IndexOfCrLf(byte[] raw, int from)
    {
        for (var i = from; i + 1 < raw.Length; i++)
        {
            if (raw[i] == '\r' && raw[i + 1] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>S3's XML error bodies.</summary>
internal static class S3Error
{
    public static BytesResult Result(int status, string code, string message, string? condition = null) =>
        new(Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + SecurityElement.Escape(message) + "</Message>"
            + (condition is null ? "" : "<Condition>" + condition + "</Condition>")
            + "<RequestId>" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant() + "</RequestId></Error>"),
            "application/xml")
        { Status = status };
}
