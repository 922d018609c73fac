namespace Reel.Engine.Providers.Fal;

/// <summary>
/// Connection settings for <see cref="FalProvider"/>. The key is sent only in the <c>Authorization</c> header to
/// fal's own API hosts (never to media URLs) and never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
/// <param name="Key">The fal key (<c>FAL_KEY</c>, as fal's SDKs read it).</param>
/// <param name="QueueUrl">The queue root, <c>https://queue.fal.run</c>.</param>
/// <param name="StorageUrl">The storage root for uploads, <c>https://rest.fal.ai</c>.</param>
public sealed record FalOptions(string Key, Uri QueueUrl, Uri StorageUrl)
{
    public const string KeyVariable = "FAL_KEY";

    /// <summary>One root for every fal host (the queue, uploads): <c>reel emulator</c>'s address in tests.</summary>
    public const string BaseUrlVariable = "FAL_BASE_URL";

    public static Uri DefaultQueueUrl { get; } = new("https://queue.fal.run");

    public static Uri DefaultStorageUrl { get; } = new("https://rest.fal.ai");

    /// <exception cref="ProviderException">QuotaOrAuth when the key is missing; Invalid when the base URL is malformed.</exception>
    public static FalOptions FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment.TryGetValue(KeyVariable, out var key);
        if (string.IsNullOrWhiteSpace(key))
        {
            throw MissingKey();
        }

        environment.TryGetValue(BaseUrlVariable, out var baseText);
        if (string.IsNullOrWhiteSpace(baseText))
        {
            return new FalOptions(key.Trim(), DefaultQueueUrl, DefaultStorageUrl);
        }

        var root = ProviderEnvironment.HttpUrl(BaseUrlVariable, baseText, "http://127.0.0.1:8080 (reel emulator)");
        return new FalOptions(key.Trim(), root, root);
    }

    public override string ToString() => $"FalOptions {{ QueueUrl = {ProviderEnvironment.Mask(QueueUrl.ToString())}, StorageUrl = {ProviderEnvironment.Mask(StorageUrl.ToString())}, Key = *** }}";

    internal static ProviderException MissingKey() => ProviderException.QuotaOrAuth(
        $"{KeyVariable} is not set; the fal provider needs a key. Create one at https://fal.ai/dashboard/keys and export it "
        + "(export FAL_KEY=…). To work offline use --provider local, or run 'reel emulator' and set FAL_BASE_URL to the "
        + "address it prints (any non-empty key works there).");
}
