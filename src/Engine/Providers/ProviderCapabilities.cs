using System.Collections.Immutable;
using Reel.Engine.Scripts;

namespace Reel.Engine.Providers;

/// <summary>What one model of a provider can do.</summary>
public sealed record ModelCapability(
    string Id,
    ImmutableArray<VideoSize> Sizes,
    ImmutableArray<int> Seconds,
    decimal PricePerSecond,
    ImmutableDictionary<string, decimal> PricePerSecondBySize)
{
    public decimal PriceFor(VideoSize size) =>
        PricePerSecondBySize.TryGetValue(size.ToString(), out var p) ? p : PricePerSecond;
}

/// <summary>
/// A provider's capability table; validation checks every step against it before anything is spent.
/// A provider with <see cref="AnyModel"/> accepts any model name, any even size within
/// <see cref="MinSide"/>..<see cref="MaxSide"/> and any whole seconds within <see cref="MinSeconds"/>..<see cref="MaxSeconds"/>.
/// </summary>
public sealed record ProviderCapabilities(
    string Provider,
    ImmutableArray<ModelCapability> Models,
    string DefaultModel,
    bool AnyModel = false,
    int MinSide = 64,
    int MaxSide = 4096,
    int MinSeconds = 1,
    int MaxSeconds = 120,
    bool SupportsImage = true,
    bool SupportsCharacters = true,
    bool SupportsExtend = true,
    bool SupportsEdit = true,
    int MaxCharacters = int.MaxValue,
    ImmutableArray<int> ExtensionSeconds = default,
    int MaxExtensionsPerClip = int.MaxValue,
    int MaxTotalSeconds = int.MaxValue,
    bool ExtensionAcceptsCharacters = true,
    bool ExtensionAcceptsImage = true,
    decimal DefaultPricePerSecond = 0m,
    TimeSpan? EstimatedRenderTimePerSecond = null)
{
    public ModelCapability? FindModel(string id) => Models.FirstOrDefault(m => m.Id == id);

    public TimeSpan RenderTimePerSecond => EstimatedRenderTimePerSecond ?? TimeSpan.FromSeconds(10);
}
