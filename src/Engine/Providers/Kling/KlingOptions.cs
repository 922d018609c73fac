using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Reel.Engine.Providers.Kling;

/// <summary>
/// Connection settings for <see cref="KlingProvider"/>: the access key and secret key Kling issues, and the API root.
/// Neither key is sent as such: each request carries a short-lived HS256 JWT (<see cref="KlingToken"/>). The secret
/// never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
public sealed record KlingOptions(string AccessKey, string SecretKey, Uri BaseUrl)
{
    public const string AccessKeyVariable = "KLING_ACCESS_KEY";

    public const string SecretKeyVariable = "KLING_SECRET_KEY";

    public const string BaseUrlVariable = "KLING_BASE_URL";

    public static Uri DefaultBaseUrl { get; } = new("https://api-singapore.klingai.com");

    /// <exception cref="ProviderException">QuotaOrAuth when a key is missing; Invalid when the base URL is malformed.</exception>
    public static KlingOptions FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var access = ProviderEnvironment.First(environment, AccessKeyVariable);
        var secret = ProviderEnvironment.First(environment, SecretKeyVariable);
        if (access is null || secret is null)
        {
            throw MissingKey(access is null ? AccessKeyVariable : SecretKeyVariable);
        }

        var baseText = ProviderEnvironment.First(environment, BaseUrlVariable);
        return new KlingOptions(access, secret, baseText is null ? DefaultBaseUrl : ProviderEnvironment.HttpUrl(BaseUrlVariable, baseText, "http://127.0.0.1:8080/kling (reel emulator)"));
    }

    public override string ToString() => $"KlingOptions {{ BaseUrl = {ProviderEnvironment.Mask(BaseUrl.ToString())}, AccessKey = {AccessKey}, SecretKey = *** }}";

    internal static ProviderException MissingKey(string variable) => ProviderException.QuotaOrAuth(
        $"{variable} is not set; the kling provider needs an access key and a secret key (KLING_ACCESS_KEY, KLING_SECRET_KEY). "
        + "Create them at https://app.klingai.com/global/dev and export both. To work offline use --provider local, or run 'reel emulator' "
        + "and set KLING_BASE_URL to the address it prints followed by /kling (the secret key is the emulator's --api-key).");
}

/// <summary>
/// Kling's bearer token: a JWT, header <c>{alg: HS256, typ: JWT}</c>, payload <c>{iss: access key, exp: now+1800,
/// nbf: now-5}</c>, signed with the secret key; kept until a minute before it expires.
/// </summary>
internal sealed class KlingToken(KlingOptions options, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1800);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);
    private readonly Lock _gate = new();
    private string? _token;
    private DateTimeOffset _expires;

    /// <summary>
    /// The base URL's credentials and every token made so far, to redact like the key: a server may echo its bearer
    /// token, and it is good for half an hour.
    /// </summary>
    public GrowingSecrets Secrets { get; } = new(ProviderEnvironment.UrlSecrets(options.BaseUrl));

    public string Current()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_token is null || now >= _expires - Margin)
            {
                _expires = now + Lifetime;
                _token = Make(options.AccessKey, options.SecretKey, now);
                Secrets.Add(_token);
            }

            return _token;
        }
    }

    /// <summary>The JWT for <paramref name="now"/>.</summary>
    internal static string Make(string accessKey, string secretKey, DateTimeOffset now)
    {
        var header = Base64Url(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
        var payload = Base64Url(Encoding.UTF8.GetBytes(new JsonObject
        {
            ["iss"] = accessKey,
            ["exp"] = (now + Lifetime).ToUnixTimeSeconds(),
            ["nbf"] = now.AddSeconds(-5).ToUnixTimeSeconds(),
        }.ToJsonString()));
        var signature = Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.ASCII.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + signature;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Secrets to redact that grow while a provider works (the tokens it signs); read whole at each redaction.</summary>
internal sealed class GrowingSecrets(IEnumerable<string> initial) : IReadOnlyList<string>
{
    private System.Collections.Immutable.ImmutableList<string> _all = [.. initial];

    public int Count => Volatile.Read(ref _all).Count;

    public string this[int index] => Volatile.Read(ref _all)[index];

    public void Add(string secret) => System.Collections.Immutable.ImmutableInterlocked.Update(ref _all, list => list.Contains(secret) ? list : list.Add(secret));

    public IEnumerator<string> GetEnumerator() => Volatile.Read(ref _all).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
