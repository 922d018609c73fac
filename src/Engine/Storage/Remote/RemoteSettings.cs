using System.Globalization;

namespace Reel.Engine.Storage.Remote;

/// <summary>
/// Where a project's shared store lives: an S3 bucket and key prefix (<c>s3://bucket/prefix</c>), with the endpoint,
/// region and addressing style of S3-compatible services (R2, MinIO, GCS interop). Holds no credential: those come
/// from the standard AWS environment and profile chain only, when the client is made.
/// </summary>
/// <param name="Bucket">The bucket's name.</param>
/// <param name="Prefix">The key prefix every file of the remote starts with: empty, or ending in '/'.</param>
/// <param name="Endpoint">A custom endpoint (http or https); null for AWS S3 itself.</param>
/// <param name="Region">The signing region.</param>
/// <param name="PathStyle">Address the bucket in the path (<c>endpoint/bucket/key</c>) rather than the host name; implied by a custom endpoint.</param>
/// <param name="Lease">How long a claim on a step lasts unless renewed (renewed at a third of it).</param>
public sealed record RemoteSettings(string Bucket, string Prefix, Uri? Endpoint, string Region, bool PathStyle, TimeSpan Lease)
{
    /// <summary>The remote's URL, overriding the script's <c>remote:</c>.</summary>
    public const string RemoteVariable = "REEL_REMOTE";

    /// <summary>The lease length in seconds (default 60).</summary>
    public const string LeaseVariable = "REEL_REMOTE_LEASE";

    private static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(60);

    /// <summary>The remote as the user names it, without endpoint or credential: <c>s3://bucket/prefix</c>.</summary>
    public string Url => $"s3://{Bucket}/{Prefix.TrimEnd('/')}".TrimEnd('/');

    /// <summary>
    /// The remote a run uses: <c>REEL_REMOTE</c> when set (it wins), else the script's. The endpoint is the script's,
    /// else <c>AWS_ENDPOINT_URL_S3</c> or <c>AWS_ENDPOINT_URL</c>; the region the script's, else <c>AWS_REGION</c> or
    /// <c>AWS_DEFAULT_REGION</c>, else us-east-1. Null settings and null error: no remote.
    /// </summary>
    /// <returns>The settings, or a message saying what is wrong (never quoting an environment value other than the URL).</returns>
    public static (RemoteSettings? Settings, string? Error) Resolve(RemoteDeclaration? declared, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var fromEnvironment = environment.GetValueOrDefault(RemoteVariable);
        var url = string.IsNullOrWhiteSpace(fromEnvironment) ? declared?.Url : fromEnvironment.Trim();
        if (url is null)
        {
            return (null, null);
        }

        var source = string.IsNullOrWhiteSpace(fromEnvironment) ? "remote:" : RemoteVariable;
        if (ParseUrl(url) is not var (bucket, prefix))
        {
            var credential = HasUserInfo(url) ? "; credentials never go in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE" : "";
            return (null, $"{source} '{Shown(url)}' is not an S3 URL: write s3://BUCKET or s3://BUCKET/PREFIX (bucket names are 3-63 lower-case letters, digits, '.' and '-'){credential}");
        }

        var endpointText = declared?.Endpoint ?? Value(environment, "AWS_ENDPOINT_URL_S3") ?? Value(environment, "AWS_ENDPOINT_URL");
        Uri? endpoint = null;
        if (endpointText is not null)
        {
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(endpoint.UserInfo))
            {
                return (null, "the remote's endpoint is not an http(s) URL without user information (from " + (declared?.Endpoint is null ? "AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL" : "remote: endpoint") + ")");
            }
        }

        var region = declared?.Region ?? Value(environment, "AWS_REGION") ?? Value(environment, "AWS_DEFAULT_REGION") ?? "us-east-1";
        var lease = DefaultLease;
        if (Value(environment, LeaseVariable) is { } leaseText)
        {
            if (!double.TryParse(leaseText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is < 0.5 or > 86400 || double.IsNaN(seconds))
            {
                return (null, $"{LeaseVariable} must be a number of seconds between 0.5 and 86400");
            }

            lease = TimeSpan.FromSeconds(seconds);
        }

        // A custom endpoint implies path-style addressing: bucket host names rarely resolve on MinIO or a local server.
        var pathStyle = declared?.PathStyle ?? endpoint is not null;
        return (new RemoteSettings(bucket, prefix, endpoint, region, pathStyle, lease), null);
    }

    /// <summary>
    /// Whether the remote settings of the environment alone (<c>REEL_REMOTE</c>, its endpoint, <c>REEL_REMOTE_LEASE</c>) are
    /// wrong, without reading the script or the network: the up-to-date answer is then not given, so the run says what is wrong.
    /// </summary>
    public static bool EnvironmentIsBad(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Value(environment, RemoteVariable) is not null
            ? Resolve(null, environment).Error is not null
            : Value(environment, LeaseVariable) is not null && Resolve(new RemoteDeclaration("s3://any-bucket"), environment).Error is not null;
    }

    /// <summary>Splits <c>s3://bucket/prefix</c>; null when it is not one.</summary>
    public static (string Bucket, string Prefix)? ParseUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        const string Scheme = "s3://";
        if (!url.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = url[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (!IsBucketName(bucket) || prefix.Contains("//", StringComparison.Ordinal) || prefix.Any(c => char.IsControl(c) || c == '\\')
            || prefix.Split('/').Any(p => p is "." or ".."))
        {
            return null;
        }

        return (bucket, prefix.Length == 0 ? "" : prefix + "/");
    }

    private static bool IsBucketName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);

    private static string? Value(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.GetValueOrDefault(name) is { Length: > 0 } v ? v.Trim() : null;

    /// <summary>
    /// The URL as it may be quoted: a credential written into it (<c>s3://KEY:SECRET@bucket</c>, a secret may hold '/') is
    /// left out up to the last '@', never echoed.
    /// </summary>
    private static string Shown(string url)
    {
        if (HasUserInfo(url))
        {
            var start = url.IndexOf("://", StringComparison.Ordinal) + 3;
            url = url[..start] + "…@" + url[(url.LastIndexOf('@') + 1)..];
        }

        return url.Length <= 80 ? url : url[..77] + "…";
    }

    private static bool HasUserInfo(string url) =>
        url.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 && url.IndexOf('@', scheme + 3) >= 0;
}

/// <summary>The script's <c>remote:</c> as written: a URL, or a mapping with the URL and the options of non-AWS stores.</summary>
public sealed record RemoteDeclaration(string Url, string? Endpoint = null, string? Region = null, bool? PathStyle = null);
