namespace Reel.Engine.Providers.Veo;

/// <summary>Which Google API serves Veo.</summary>
public enum VeoBackend
{
    /// <summary>The Gemini Developer API (<c>generativelanguage.googleapis.com</c>, <c>x-goog-api-key</c>).</summary>
    Gemini,

    /// <summary>Vertex AI (<c>{location}-aiplatform.googleapis.com</c>, bearer token or express-mode key).</summary>
    Vertex,
}

/// <summary>
/// Connection settings for <see cref="VeoProvider"/>. The secret (API key or access token) is sent only in its
/// header and never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
/// <param name="Backend">Gemini Developer API or Vertex AI.</param>
/// <param name="Secret">The API key (Gemini, Vertex express) or the OAuth access token (Vertex).</param>
/// <param name="IsBearer">True when <paramref name="Secret"/> is an access token (Vertex with a project).</param>
/// <param name="BaseUrl">The API root.</param>
/// <param name="Project">Vertex project; null in express mode and on Gemini.</param>
/// <param name="Location">Vertex location, e.g. <c>us-central1</c>.</param>
public sealed record VeoOptions(VeoBackend Backend, string Secret, bool IsBearer, Uri BaseUrl, string? Project, string? Location)
{
    public static Uri DefaultGeminiUrl { get; } = new("https://generativelanguage.googleapis.com");

    /// <summary>The path prefix of a model: <c>v1beta/models/</c> or <c>v1beta1/[projects/p/locations/l/]publishers/google/models/</c>.</summary>
    public string ModelsPath => Backend == VeoBackend.Gemini
        ? "v1beta/models/"
        : Project is null ? "v1beta1/publishers/google/models/" : $"v1beta1/projects/{Project}/locations/{Location}/publishers/google/models/";

    /// <summary>Gemini: <c>GOOGLE_API_KEY</c> (as the SDK, it wins) or <c>GEMINI_API_KEY</c>; <c>GOOGLE_GEMINI_BASE_URL</c>.</summary>
    public static VeoOptions Gemini(IReadOnlyDictionary<string, string?> environment)
    {
        var key = ProviderEnvironment.First(environment, "GOOGLE_API_KEY", "GEMINI_API_KEY")
            ?? throw Missing(
                "the veo provider needs a Gemini API key: create one at https://aistudio.google.com/apikey and export "
                + "GEMINI_API_KEY=… (or GOOGLE_API_KEY). To work offline use --provider local, or run 'reel emulator' and set "
                + "GOOGLE_GEMINI_BASE_URL to the address it prints (any non-empty key works there).");
        var url = ProviderEnvironment.First(environment, "GOOGLE_GEMINI_BASE_URL");
        return new VeoOptions(
            VeoBackend.Gemini, key, false,
            url is null ? DefaultGeminiUrl : ProviderEnvironment.HttpUrl("GOOGLE_GEMINI_BASE_URL", url, "http://127.0.0.1:8080 (reel emulator)"),
            null, null);
    }

    /// <summary>
    /// Vertex: <c>GOOGLE_CLOUD_ACCESS_TOKEN</c> with <c>GOOGLE_CLOUD_PROJECT</c> and <c>GOOGLE_CLOUD_LOCATION</c>
    /// (default <c>us-central1</c>), else express mode with <c>GOOGLE_API_KEY</c>; <c>GOOGLE_VERTEX_BASE_URL</c>.
    /// </summary>
    public static VeoOptions Vertex(IReadOnlyDictionary<string, string?> environment)
    {
        var url = ProviderEnvironment.First(environment, "GOOGLE_VERTEX_BASE_URL");
        var token = ProviderEnvironment.First(environment, "GOOGLE_CLOUD_ACCESS_TOKEN");
        if (token is not null)
        {
            var project = ProviderEnvironment.First(environment, "GOOGLE_CLOUD_PROJECT")
                ?? throw Missing("GOOGLE_CLOUD_PROJECT is not set; veo-vertex with an access token needs the project id (export GOOGLE_CLOUD_PROJECT=my-project).");
            var location = ProviderEnvironment.First(environment, "GOOGLE_CLOUD_LOCATION") ?? "us-central1";
            var root = url is null
                ? new Uri(location == "global" ? "https://aiplatform.googleapis.com" : $"https://{location}-aiplatform.googleapis.com")
                : ProviderEnvironment.HttpUrl("GOOGLE_VERTEX_BASE_URL", url, "http://127.0.0.1:8080 (reel emulator)");
            return new VeoOptions(VeoBackend.Vertex, token, true, root, project, location);
        }

        var key = ProviderEnvironment.First(environment, "GOOGLE_API_KEY")
            ?? throw Missing(
                "the veo-vertex provider needs credentials: export GOOGLE_CLOUD_ACCESS_TOKEN=$(gcloud auth print-access-token) "
                + "and GOOGLE_CLOUD_PROJECT=… (GOOGLE_CLOUD_LOCATION defaults to us-central1), or GOOGLE_API_KEY for Vertex express mode. "
                + "To work offline use --provider local, or run 'reel emulator' and set GOOGLE_VERTEX_BASE_URL to the address it prints.");
        var express = url is null ? new Uri("https://aiplatform.googleapis.com") : ProviderEnvironment.HttpUrl("GOOGLE_VERTEX_BASE_URL", url, "http://127.0.0.1:8080 (reel emulator)");
        return new VeoOptions(VeoBackend.Vertex, key, false, express, null, null);
    }

    public override string ToString() => $"VeoOptions {{ Backend = {Backend}, BaseUrl = {ProviderEnvironment.Mask(BaseUrl.ToString())}, Project = {Project}, Location = {Location}, Secret = *** }}";

    private static ProviderException Missing(string message) => ProviderException.QuotaOrAuth(message);
}
