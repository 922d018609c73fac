using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Providers.Kling;

/// <summary>
/// The <c>kling</c> capability table (shared/api/providers-2026.md §1.4, from Kling's API reference, "Kling 3.0 series"):
/// <c>kling-v3</c> and <c>kling-v2-6</c> on text2video/image2video (a last frame as <c>image_tail</c>) and
/// video-extend, and <c>kling-v3-omni</c> on omni-video for reference images. <c>mode</c> follows the size: 720p
/// sizes are <c>std</c>, 1080p sizes <c>pro</c>. Prices per second are third-party figures for the direct API
/// ($0.075–0.15: discuss.huggingface.co #175107; Reel charges $0.08 std, $0.15 pro); Kling bills resource-pack units, which Reel does not read.
/// </summary>
/// <remarks>
/// Exactly-once: every create carries <c>external_task_id</c> = <see cref="IdempotencyKeys.For"/>(step key, attempt),
/// and a task is looked up by it (<c>GET /v1/videos/{kind}/{external_task_id}</c>: the query takes the task id or the
/// external id, "choose one of the two": Kling's reference as copied by resellers; the exact form is otherwise
/// UNCONFIRMED), so a lost answer is reconciled (<see cref="ProviderCapabilities.CanReconcile"/>). No seed field.
/// video-extend takes <c>video_id</c> (the form with <c>task_id</c> is UNCONFIRMED) and adds about 5 s.
/// Multi-shot (a scene's <c>shots:</c>) is documented for the Kling 3.0 text2video/image2video body only: 1–6 shots of
/// ≤512 characters whose durations sum to the clip's, and "first/last frame generation is not supported" with it, so a
/// multi-shot scene may start from an image but takes no <c>last_frame</c>; omni-video's multi-shot is UNCONFIRMED and off.
/// Characters (<c>kling-v3-omni</c>) travel as images: the first frame of the character's <c>video</c> joins omni-video's
/// <c>image_list</c> and the prompt names it (<c>&lt;&lt;&lt;image_N&gt;&gt;&gt; is Mira.</c>). Kling's element library
/// (<c>element_list</c>, <c>&lt;&lt;&lt;element_N&gt;&gt;&gt;</c>) is not used: creating an element is documented only by
/// resellers, with URLs for its images, and an element outlives the run that made it.
/// </remarks>
public static class KlingCapabilities
{
    internal static readonly ImmutableArray<VideoSize> Sizes =
        [new(1280, 720), new(720, 1280), new(720, 720), new(1920, 1080), new(1080, 1920), new(1080, 1080)];

    /// <summary>pro (1080p) prices by size; the rest are std.</summary>
    private static readonly ImmutableDictionary<string, decimal> ProPrices = new Dictionary<string, decimal>
    {
        ["1920x1080"] = 0.15m,
        ["1080x1920"] = 0.15m,
        ["1080x1080"] = 0.15m,
    }.ToImmutableDictionary();

    public const string OmniModel = "kling-v3-omni";

    private static readonly ImmutableArray<int> V3Seconds = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    public static ProviderCapabilities Table { get; } = new(
        Provider: "kling",
        Models:
        [
            new ModelCapability("kling-v3", Sizes, V3Seconds, 0.08m, ProPrices)
            {
                Features = ModelFeatures.Image | ModelFeatures.Extend | ModelFeatures.MultiShot,
                Note = "Kling 3.0: text or first (+last) frame, 3–15 s, sound, extension (video-extend), up to 6 shots in one clip",
            },
            new ModelCapability("kling-v2-6", Sizes, [5, 10], 0.08m, ProPrices)
            {
                Features = ModelFeatures.Image | ModelFeatures.Extend,
                Note = "Kling 2.6: text or first (+last) frame, 5 or 10 s, sound, extension",
            },
            new ModelCapability(OmniModel, Sizes, V3Seconds, 0.08m, ProPrices)
            {
                Features = ModelFeatures.Image | ModelFeatures.Characters,
                Note = "Kling 3.0 Omni (omni-video): first/last frames, up to 7 reference images, characters as images",
            },
        ],
        DefaultModel: "kling-v3",
        MinSeconds: 3,
        MaxSeconds: 180,
        SupportsCharacters: true,
        MaxCharacters: 7,
        SupportsEdit: false,
        ExtensionSeconds: [5],
        MaxTotalSeconds: 180,
        EstimatedRenderTimePerSecond: TimeSpan.FromSeconds(15))
    {
        Description = "Kling's API (api-singapore.klingai.com, JWT from KLING_ACCESS_KEY + KLING_SECRET_KEY): Kling 3.0, 2.6 and 3.0 Omni; lost submits reconciled by external_task_id.",
        TakesSeed = false,
        CanReconcile = true,
        CharactersAsImages = true,
        MultiShot = new ShotLimits(6, 512) { TakesLastFrame = false },
        HasExtras = false,
        Environment = ["KLING_ACCESS_KEY", "KLING_SECRET_KEY", "KLING_BASE_URL"],
        Options =
        [
            new OptionSpec("negative_prompt", OptionKind.Text, "What the clip should not show (≤2500 characters)."),
            new OptionSpec("sound", OptionKind.Choice, "Generate sound with the clip (Kling 2.6 and later).") { Values = ["on", "off"], GenerateOnly = true },
            new OptionSpec("last_frame", OptionKind.Image, "The clip's last frame (image_tail; omni-video: an end_frame); needs 'image'.")
            {
                GenerateOnly = true,
                NeedsImage = true,
            },
            new OptionSpec("reference_images", OptionKind.ImageList, "Up to 7 images of subjects to keep (omni-video image_list).")
            {
                Models = [OmniModel],
                GenerateOnly = true,
                ExcludesImage = true,
                Max = 7,
            },
        ],
    };
}
