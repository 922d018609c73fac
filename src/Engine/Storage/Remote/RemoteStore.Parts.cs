using System.Security.Cryptography;
using Amazon.S3.Model;

namespace Reel.Engine.Storage.Remote;

/// <summary>Multipart uploads of big objects, resumable after a crash.</summary>
public sealed partial class RemoteStore
{
    private async Task UploadInPartsAsync(string path, long length, string key, CancellationToken cancellationToken)
    {
        // An upload of this key left open by a crashed runner: its finished parts are kept, if they match ours.
        var open = await CallAsync("list uploads", async () => await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Settings.Bucket, Prefix = key }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var uploadId = open.MultipartUploads?.Where(u => u.Key == key).OrderBy(u => u.Initiated).Select(u => u.UploadId).FirstOrDefault();
        var done = new Dictionary<int, string>();
        if (uploadId is not null)
        {
            var parts = await CallAsync("list parts", async () => await _s3.ListPartsAsync(new ListPartsRequest { BucketName = Settings.Bucket, Key = key, UploadId = uploadId }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            foreach (var p in parts.Parts ?? [])
            {
                done[p.PartNumber ?? 0] = p.ETag;
            }
        }
        else
        {
            var created = await CallAsync("create upload", async () => await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = Settings.Bucket, Key = key, ContentType = "application/octet-stream" }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            uploadId = created.UploadId;
        }

        var etags = new List<PartETag>();
        var count = (int)((length + _partSize - 1) / _partSize);
        for (var number = 1; number <= count; number++)
        {
            var position = (number - 1) * _partSize;
            var size = Math.Min(_partSize, length - position);
            var md5 = await PartMd5Async(path, position, size, cancellationToken).ConfigureAwait(false);
            if (done.TryGetValue(number, out var existing) && existing.Trim('"').Equals(md5, StringComparison.OrdinalIgnoreCase))
            {
                etags.Add(new PartETag(number, existing));
                continue;
            }

            var part = await CallAsync("upload part", async () => await _s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = Settings.Bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = number,
                FilePath = path,
                FilePosition = position,
                PartSize = size,
                UseChunkEncoding = false,
            }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            etags.Add(new PartETag(number, part.ETag));
        }

        await CallAsync("complete upload", async () => await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = Settings.Bucket,
            Key = key,
            UploadId = uploadId,
            PartETags = etags,
        }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> PartMd5Async(string path, long position, long size, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            file.Position = position;
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var buffer = new byte[1 << 16];
            var left = size;
            while (left > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                md5.AppendData(buffer, 0, read);
                left -= read;
            }

            return Convert.ToHexStringLower(md5.GetHashAndReset());
        }
    }
}
