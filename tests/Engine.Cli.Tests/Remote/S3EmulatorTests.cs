using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Reel.Engine.Storage;
using Reel.Engine.Storage.Remote;

namespace Reel.Cli.Tests.Remote;

/// <summary>The emulator's S3 subset, checked with the real AWSSDK.S3 client over loopback.</summary>
public sealed class S3EmulatorTests
{
    private static AmazonS3Client Client(Emulator emulator, bool sdkDefaults = false)
    {
        var config = new AmazonS3Config { ServiceURL = emulator.BaseUrl.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", UseHttp = true, MaxErrorRetry = 0 };
        if (!sdkDefaults)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        return new AmazonS3Client(new BasicAWSCredentials("AKIDTEST", "test-secret"), config);
    }

    private static PutObjectRequest Put(string key, string body, string? ifNoneMatch = null, string? ifMatch = null) => new()
    {
        BucketName = "films",
        Key = key,
        ContentBody = body,
        UseChunkEncoding = false,
        IfNoneMatch = ifNoneMatch,
        IfMatch = ifMatch,
    };

    [Fact]
    public async Task Conditional_puts_let_the_first_writer_win_and_replace_only_on_the_etag()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k");
        using var s3 = Client(emulator);

        var first = await s3.PutObjectAsync(Put("steps/a.json", "one", ifNoneMatch: "*"));
        var second = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(Put("steps/a.json", "two", ifNoneMatch: "*")));
        Assert.Equal(HttpStatusCode.PreconditionFailed, second.StatusCode);
        Assert.Equal("PreconditionFailed", second.ErrorCode);

