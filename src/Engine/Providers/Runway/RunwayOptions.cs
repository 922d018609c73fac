namespace Reel.Engine.Providers.Runway;

/// <summary>
/// Connection settings for <see cref="RunwayProvider"/>. The secret is sent only in the <c>Authorization</c> header to
/// Runway's API paths (never to output URLs) and never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
/// <param name="Secret">The API secret (<c>RUNWAYML_API_SECRET</c>, as Runway's SDK reads it).</param>
/// <param name="BaseUrl">The API root, <c>https://api.dev.runwayml.com</c>.</param>
public sealed record RunwayOptions(string Secret, Uri BaseUrl)
{
    public const string KeyVariable = "RUNWAYML_API_SECRET";

    public const string BaseUrlVariable = "RUNWAYML_BASE_URL";

    /// <summary>The API version every request names (<c>X-Runway-Version</c>).</summary>
    public const string ApiVersion = "2024-11-06";

    public static Uri DefaultBaseUrl { get; } = new("https://api.dev.runwayml.com");

    /// <exception cref="ProviderException">QuotaOrAuth when the secret is missing; Invalid when the base URL is malformed.</exception>
    public static RunwayOptions FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var secret = ProviderEnvironment.First(environment, KeyVariable) ?? throw MissingKey();
        var baseText = ProviderEnvironment.First(environment, BaseUrlVariable);
        return new RunwayOptions(secret, baseText is null ? DefaultBaseUrl : ProviderEnvironment.HttpUrl(BaseUrlVariable, baseText, "http://127.0.0.1:8080 (reel emulator)"));
    }

    public override string ToString() => $"RunwayOptions {{ BaseUrl = {ProviderEnvironment.Mask(BaseUrl.ToString())}, Secret = *** }}";

    internal static ProviderException MissingKey() => ProviderException.QuotaOrAuth(
        $"{KeyVariable} is not set; the runway provider needs an API secret. Create one at https://dev.runwayml.com and export it "
        + "(export RUNWAYML_API_SECRET=…). To work offline use --provider local, or run 'reel emulator' and set RUNWAYML_BASE_URL "
        + "to the address it prints (any non-empty secret works there).");
}
