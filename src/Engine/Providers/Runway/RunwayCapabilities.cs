using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Providers.Runway;

/// <summary>
/// The <c>runway</c> capability table (shared/api/providers-2026.md §1.3, providers.md §2, from <c>@runwayml/sdk</c>
/// 4.20.1): Gen-4.5 for text and first frames, Veo 3.1 (and Fast) hosted by Runway with first and last frames, and
/// Aleph 2 for edits. Prices are credits per second at $0.01 a credit (third-party copies of Runway's pricing page:
/// gen4.5 12, aleph 15, veo3.1 40 with audio; veo3.1_fast 15 is UNCONFIRMED, chosen from Veo Fast's list price).
/// </summary>
/// <remarks>
/// The ratio is Runway's pixel <c>W:H</c> string, which is Reel's size. Runway sends no idempotency key and has no
/// task list, so an unanswered create can't be found again (<see cref="ProviderCapabilities.CanReconcile"/> is
/// false) and is reported, as on fal. Extensions are left out: only hosted models (seedance2_5) extend natively, and
/// a last-frame continuation works on every model.
/// </remarks>
public static class RunwayCapabilities
{
    /// <summary>Sizes Gen-4.5 makes from text (image-to-video adds more, which Reel does not offer).</summary>
    internal static readonly ImmutableArray<VideoSize> Gen45Sizes = [new(1280, 720), new(720, 1280)];

    internal static readonly ImmutableArray<VideoSize> VeoSizes = [new(1280, 720), new(720, 1280), new(1920, 1080), new(1080, 1920)];

    private static readonly ImmutableArray<string> VeoModels = ["veo3.1", "veo3.1_fast"];

    /// <summary>The model edits go to.</summary>
    public const string EditModel = "aleph2";

    public static ProviderCapabilities Table { get; } = new(
        Provider: "runway",
        Models:
        [
            new ModelCapability("gen4.5", Gen45Sizes, [2, 3, 4, 5, 6, 7, 8, 9, 10], 0.12m, ImmutableDictionary<string, decimal>.Empty)
            {
                Features = ModelFeatures.Image | ModelFeatures.Seed,
                Note = "Gen-4.5: text or first frame, 2–10 s (12 credits/s)",
            },
            Veo("veo3.1", 0.40m, "Veo 3.1 hosted by Runway: text, first (+last) frame, audio (40 credits/s)") with { Family = "veo-3.1" },
            Veo("veo3.1_fast", 0.15m, "Veo 3.1 Fast hosted by Runway (15 credits/s, unconfirmed)") with { Family = "veo-3.1-fast" },
            new ModelCapability(EditModel, VeoSizes, [2, 3, 4, 5, 6, 7, 8, 9, 10], 0.15m, ImmutableDictionary<string, decimal>.Empty)
            {
                Features = ModelFeatures.Edit | ModelFeatures.Seed,
                Note = "Aleph 2: edits of a finished clip only (video_to_video; 15 credits/s); set `model: aleph2` on the edit",
            },
        ],
        DefaultModel: "gen4.5",
        MaxSeconds: 10,
        SupportsCharacters: false,
        SupportsExtend: false,
        EstimatedRenderTimePerSecond: TimeSpan.FromSeconds(12))
    {
        Description = "Runway's API (api.dev.runwayml.com, version 2024-11-06): Gen-4.5, hosted Veo 3.1, Aleph 2 edits. Key: RUNWAYML_API_SECRET.",
        TakesSeed = true,
        CanReconcile = false,
        HasExtras = false,
        Environment = ["RUNWAYML_API_SECRET", "RUNWAYML_BASE_URL"],
        Options =
        [
            new OptionSpec("seed", OptionKind.Integer, "Pin the seed (default: derived from the step key).") { Min = 0, Max = uint.MaxValue },
            new OptionSpec("negative_prompt", OptionKind.Text, "What the clip should not show.") { Models = VeoModels, GenerateOnly = true },
            new OptionSpec("audio", OptionKind.Flag, "Generate a soundtrack (default true).") { Models = VeoModels, GenerateOnly = true },
            new OptionSpec("last_frame", OptionKind.Image, "The clip's last frame (promptImage position 'last'); needs 'image'.")
            {
                Models = VeoModels,
                GenerateOnly = true,
                NeedsImage = true,
            },
        ],
    };

    private static ModelCapability Veo(string id, decimal price, string note) =>
        new(id, VeoSizes, [4, 6, 8], price, ImmutableDictionary<string, decimal>.Empty)
        {
            Features = ModelFeatures.Image | ModelFeatures.Seed,
            Note = note,
        };
}
