using System.Collections.Immutable;
using Reel.Emulator.OpenAi;

namespace Reel.Emulator.Google;

/// <summary>
/// A <c>predictLongRunning</c> operation: one <see cref="VideoJob"/> per requested sample, all created together, so
/// they share their timing and their moderation outcome. Its state is computed from the first sample each time it is polled.
/// </summary>
internal sealed class VeoOperation
{
    /// <summary>The full name as returned, e.g. <c>models/veo-3.1-generate-preview/operations/abc</c>.</summary>
    public required string Name { get; init; }

    public required VeoSurface Surface { get; init; }

    public required string Model { get; init; }

    public required ImmutableArray<VideoJob> Samples { get; init; }

    /// <summary>Gemini only: the file id under which each sample is downloaded, in sample order.</summary>
    public ImmutableArray<string> FileIds { get; init; } = [];

    /// <summary>Vertex only: where the results are reported as written (<c>gcsUri</c>) instead of inline bytes.</summary>
    public string? StorageUri { get; init; }

    /// <summary>The part of <see cref="Name"/> before <c>/operations/</c>, as the SDK derives it for <c>fetchPredictOperation</c>.</summary>
    public string Resource => Name[..Name.LastIndexOf("/operations/", StringComparison.Ordinal)];

    public string Id => Name[(Name.LastIndexOf('/') + 1)..];

    public VideoSnapshot Observe(DateTimeOffset now) => Samples[0].Observe(now);
}
