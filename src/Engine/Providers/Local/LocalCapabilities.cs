using System.Collections.Immutable;

namespace Reel.Engine.Providers.Local;

/// <summary>The embedded renderer accepts any model name, any even size 64–4096 per side, 1–120 s, every operation, at no cost.</summary>
public static class LocalCapabilities
{
    public static ProviderCapabilities Table { get; } = new(
        Provider: "local",
        Models: [],
        DefaultModel: "local",
        AnyModel: true,
        EstimatedRenderTimePerSecond: TimeSpan.FromMilliseconds(20))
    {
        Description = "Embedded, offline, free: deterministic preview clips (the default). No key.",

        // A script written for a multi-shot provider previews here: the clip shows the shots' prompts with the scene's.
        MultiShot = new ShotLimits(6, int.MaxValue),
    };
}
