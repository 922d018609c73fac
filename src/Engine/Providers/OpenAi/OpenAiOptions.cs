namespace Reel.Engine.Providers.OpenAi;

/// <summary>
/// Connection settings for <see cref="OpenAiProvider"/>. The key is a secret: it is sent only in the
/// <c>Authorization</c> header and never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
/// <param name="ApiKey">The bearer token (<c>OPENAI_API_KEY</c>).</param>
/// <param name="BaseUrl">The API root, e.g. <c>https://api.openai.com/v1</c>; a trailing slash is optional.</param>
public sealed record OpenAiOptions(string ApiKey, Uri BaseUrl)
{
    /// <summary>The default API root, used when <c>OPENAI_BASE_URL</c> is unset or empty.</summary>
    public static Uri DefaultBaseUrl { get; } = new("https://api.openai.com/v1");

    /// <summary>The environment variable holding the key (the same name the official SDKs use).</summary>
    public const string ApiKeyVariable = "OPENAI_API_KEY";

    /// <summary>The environment variable holding the API root (the same name the official SDKs use).</summary>
    public const string BaseUrlVariable = "OPENAI_BASE_URL";

    /// <summary>
    /// Reads <c>OPENAI_API_KEY</c> and <c>OPENAI_BASE_URL</c> from <paramref name="environment"/>.
    /// </summary>
    /// <exception cref="ProviderException">
    /// <see cref="ErrorClass.QuotaOrAuth"/> when the key is missing or blank;
    /// <see cref="ErrorClass.Invalid"/> when the base URL is not an absolute http(s) URL.
    /// </exception>
    public static OpenAiOptions FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment.TryGetValue(ApiKeyVariable, out var key);
        if (string.IsNullOrWhiteSpace(key))
        {
            throw MissingKey();
        }

        environment.TryGetValue(BaseUrlVariable, out var baseText);
        var baseUrl = DefaultBaseUrl;
        if (!string.IsNullOrWhiteSpace(baseText))
        {
            baseUrl = ProviderEnvironment.HttpUrl(BaseUrlVariable, baseText, "http://127.0.0.1:8080/v1 (reel emulator)");
        }

        return new OpenAiOptions(key.Trim(), baseUrl);
    }

    /// <summary>Shows the base URL only; the key is always masked.</summary>
    public override string ToString() => $"OpenAiOptions {{ BaseUrl = {ProviderEnvironment.Mask(BaseUrl.ToString())}, ApiKey = *** }}";

    internal static ProviderException MissingKey() => ProviderException.QuotaOrAuth(
        $"{ApiKeyVariable} is not set; the openai provider needs an API key. Create one at "
        + "https://platform.openai.com/api-keys and export it (export OPENAI_API_KEY=sk-…, or "
        + "$env:OPENAI_API_KEY=\"sk-…\" in PowerShell). To work offline use --provider local, or run "
        + "'reel emulator' and set OPENAI_BASE_URL to the address it prints (any non-empty key works there).");
}
