using System.Net;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.S3.Model;

namespace Reel.Engine.Storage.Remote;

/// <summary>
/// A project's shared store on any S3-compatible bucket: <c>objects/sha256/ab/cdef…</c> (content-addressed,
/// immutable, every download hash-verified), <c>steps/&lt;key&gt;.json</c> (written once, first writer wins) and
/// <c>claims/&lt;key&gt;.json</c> (leases, replaced only on their ETag). Conditional writes answered 412 or 409 mean
/// someone else got there first; every other failure the retries did not cure is a <see cref="RemoteStoreException"/>
/// whose message names the remote and never a credential.
/// </summary>
public sealed partial class RemoteStore : IDisposable
{
    /// <summary>Objects above this size are uploaded in parts of this size, resumable after a crash.</summary>
    internal const long DefaultPartSize = 8L << 20;

    private readonly IAmazonS3 _s3;
    private readonly string[] _secrets;
    private readonly long _partSize;
    private readonly RemoteRetry _retries;

    internal RemoteStore(IAmazonS3 s3, RemoteSettings settings, IEnumerable<string> secrets, RemoteRetry retries, long partSize = DefaultPartSize)
    {
        _s3 = s3;
        _retries = retries;
        Settings = settings;
        _secrets = [.. secrets.Where(s => s.Length >= 4)];
        _partSize = partSize;
    }

    public RemoteSettings Settings { get; }

    /// <summary>
    /// Makes the client. Credentials come only from the AWS chain, read from <paramref name="environment"/>:
    /// <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>(/<c>AWS_SESSION_TOKEN</c>), else the profile
    /// <c>AWS_PROFILE</c> (or <c>default</c>) of the shared credentials file, else the SDK's own chain (container and instance roles).
    /// </summary>
    /// <param name="retries">The policy transient failures are retried on: a run passes the provider calls' one (by default its curve without jitter).</param>
    public static RemoteStore Open(RemoteSettings settings, IReadOnlyDictionary<string, string?> environment, long partSize = DefaultPartSize, RemoteRetry? retries = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environment);
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.PathStyle,

            // Plain bodies with a Content-Length: what every S3-compatible store understands (no aws-chunked trailers).
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            RetryMode = RequestRetryMode.Standard,
            // Retried by CallAsync on the provider calls' policy, never by the SDK behind its back.
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromMinutes(5),
            DisableLogging = true,

