namespace Reel.Engine.Providers.Comfy;

/// <summary>
/// Connection settings for <see cref="ComfyProvider"/>: the server root and an optional key (<c>Authorization:
/// Bearer</c>, for a server behind a token). The key never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
public sealed record ComfyOptions(Uri BaseUrl, string? ApiKey, ComfySurface Surface = ComfySurface.Auto)
{
    public const string BaseUrlVariable = "COMFY_BASE_URL";

    public const string ApiKeyVariable = "COMFY_API_KEY";

    /// <summary>Which API to speak: <c>auto</c> (default: v2 when <c>/api/v2/jobs</c> answers, else native), <c>v2</c> or <c>native</c>.</summary>
    public const string SurfaceVariable = "COMFY_API";

    public static Uri DefaultBaseUrl { get; } = new("http://127.0.0.1:8188");

    /// <exception cref="ProviderException">Invalid when the base URL is malformed.</exception>
    public static ComfyOptions FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var baseText = ProviderEnvironment.First(environment, BaseUrlVariable);
        var key = ProviderEnvironment.First(environment, ApiKeyVariable);
        var surface = ProviderEnvironment.First(environment, SurfaceVariable)?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => ComfySurface.Auto,
            "v2" => ComfySurface.V2,
            "native" => ComfySurface.Native,
            var other => throw ProviderException.Invalid($"{SurfaceVariable}='{other}' is not one of auto, v2, native"),
        };
        return new ComfyOptions(
            baseText is null ? DefaultBaseUrl : ProviderEnvironment.HttpUrl(BaseUrlVariable, baseText, "http://127.0.0.1:8080/comfy (reel emulator)"),
            string.IsNullOrWhiteSpace(key) ? null : key,
            surface);
    }

    public override string ToString() => $"ComfyOptions {{ BaseUrl = {ProviderEnvironment.Mask(BaseUrl.ToString())}, ApiKey = {(ApiKey is null ? "none" : "***")} }}";
}

/// <summary>The API a ComfyUI server is spoken to with.</summary>
public enum ComfySurface
{
    /// <summary>Comfy API v2 when <c>GET /api/v2/jobs</c> answers, else the native API.</summary>
    Auto,

    /// <summary>Comfy API v2 (<c>/api/v2/jobs</c>, <c>Idempotency-Key</c>, assets): Comfy Cloud, serverless, comfy-api-proxy.</summary>
    V2,

    /// <summary>ComfyUI's own routes (<c>/prompt</c>, <c>/history</c>, <c>/view</c>).</summary>
    Native,
}
