using System.Globalization;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Reel.Emulator.Http;

namespace Reel.Emulator.S3;

/// <summary>
/// The buckets, in memory: objects with their ETag (the MD5 of the content; a multipart object's is the MD5 of its parts'
/// MD5s and "-N"), open multipart uploads, and the conditional writes of S3 — <c>If-None-Match: *</c> and <c>If-Match</c>
/// answer 412 PreconditionFailed when they do not hold, and a conditional write that overlaps another one on the same key
/// answers 409 ConditionalRequestConflict, as AWS documents.
/// </summary>
internal sealed class S3Buckets(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, S3Object>> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Upload> _uploads = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> _conditionalInFlight = [];

    private sealed record S3Object(byte[] Bytes, string ETag, DateTimeOffset Modified);

    private sealed record Upload(string Bucket, string Key, DateTimeOffset Initiated, SortedDictionary<int, S3Object> Parts);

    public ApiResult Touch(string bucket)
    {
        lock (_gate)
        {
            Bucket(bucket);
        }

        return Empty(200);
    }

    public async Task<ApiResult> PutAsync(string bucket, string key, string ifNoneMatch, string ifMatch, Func<Task<byte[]>> body)
    {
        var conditional = ifNoneMatch.Length > 0 || ifMatch.Length > 0;
        if (conditional)
        {
            lock (_gate)
            {
                if (!_conditionalInFlight.Add((bucket, key)))
                {
                    return S3Error.Result(409, "ConditionalRequestConflict", "A conflicting conditional operation is currently in progress against this resource. Please try again.");
                }
            }
        }

        try
        {
            var bytes = await body().ConfigureAwait(false);
            lock (_gate)
            {
                var objects = Bucket(bucket);
                objects.TryGetValue(key, out var existing);
                if (Precondition(existing, ifNoneMatch, ifMatch) is { } failed)
                {
                    return failed;
                }

                var stored = new S3Object(bytes, ETagOf(bytes), time.GetUtcNow());
                objects[key] = stored;
                return Empty(200, stored.ETag);
            }
        }
        finally
        {
            if (conditional)
            {
                lock (_gate)
                {
                    _conditionalInFlight.Remove((bucket, key));
                }
            }
        }
    }

    public ApiResult Get(string bucket, string key, bool head, string ifNoneMatch, string ifMatch)
    {
        S3Object? found;
        lock (_gate)
        {
            Bucket(bucket).TryGetValue(key, out found);
        }

        if (found is null)
        {
            return head ? Empty(404) : S3Error.Result(404, "NoSuchKey", "The specified key does not exist.");
        }

        if (ifMatch.Length > 0 && ifMatch != "*" && ifMatch != found.ETag)
        {
            return head ? Empty(412) : S3Error.Result(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "If-Match");
        }

        if (ifNoneMatch.Length > 0 && (ifNoneMatch == "*" || ifNoneMatch == found.ETag))
        {
            return Empty(304, found.ETag);
        }

        var headers = new Dictionary<string, string>
        {
            ["ETag"] = found.ETag,
            ["Last-Modified"] = found.Modified.ToString("R", CultureInfo.InvariantCulture),
            ["Accept-Ranges"] = "bytes",
        };
        if (head)
        {
            headers["Content-Length"] = found.Bytes.Length.ToString(CultureInfo.InvariantCulture);
        }

        return new BytesResult(head ? [] : found.Bytes, "application/octet-stream", headers);
    }

    public ApiResult Delete(string bucket, string key, string ifMatch)
    {
        lock (_gate)
        {
            var objects = Bucket(bucket);
            objects.TryGetValue(key, out var existing);
            if (ifMatch.Length > 0)
            {
                if (existing is null)
                {
                    return S3Error.Result(404, "NoSuchKey", "The specified key does not exist.");
                }

                if (ifMatch != "*" && ifMatch != existing.ETag)
                {
                    return S3Error.Result(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "If-Match");
                }
            }

            objects.Remove(key);
        }

        return Empty(204);
    }

    public ApiResult List(string bucket, string prefix, string continuation, int maxKeys)
    {
        List<(string Key, S3Object Object)> page;
        bool truncated;
        lock (_gate)
        {
            var matching = Bucket(bucket).Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && string.CompareOrdinal(kv.Key, continuation) > 0).ToList();
            maxKeys = Math.Clamp(maxKeys, 0, 1000);
            page = [.. matching.Take(maxKeys).Select(kv => (kv.Key, kv.Value))];
            truncated = matching.Count > maxKeys;
        }

        XNamespace ns = "http://s3.amazonaws.com/doc/2006-03-01/";
        var result = new XElement(ns + "ListBucketResult",
            new XElement(ns + "Name", bucket),
            new XElement(ns + "Prefix", prefix),
            new XElement(ns + "KeyCount", page.Count),
            new XElement(ns + "MaxKeys", maxKeys),
            new XElement(ns + "IsTruncated", truncated ? "true" : "false"),
            truncated && page.Count > 0 ? new XElement(ns + "NextContinuationToken", page[^1].Key) : null,
            page.Select(o => new XElement(ns + "Contents",
                new XElement(ns + "Key", o.Key),
                new XElement(ns + "LastModified", o.Object.Modified.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)),
                new XElement(ns + "ETag", o.Object.ETag),
                new XElement(ns + "Size", o.Object.Bytes.Length),
                new XElement(ns + "StorageClass", "STANDARD"))));
        return Xml(result);
    }

    public ApiResult Initiate(string bucket, string key)
    {
        var id = Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            Bucket(bucket);
            _uploads[id] = new Upload(bucket, key, time.GetUtcNow(), []);
        }

        XNamespace ns = "http://s3.amazonaws.com/doc/2006-03-01/";
        return Xml(new XElement(ns + "InitiateMultipartUploadResult", new XElement(ns + "Bucket", bucket), new XElement(ns + "Key", key), new XElement(ns + "UploadId", id)));
    }

    public ApiResult UploadPart(string bucket, string key, string uploadId, int number, byte[] bytes)
    {
        if (number is < 1 or > 10000)
        {
            return S3Error.Result(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
        }

        lock (_gate)
        {
            if (!_uploads.TryGetValue(uploadId, out var upload) || upload.Bucket != bucket || upload.Key != key)
            {
                return NoSuchUpload();
            }

            var part = new S3Object(bytes, ETagOf(bytes), time.GetUtcNow());
            upload.Parts[number] = part;
            return Empty(200, part.ETag);
        }
    }

    public ApiResult ListParts(string bucket, string key, string uploadId)
    {
        List<(int Number, S3Object Part)> parts;
        lock (_gate)
        {
            if (!_uploads.TryGetValue(uploadId, out var upload) || upload.Bucket != bucket || upload.Key != key)
            {
                return NoSuchUpload();
            }

            parts = [.. upload.Parts.Select(kv => (kv.Key, kv.Value))];
        }

        XNamespace ns = "http://s3.amazonaws.com/doc/2006-03-01/";
        return Xml(new XElement(ns + "ListPartsResult",
            new XElement(ns + "Bucket", bucket), new XElement(ns + "Key", key), new XElement(ns + "UploadId", uploadId),
            new XElement(ns + "IsTruncated", "false"),
            parts.Select(p => new XElement(ns + "Part",
                new XElement(ns + "PartNumber", p.Number),
                new XElement(ns + "LastModified", p.Part.Modified.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)),
                new XElement(ns + "ETag", p.Part.ETag),
                new XElement(ns + "Size", p.Part.Bytes.Length)))));
    }

    public ApiResult ListUploads(string bucket, string prefix)
    {
        List<(string Id, Upload Upload)> open;
        lock (_gate)
        {
            open = [.. _uploads.Where(u => u.Value.Bucket == bucket && u.Value.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(u => (u.Key, u.Value))];
        }

        XNamespace ns = "http://s3.amazonaws.com/doc/2006-03-01/";
        return Xml(new XElement(ns + "ListMultipartUploadsResult",
            new XElement(ns + "Bucket", bucket), new XElement(ns + "Prefix", prefix), new XElement(ns + "IsTruncated", "false"),
            open.Select(u => new XElement(ns + "Upload",
                new XElement(ns + "Key", u.Upload.Key),
                new XElement(ns + "UploadId", u.Id),
                new XElement(ns + "Initiated", u.Upload.Initiated.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))))));
    }

    public ApiResult Abort(string bucket, string key, string uploadId)
    {
        lock (_gate)
        {
            if (!_uploads.TryGetValue(uploadId, out var upload) || upload.Bucket != bucket || upload.Key != key)
            {
                return NoSuchUpload();
            }

            _uploads.Remove(uploadId);
        }

        return Empty(204);
    }

    public ApiResult Complete(string bucket, string key, string uploadId, string body, string ifNoneMatch)
    {
        List<(int Number, string ETag)> listed;
        try
        {
            var doc = XDocument.Parse(body);
            listed = [.. doc.Root!.Elements().Where(e => e.Name.LocalName == "Part").Select(p => (
                int.Parse(p.Elements().First(e => e.Name.LocalName == "PartNumber").Value, CultureInfo.InvariantCulture),
                p.Elements().First(e => e.Name.LocalName == "ETag").Value))];
        }
        catch (Exception ex) when (ex is System.Xml.XmlException or InvalidOperationException or FormatException or OverflowException or NullReferenceException)
        {
            return S3Error.Result(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");
        }

        lock (_gate)
        {
            if (!_uploads.TryGetValue(uploadId, out var upload) || upload.Bucket != bucket || upload.Key != key)
            {
                return NoSuchUpload();
            }

            if (listed.Count == 0 || listed.Zip(listed.Skip(1)).Any(p => p.First.Number >= p.Second.Number))
            {
                return S3Error.Result(400, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
            }

            var parts = new List<S3Object>();
            foreach (var (number, etag) in listed)
            {
                if (!upload.Parts.TryGetValue(number, out var part) || part.ETag.Trim('"') != etag.Trim('"'))
                {
                    return S3Error.Result(400, "InvalidPart", "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.");
                }

                parts.Add(part);
            }

            var objects = Bucket(bucket);
            objects.TryGetValue(key, out var existing);
            if (Precondition(existing, ifNoneMatch, "") is { } failed)
            {
                return failed;
            }

            var bytes = parts.SelectMany(p => p.Bytes).ToArray();
            var md5s = parts.SelectMany(p => Convert.FromHexString(p.ETag.Trim('"'))).ToArray();
            var stored = new S3Object(bytes, $"\"{Convert.ToHexStringLower(MD5.HashData(md5s))}-{parts.Count}\"", time.GetUtcNow());
            objects[key] = stored;
            _uploads.Remove(uploadId);
            XNamespace ns = "http://s3.amazonaws.com/doc/2006-03-01/";
            return Xml(new XElement(ns + "CompleteMultipartUploadResult",
                new XElement(ns + "Location", $"/{bucket}/{key}"), new XElement(ns + "Bucket", bucket), new XElement(ns + "Key", key), new XElement(ns + "ETag", stored.ETag)));
        }
    }

    private static BytesResult? Precondition(S3Object? existing, string ifNoneMatch, string ifMatch)
    {
        if (ifNoneMatch.Length > 0 && existing is not null)
        {
            return S3Error.Result(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "If-None-Match");
        }

        if (ifMatch.Length > 0 && existing is null)
        {
            return S3Error.Result(404, "NoSuchKey", "The specified key does not exist.");
        }

        if (ifMatch.Length > 0 && ifMatch != "*" && ifMatch != existing!.ETag)
        {
            return S3Error.Result(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "If-Match");
        }

        return null;
    }

    /// <summary>The bucket, created on first use. Call under the gate.</summary>
    private SortedDictionary<string, S3Object> Bucket(string name)
    {
        if (!_buckets.TryGetValue(name, out var objects))
        {
            _buckets[name] = objects = new SortedDictionary<string, S3Object>(StringComparer.Ordinal);
        }

        return objects;
    }

    private static string ETagOf(byte[] bytes) => $"\"{Convert.ToHexStringLower(MD5.HashData(bytes))}\"";

    private static BytesResult NoSuchUpload() =>
        S3Error.Result(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");

    private static BytesResult Empty(int status, string? etag = null) =>
        new([], "application/xml", etag is null ? null : new Dictionary<string, string> { ["ETag"] = etag }) { Status = status };

    private static BytesResult Xml(XElement root) =>
        new(Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting)), "application/xml");
}
