using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Providers.Veo;

/// <summary>
/// Google Veo's capability tables (shared/api/providers.md §1): <c>veo</c> on the Gemini Developer API and
/// <c>veo-vertex</c> on Vertex AI. Prices are Google's list prices per second with audio, where the model makes it.
/// </summary>
public static class VeoCapabilities
{
    private static readonly ImmutableArray<VideoSize> Sizes = [new(1280, 720), new(720, 1280), new(1920, 1080), new(1080, 1920)];

    private static readonly ImmutableArray<VideoSize> HdSizes = [new(1280, 720), new(720, 1280)];

    /// <summary>1080p only at 8 s (Veo 3.x).</summary>
    private static readonly ImmutableDictionary<string, ImmutableArray<int>> FullHdAtEight = new Dictionary<string, ImmutableArray<int>>
    {
        ["1920x1080"] = [8],
        ["1080x1920"] = [8],
    }.ToImmutableDictionary();

    public static ProviderCapabilities Gemini { get; } = Table(
        "veo",
        "Google Veo on the Gemini Developer API. Key: GEMINI_API_KEY or GOOGLE_API_KEY.",
        [
            Veo3("veo-3.1-generate-preview", 0.40m, extend: true, "Veo 3.1: text, first (+last) frame, reference images, extension") with { Family = "veo-3.1" },
            Veo3("veo-3.1-fast-generate-preview", 0.15m, extend: true, "Veo 3.1 Fast") with { Family = "veo-3.1-fast" },
            Veo3("veo-3.0-generate-001", 0.40m, extend: false, "Veo 3"),
            Veo3("veo-3.0-fast-generate-001", 0.15m, extend: false, "Veo 3 Fast"),
            Veo2(0.35m),
        ],
        "veo-3.1-generate-preview",
        takesSeed: false,
        ["GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"],
        [.. CommonOptions(["veo-3.1-generate-preview", "veo-3.1-fast-generate-preview"])]);

    public static ProviderCapabilities Vertex { get; } = Table(
        "veo-vertex",
        "Google Veo on Vertex AI. Token: GOOGLE_CLOUD_ACCESS_TOKEN with GOOGLE_CLOUD_PROJECT (and GOOGLE_CLOUD_LOCATION), or GOOGLE_API_KEY (express mode).",
        [
            Veo3("veo-3.1-generate-001", 0.40m, extend: true, "Veo 3.1: text, first (+last) frame, reference images, extension") with { Family = "veo-3.1" },
            Veo3("veo-3.1-fast-generate-001", 0.15m, extend: true, "Veo 3.1 Fast") with { Family = "veo-3.1-fast" },
            Veo3("veo-3.1-lite-generate-001", 0.05m, extend: false, "Veo 3.1 Lite (price unconfirmed)"),
            Veo3("veo-3.0-generate-001", 0.40m, extend: false, "Veo 3"),
            Veo3("veo-3.0-fast-generate-001", 0.15m, extend: false, "Veo 3 Fast"),
            Veo2(0.50m),
        ],
        "veo-3.1-generate-001",
        takesSeed: true,
        ["GOOGLE_CLOUD_ACCESS_TOKEN", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GOOGLE_API_KEY", "GOOGLE_VERTEX_BASE_URL"],
        [
            .. CommonOptions(["veo-3.1-generate-001", "veo-3.1-fast-generate-001"]),
            new OptionSpec("seed", OptionKind.Integer, "Pin the seed (default: derived from the step key).") { Min = 0, Max = uint.MaxValue },
            new OptionSpec("generate_audio", OptionKind.Flag, "Generate a soundtrack (Veo 3 models).")
            {
                Models = ["veo-3.1-generate-001", "veo-3.1-fast-generate-001", "veo-3.1-lite-generate-001", "veo-3.0-generate-001", "veo-3.0-fast-generate-001"],
            },
            new OptionSpec("enhance_prompt", OptionKind.Flag, "Let Veo rewrite the prompt."),
            new OptionSpec("resize_mode", OptionKind.Choice, "How a first-frame image of another shape is fitted.") { Values = ["pad", "crop"], GenerateOnly = true, NeedsImage = true },
            new OptionSpec("compression_quality", OptionKind.Choice, "Output compression.") { Values = ["optimized", "lossless"] },
        ],
        maxTotalSeconds: 37);

    private static ProviderCapabilities Table(
        string name, string description, ImmutableArray<ModelCapability> models, string defaultModel, bool takesSeed,
        ImmutableArray<string> environment, ImmutableArray<OptionSpec> options, int maxTotalSeconds = 148) =>
        new(
            Provider: name,
            Models: models,
            DefaultModel: defaultModel,
            MaxSeconds: 148,
            SupportsCharacters: false,
            SupportsEdit: false,
            ExtensionSeconds: [7],
            MaxExtensionsPerClip: 20,
            MaxTotalSeconds: maxTotalSeconds,
            EstimatedRenderTimePerSecond: TimeSpan.FromSeconds(10))
        {
            Description = description,
            TakesSeed = takesSeed,
            CanReconcile = false,
            HasExtras = false,
            Environment = environment,
            Options = options,
        };

    private static IEnumerable<OptionSpec> CommonOptions(ImmutableArray<string> veo31)
    {
        yield return new OptionSpec("negative_prompt", OptionKind.Text, "What the clip should not show.");
        yield return new OptionSpec("person_generation", OptionKind.Choice, "Whether people may appear.") { Values = ["allow_all", "allow_adult", "dont_allow"] };
        yield return new OptionSpec("last_frame", OptionKind.Image, "The clip's last frame; needs 'image'.")
        {
            Models = veo31,
            GenerateOnly = true,
            NeedsImage = true,
        };
        yield return new OptionSpec("reference_images", OptionKind.ImageList, "Up to 3 images of subjects to keep (asset references).")
        {
            Models = veo31,
            GenerateOnly = true,
            ExcludesImage = true,
            OnlySeconds = 8,
            Max = 3,
        };
    }

    private static ModelCapability Veo3(string id, decimal price, bool extend, string note) =>
        new(id, Sizes, [4, 6, 8], price, ImmutableDictionary<string, decimal>.Empty)
        {
            Features = ModelFeatures.Image | ModelFeatures.Seed | (extend ? ModelFeatures.Extend : ModelFeatures.None),
            ExtensionSizes = HdSizes,
            SecondsBySize = FullHdAtEight,
            Note = note,
        };

    private static ModelCapability Veo2(decimal price) =>
        new("veo-2.0-generate-001", HdSizes, [5, 6, 7, 8], price, ImmutableDictionary<string, decimal>.Empty)
        {
            Features = ModelFeatures.Image | ModelFeatures.Seed,
            Note = "Veo 2: silent clips",
        };
}