        var stale = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(Put("steps/a.json", "three", ifMatch: "\"0123\"")));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var replaced = await s3.PutObjectAsync(Put("steps/a.json", "four", ifMatch: first.ETag));
        Assert.NotEqual(first.ETag, replaced.ETag);

        using var got = await s3.GetObjectAsync("films", "steps/a.json");
        Assert.Equal("four", await new StreamReader(got.ResponseStream).ReadToEndAsync());
        Assert.Equal(replaced.ETag, got.ETag);

        var head = await s3.GetObjectMetadataAsync("films", "steps/a.json");
        Assert.Equal(4, head.ContentLength);
        var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync("films", "steps/none.json"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // A delete on a stale ETag leaves the object; on its own ETag it removes it.
        await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "films", Key = "steps/a.json", IfMatch = first.ETag }));
        await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "films", Key = "steps/a.json", IfMatch = replaced.ETag });
        await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync("films", "steps/a.json"));

        var audit = emulator.Requests().Select(r => r.GetProperty("method").GetString() + " " + r.GetProperty("path").GetString()).ToList();
        Assert.Contains("PUT /films/steps/a.json", audit);
        Assert.Contains("DELETE /films/steps/a.json", audit);
    }

    [Fact]
    public async Task Concurrent_conditional_puts_create_the_object_once()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k");
        using var s3 = Client(emulator);

        var attempts = Enumerable.Range(0, 12).Select(async i =>
        {
            try
            {
                await s3.PutObjectAsync(Put("claims/k.json", $"runner {i}", ifNoneMatch: "*"));
                return 200;
            }
            catch (AmazonS3Exception ex)
            {
                return (int)ex.StatusCode;
            }
        });
        var statuses = await Task.WhenAll(attempts);
        Assert.Equal(1, statuses.Count(s => s == 200));
        Assert.All(statuses.Where(s => s != 200), s => Assert.Contains(s, new[] { 409, 412 }));
    }

    /// <summary>A raw S3 request: the emulator takes any SigV4 header with a credential (it does not check signatures).</summary>
    private static HttpRequestMessage Raw(HttpMethod method, Emulator emulator, string path, HttpContent? content = null, string? ifNoneMatch = null)
    {
        var request = new HttpRequestMessage(method, new Uri(emulator.BaseUrl, path)) { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00");
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return request;
    }

    [Fact]
    public async Task A_conditional_put_while_another_is_still_sending_its_body_gets_409_conditional_request_conflict()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k");
        using var http = new HttpClient();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new SlowContent(Encoding.UTF8.GetBytes("first writer"), sending, release.Task);

        var first = http.SendAsync(Raw(HttpMethod.Put, emulator, "/films/claims/slow.json", slow, ifNoneMatch: "*"));
        await sending.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);

        using var second = await http.SendAsync(Raw(HttpMethod.Put, emulator, "/films/claims/slow.json", new StringContent("second writer"), ifNoneMatch: "*"));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var error = await second.Content.ReadAsStringAsync();
        Assert.Contains("<Code>ConditionalRequestConflict</Code>", error, StringComparison.Ordinal);

        release.SetResult();
        using var won = await first.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, won.StatusCode);
        using var s3 = Client(emulator);
        using var got = await s3.GetObjectAsync("films", "claims/slow.json");
        Assert.Equal("first writer", await new StreamReader(got.ResponseStream).ReadToEndAsync());
    }

    [Fact]
    public async Task Faults_hit_s3_requests_with_xml_errors_and_the_audit_names_method_and_path()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k", faults: "500=1");
        using var s3 = Client(emulator);
        var failed = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(Put("steps/f.json", "x")));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("InternalError", failed.ErrorCode);

        using var http = new HttpClient();
        using var raw = await http.SendAsync(Raw(HttpMethod.Get, emulator, "/films/steps/f.json"));
        Assert.Equal(HttpStatusCode.InternalServerError, raw.StatusCode);
        Assert.Equal("application/xml", raw.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<Code>InternalError</Code>", await raw.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var audit = emulator.Requests().Select(r => $"{r.GetProperty("method").GetString()} {r.GetProperty("path").GetString()} {r.GetProperty("status").GetInt32()}").ToList();
        Assert.Contains("PUT /films/steps/f.json 500", audit);
        Assert.Contains("GET /films/steps/f.json 500", audit);
    }

    [Fact]
    public async Task S3_only_faults_leave_the_provider_routes_alone()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k", faults: "s3503=1");
        using var s3 = Client(emulator);
        var failed = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(Put("steps/g.json", "x")));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("SlowDown", failed.ErrorCode);

        using var http = new HttpClient();
        using var models = new HttpRequestMessage(HttpMethod.Get, new Uri(emulator.BaseUrl, "/v1/videos"));
        models.Headers.TryAddWithoutValidation("Authorization", "Bearer k");
        using var answer = await http.SendAsync(models);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    /// <summary>A body that sends its first byte, says so, and holds the rest until released.</summary>
    private sealed class SlowContent(byte[] bytes, TaskCompletionSource sending, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, 1));
            await stream.FlushAsync();
            sending.TrySetResult();
            await release;
            await stream.WriteAsync(bytes.AsMemory(1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }

    [Fact]
    public async Task Lists_by_prefix_and_assembles_multipart_uploads()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k");
        using var s3 = Client(emulator);
        await s3.PutObjectAsync(Put("p/steps/1.json", "a"));
        await s3.PutObjectAsync(Put("p/steps/2.json", "b"));
        await s3.PutObjectAsync(Put("p/claims/1.json", "c"));
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "films", Prefix = "p/steps/" });
        Assert.Equal(["p/steps/1.json", "p/steps/2.json"], listed.S3Objects.Select(o => o.Key));

        var parts = new[] { new byte[5 << 20], new byte[1234] };
        Random.Shared.NextBytes(parts[0]);
        Random.Shared.NextBytes(parts[1]);
        var upload = await s3.InitiateMultipartUploadAsync("films", "big.bin");
        var etags = new List<PartETag>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "films", Key = "big.bin", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(parts[i]), UseChunkEncoding = false });
            etags.Add(new PartETag(i + 1, part.ETag));
        }

        var open = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "films", Prefix = "big.bin" });
        Assert.Single(open.MultipartUploads);
        Assert.Equal(2, (await s3.ListPartsAsync(new ListPartsRequest { BucketName = "films", Key = "big.bin", UploadId = upload.UploadId })).Parts.Count);
        var done = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = "films", Key = "big.bin", UploadId = upload.UploadId, PartETags = etags });
        Assert.EndsWith("-2\"", done.ETag, StringComparison.Ordinal);
        using var got = await s3.GetObjectAsync("films", "big.bin");
        using var copy = new MemoryStream();
        await got.ResponseStream.CopyToAsync(copy);
        Assert.Equal(parts[0].Concat(parts[1]).ToArray(), copy.ToArray());
    }

    [Fact]
    public async Task Sdk_defaults_with_aws_chunked_bodies_store_the_plain_content()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k");
        using var s3 = Client(emulator, sdkDefaults: true);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "films", Key = "x.txt", ContentBody = "plain content" });
        using var got = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "films", Key = "x.txt" });
        Assert.Equal("plain content", await new StreamReader(got.ResponseStream).ReadToEndAsync());
    }

    [Fact]
    public async Task The_remote_store_resumes_a_multipart_upload_and_verifies_downloads()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k");
        var env = new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = "AKIDTEST", ["AWS_SECRET_ACCESS_KEY"] = "s", ["AWS_ENDPOINT_URL_S3"] = emulator.BaseUrl.ToString() };
        var (settings, error) = RemoteSettings.Resolve(new RemoteDeclaration("s3://films/team"), env);
        Assert.Null(error);
        using var remote = RemoteStore.Open(settings!, env, partSize: 1 << 20);
        var store = new ObjectStore(Path.Combine(dir.Path, "store"));
        var bytes = new byte[(3 << 20) + 77];
        Random.Shared.NextBytes(bytes);
        var sha = (await store.PutAsync(new MemoryStream(bytes))).Sha256;

        // A crashed upload left part 1 behind; the next upload keeps it and sends only the rest.
        using var s3 = Client(emulator);
        var key = "team/" + RemoteStore.ObjectPath(sha);
        var upload = await s3.InitiateMultipartUploadAsync("films", key);
        await s3.UploadPartAsync(new UploadPartRequest { BucketName = "films", Key = key, UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(bytes, 0, 1 << 20), UseChunkEncoding = false });
        var before = emulator.Requests().Count(r => r.GetProperty("method").GetString() == "PUT" && r.GetProperty("path").GetString()!.Contains(sha[2..], StringComparison.Ordinal));

        Assert.True(await remote.UploadObjectAsync(store, sha));
        var partPuts = emulator.Requests().Count(r => r.GetProperty("method").GetString() == "PUT" && r.GetProperty("path").GetString()!.Contains(sha[2..], StringComparison.Ordinal)) - before;
        Assert.Equal(3, partPuts);
        Assert.False(await remote.UploadObjectAsync(store, sha));

        var fresh = new ObjectStore(Path.Combine(dir.Path, "fresh"));
        Assert.True(await remote.DownloadObjectAsync(fresh, sha));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(fresh.PathOf(sha)));

        // A damaged copy on the remote is refused, never stored.
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "films", Key = key, ContentBody = "not the clip", UseChunkEncoding = false });
        var other = new ObjectStore(Path.Combine(dir.Path, "other"));
        var damaged = await Assert.ThrowsAsync<RemoteStoreException>(() => remote.DownloadObjectAsync(other, sha));
        Assert.Contains("damaged", damaged.Message, StringComparison.Ordinal);
        Assert.False(other.Contains(sha));
    }
}