            // The host's environment is the one truth: the process's AWS_ENDPOINT_URL* must not steer the client behind its back.
            IgnoreConfiguredEndpointUrls = true,
        };
        if (settings.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = settings.Region;
            config.UseHttp = endpoint.Scheme == "http";
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        }

        var credentials = Credentials(environment, config);
        var secrets = new[] { "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID" }
            .Select(n => environment.GetValueOrDefault(n) ?? "").ToList();
        return new RemoteStore(new AmazonS3Client(credentials, config), settings, secrets, retries ?? RemoteRetry.Default, partSize);
    }

    private static AWSCredentials Credentials(IReadOnlyDictionary<string, string?> environment, AmazonS3Config config)
    {
        string? Env(string name) => environment.GetValueOrDefault(name) is { Length: > 0 } v ? v : null;
        if (Env("AWS_ACCESS_KEY_ID") is { } id && Env("AWS_SECRET_ACCESS_KEY") is { } secret)
        {
            return Env("AWS_SESSION_TOKEN") is { } token ? new SessionAWSCredentials(id, secret, token) : new BasicAWSCredentials(id, secret);
        }

        var chain = Env("AWS_SHARED_CREDENTIALS_FILE") is { } file ? new CredentialProfileStoreChain(file) : new CredentialProfileStoreChain();
        if (chain.TryGetAWSCredentials(Env("AWS_PROFILE") ?? "default", out var profile))
        {
            return profile;
        }

        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials(config);
        }
        catch (AmazonClientException)
        {
            throw new RemoteStoreException("no AWS credentials for the remote: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (credentials never go in the script)");
        }
    }

    /// <summary>The bucket key of a file of the remote.</summary>
    public string KeyOf(string relative) => Settings.Prefix + relative;

    public static string ObjectPath(string sha256) => $"objects/sha256/{sha256[..2]}/{sha256[2..]}";

    public static string StepPath(string key) => $"steps/{key}.json";

    public static string ClaimPath(string key) => $"claims/{key}.json";

    /// <summary>One cheap call, so a refused credential or a missing bucket stops a run before any paid submit.</summary>
    public async Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        await CallAsync("list", async () => await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Settings.Bucket, Prefix = KeyOf("steps/"), MaxKeys = 1 }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> HasObjectAsync(string sha256, CancellationToken cancellationToken = default)
    {
        try
        {
            await CallAsync("head", async () => await _s3.GetObjectMetadataAsync(Settings.Bucket, KeyOf(ObjectPath(sha256)), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionFailedException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Uploads a store object unless the remote has it; big ones in parts, resuming an upload a crash left open.</summary>
    /// <returns>True when it was uploaded, false when the remote already had it.</returns>
    public async Task<bool> UploadObjectAsync(ObjectStore store, string sha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await HasObjectAsync(sha256, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var path = store.PathOf(sha256);
        var length = new FileInfo(path).Length;
        var key = KeyOf(ObjectPath(sha256));
        if (length > _partSize)
        {
            await UploadInPartsAsync(path, length, key, cancellationToken).ConfigureAwait(false);
            return true;
        }

        await CallAsync("put", async () => await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Settings.Bucket,
            Key = key,
            FilePath = path,
            ContentType = "application/octet-stream",
            UseChunkEncoding = false,
        }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Downloads an object into the store, verified against its hash (a damaged copy is refused, never stored).</summary>
    /// <returns>False when the remote does not have it.</returns>
    public async Task<bool> DownloadObjectAsync(ObjectStore store, string sha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            await CallAsync("get", async () =>
            {
                using var response = await _s3.GetObjectAsync(Settings.Bucket, KeyOf(ObjectPath(sha256)), cancellationToken).ConfigureAwait(false);
                try
                {
                    return await store.PutAsync(response.ResponseStream, sha256, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException)
                {
                    throw new RemoteStoreException($"the remote {Settings.Url} holds a damaged copy of object {sha256} (its content has another hash); it was not used");
                }
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionFailedException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<RemoteStep?> GetStepAsync(string key, CancellationToken cancellationToken = default) =>
        (await GetJsonAsync(StepPath(key), cancellationToken).ConfigureAwait(false)) is { } got ? RemoteJson.Read<RemoteStep>(got.Bytes) : null;

    /// <summary>Writes a step's record once (<c>If-None-Match: *</c>).</summary>
    /// <returns>False when another runner wrote it first (theirs stands).</returns>
    public async Task<bool> PutStepAsync(RemoteStep step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        return await PutJsonAsync(StepPath(step.Key), RemoteJson.Write(step), ifNoneMatch: true, ifMatch: null, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Takes a free step (<c>If-None-Match: *</c>); null when someone holds it.</summary>
    public async Task<HeldClaim?> TryClaimAsync(string key, RemoteClaim claim, CancellationToken cancellationToken = default) =>
        await PutJsonAsync(ClaimPath(key), RemoteJson.Write(claim), ifNoneMatch: true, ifMatch: null, cancellationToken).ConfigureAwait(false) is { } etag
            ? new HeldClaim(key, claim, etag)
            : null;

    /// <summary>Replaces a claim on its ETag (renewal, the job id, a takeover); null when it changed since it was read.</summary>
    public async Task<HeldClaim?> ReplaceClaimAsync(HeldClaim held, RemoteClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(held);
        return await PutJsonAsync(ClaimPath(held.Key), RemoteJson.Write(claim), ifNoneMatch: false, held.ETag, cancellationToken).ConfigureAwait(false) is { } etag
            ? new HeldClaim(held.Key, claim, etag)
            : null;
    }

    /// <summary>The claim on a step, with its ETag; null when nobody holds it (a damaged claim reads as held by nobody known, and expired).</summary>
    public async Task<HeldClaim?> ReadClaimAsync(string key, CancellationToken cancellationToken = default)
    {
        if (await GetJsonAsync(ClaimPath(key), cancellationToken).ConfigureAwait(false) is not { } got)
        {
            return null;
        }

        var claim = RemoteJson.Read<RemoteClaim>(got.Bytes) ?? new RemoteClaim("unknown", "unknown", DateTimeOffset.MinValue, DateTimeOffset.MinValue, "");
        return new HeldClaim(key, claim, got.ETag);
    }

    /// <summary>Deletes a claim if it is still the one held (<c>If-Match</c>): a claim taken over since is left to its new owner.</summary>
    public async Task ReleaseClaimAsync(HeldClaim held, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(held);
        try
        {
            await CallAsync("delete", async () => await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Settings.Bucket, Key = KeyOf(ClaimPath(held.Key)), IfMatch = held.ETag }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionFailedException)
        {
            // Taken over (412/409) or gone (404): not ours to delete.
        }
    }

    private async Task<(byte[] Bytes, string ETag)?> GetJsonAsync(string relative, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync("get", async () =>
            {
                using var response = await _s3.GetObjectAsync(Settings.Bucket, KeyOf(relative), cancellationToken).ConfigureAwait(false);
                using var buffer = new MemoryStream();
                await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return (buffer.ToArray(), response.ETag);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionFailedException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<string?> PutJsonAsync(string relative, byte[] body, bool ifNoneMatch, string? ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            var response = await CallAsync("put", async () => await _s3.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = Settings.Bucket,
                    Key = KeyOf(relative),
                    InputStream = new MemoryStream(body),
                    ContentType = "application/json",
                    UseChunkEncoding = false,
                    IfNoneMatch = ifNoneMatch ? "*" : null,
                    IfMatch = ifMatch,
                },
                cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return response.ETag;
        }
        catch (ConditionFailedException ex) when (ex.Status is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public void Dispose() => _s3.Dispose();

    /// <summary>An answer that means "not there" (404) or "someone else got there first" (409, 412).</summary>
    private sealed class ConditionFailedException(HttpStatusCode status) : Exception($"S3 answered {(int)status}")
    {
        public HttpStatusCode Status { get; } = status;
    }
}
