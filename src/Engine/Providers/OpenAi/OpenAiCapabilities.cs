using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Providers.OpenAi;

/// <summary>The OpenAI <c>/v1/videos</c> capability and price table (shared/api/openai-videos.md §2, §6, §7, §13).</summary>
public static class OpenAiCapabilities
{
    private static readonly ImmutableArray<VideoSize> StandardSizes = [new(1280, 720), new(720, 1280)];

    private static readonly ImmutableArray<VideoSize> ProSizes =
        [new(1280, 720), new(720, 1280), new(1024, 1792), new(1792, 1024), new(1920, 1080), new(1080, 1920)];

    private static readonly ImmutableArray<int> Seconds = [4, 8, 12, 16, 20];

    private static readonly ImmutableDictionary<string, decimal> ProPrices = new Dictionary<string, decimal>
    {
        ["1280x720"] = 0.30m,
        ["720x1280"] = 0.30m,
        ["1024x1792"] = 0.50m,
        ["1792x1024"] = 0.50m,
        // 1080p price is unpublished; assumed equal to the 1792 tier until confirmed.
        ["1920x1080"] = 0.50m,
        ["1080x1920"] = 0.50m,
    }.ToImmutableDictionary();

    public static ProviderCapabilities Table { get; } = new(
        Provider: "openai",
        Models:
        [
            Standard("sora-2") with { Family = "sora-2" },
            Standard("sora-2-2025-10-06"),
            Standard("sora-2-2025-12-08"),
            Pro("sora-2-pro"),
            Pro("sora-2-pro-2025-10-06"),
        ],
        DefaultModel: "sora-2",
        MaxCharacters: 2,
        ExtensionSeconds: Seconds,
        MaxExtensionsPerClip: 6,
        MaxTotalSeconds: 120,
        EstimatedRenderTimePerSecond: TimeSpan.FromSeconds(12))
    {
        Description = "OpenAI's /v1/videos (Sora 2; the API has a shutdown date). Key: OPENAI_API_KEY.",
        Environment = ["OPENAI_API_KEY", "OPENAI_BASE_URL"],
        ExtendsFromJobId = true,
    };

    private static ModelCapability Standard(string id) =>
        new(id, StandardSizes, Seconds, 0.10m, ImmutableDictionary<string, decimal>.Empty);

    private static ModelCapability Pro(string id) => new(id, ProSizes, Seconds, 0.30m, ProPrices);
}
