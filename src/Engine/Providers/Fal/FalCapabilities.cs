using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Providers.Fal;

/// <summary>
/// The <c>fal</c> capability table (shared/api/providers.md §4): Veo 3.1 and Veo 3.1 Fast on fal's queue, and
/// Sora 2 with its characters endpoint. Prices are fal's list prices with audio on, per second of clip.
/// </summary>
public static class FalCapabilities
{
    internal static readonly ImmutableArray<VideoSize> VeoSizes = [new(1280, 720), new(720, 1280), new(1920, 1080), new(1080, 1920)];

    internal static readonly ImmutableArray<VideoSize> ExtensionSizes = [new(1280, 720), new(720, 1280)];

    private static readonly ImmutableArray<string> VeoModels = ["veo3.1", "veo3.1-fast"];

    public static ProviderCapabilities Table { get; } = new(
        Provider: "fal",
        Models:
        [
            Veo("veo3.1", 0.40m, "Veo 3.1 (fal-ai/veo3.1): text, first frame, first+last frame, reference images, extension") with { Family = "veo-3.1" },
            Veo("veo3.1-fast", 0.15m, "Veo 3.1 Fast (fal-ai/veo3.1/fast): the same operations, faster and cheaper") with { Family = "veo-3.1-fast" },
            new ModelCapability("sora-2", [new(1280, 720), new(720, 1280)], [4, 8, 12, 16, 20], 0.10m, ImmutableDictionary<string, decimal>.Empty)
            {
                Features = ModelFeatures.Image | ModelFeatures.Characters,
                Family = "sora-2",
                Note = "Sora 2 (fal-ai/sora-2): text, first frame, characters (fal-ai/sora-2/characters)",
            },
        ],
        DefaultModel: "veo3.1",
        MaxSeconds: 148,
        SupportsEdit: false,
        MaxCharacters: 2,
        ExtensionSeconds: [7],
        MaxExtensionsPerClip: 20,
        MaxTotalSeconds: 148,
        EstimatedRenderTimePerSecond: TimeSpan.FromSeconds(10))
    {
        Description = "fal.ai's queue API: Veo 3.1 (and Fast), Sora 2 with characters. Key: FAL_KEY.",
        TakesSeed = true,
        CanReconcile = false,
        HasExtras = false,
        Environment = ["FAL_KEY", "FAL_BASE_URL"],
        Options =
        [
            new OptionSpec("negative_prompt", OptionKind.Text, "What the clip should not show.") { Models = VeoModels },
            new OptionSpec("generate_audio", OptionKind.Flag, "Generate a soundtrack (default true; false costs less).") { Models = VeoModels },
            new OptionSpec("auto_fix", OptionKind.Flag, "Let fal rewrite a prompt its safety filter refuses.") { Models = VeoModels },
            new OptionSpec("safety_tolerance", OptionKind.Choice, "Safety filter strictness, 1 (strict) to 6 (lenient); default 4.")
            {
                Models = VeoModels,
                Values = ["1", "2", "3", "4", "5", "6"],
            },
            new OptionSpec("seed", OptionKind.Integer, "Pin the seed (default: derived from the step key).") { Models = VeoModels, Min = 0, Max = int.MaxValue },
            new OptionSpec("last_frame", OptionKind.Image, "The clip's last frame (first-last-frame-to-video); needs 'image'.")
            {
                Models = VeoModels,
                GenerateOnly = true,
                NeedsImage = true,
            },
            new OptionSpec("reference_images", OptionKind.ImageList, "Up to 3 images of subjects to keep (reference-to-video).")
            {
                Models = VeoModels,
                GenerateOnly = true,
                ExcludesImage = true,
                OnlySeconds = 8,
                DropsSeed = true,
                Max = 3,
            },
        ],
    };

    private static ModelCapability Veo(string id, decimal price, string note) =>
        new(id, VeoSizes, [4, 6, 8], price, ImmutableDictionary<string, decimal>.Empty)
        {
            Features = ModelFeatures.Image | ModelFeatures.Extend | ModelFeatures.Seed,
            ExtensionSizes = ExtensionSizes,
            Note = note,
        };

    /// <summary>The fal endpoint family of a model, e.g. <c>fal-ai/veo3.1/fast</c>.</summary>
    internal static string Endpoint(string model) => model switch
    {
        "veo3.1-fast" => "fal-ai/veo3.1/fast",
        "sora-2" => "fal-ai/sora-2",
        _ => "fal-ai/veo3.1",
    };
}
