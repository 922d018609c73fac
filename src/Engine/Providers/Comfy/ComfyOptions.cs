namespace Reel.Engine.Providers.Comfy;

/// <summary>
/// Connection settings for <see cref="ComfyProvider"/>: the server root and an optional key (<c>Authorization:
/// Bearer</c>, for a server behind a token). The key never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
public sealed record ComfyOptions(Uri BaseUrl, string? ApiKey)
{
    public const string BaseUrlVariable = "COMFY_BASE_URL";

    public const string ApiKeyVariable = "COMFY_API_KEY";

    public static Uri DefaultBaseUrl { get; } = new("http://127.0.0.1:8188");

    /// <exception cref="ProviderException">Invalid when the base URL is malformed.</exception>
    public static ComfyOptions FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var baseText = ProviderEnvironment.First(environment, BaseUrlVariable);
        var key = ProviderEnvironment.First(environment, ApiKeyVariable);
        return new ComfyOptions(
            baseText is null ? DefaultBaseUrl : ProviderEnvironment.HttpUrl(BaseUrlVariable, baseText, "http://127.0.0.1:8080/comfy (reel emulator)"),
            string.IsNullOrWhiteSpace(key) ? null : key);
    }

    public override string ToString() => $"ComfyOptions {{ BaseUrl = {ProviderEnvironment.Mask(BaseUrl.ToString())}, ApiKey = {(ApiKey is null ? "none" : "***")} }}";
}
