using System.Collections.Frozen;

namespace Reel.Emulator.Fal;

/// <summary>What an endpoint does with its input.</summary>
internal enum FalEndpointKind
{
    VeoTextToVideo,
    VeoImageToVideo,
    VeoFirstLastFrame,
    VeoExtendVideo,
    VeoReferenceToVideo,
    SoraTextToVideo,
    SoraImageToVideo,
    SoraCharacter,
}

/// <summary>
/// One fal endpoint the emulator serves. <see cref="App"/> is <c>owner/alias</c>, the first two segments of the id:
/// the queue's status, result and cancel URLs live under it, without the endpoint's sub-path.
/// </summary>
internal sealed record FalEndpoint(string Id, FalEndpointKind Kind, string Model)
{
    public string App => string.Join('/', Id.Split('/')[..2]);

    public bool IsSora => Kind is FalEndpointKind.SoraTextToVideo or FalEndpointKind.SoraImageToVideo or FalEndpointKind.SoraCharacter;

    public static readonly FrozenDictionary<string, FalEndpoint> All = Build();

    private static FrozenDictionary<string, FalEndpoint> Build()
    {
        var list = new List<FalEndpoint>();
        foreach (var (prefix, model) in new[] { ("fal-ai/veo3.1", "veo3.1"), ("fal-ai/veo3.1/fast", "veo3.1-fast") })
        {
            list.Add(new(prefix, FalEndpointKind.VeoTextToVideo, model));
            list.Add(new(prefix + "/image-to-video", FalEndpointKind.VeoImageToVideo, model));
            list.Add(new(prefix + "/first-last-frame-to-video", FalEndpointKind.VeoFirstLastFrame, model));
            list.Add(new(prefix + "/extend-video", FalEndpointKind.VeoExtendVideo, model));
            list.Add(new(prefix + "/reference-to-video", FalEndpointKind.VeoReferenceToVideo, model));
        }

        list.Add(new("fal-ai/sora-2/text-to-video", FalEndpointKind.SoraTextToVideo, "sora-2"));
        list.Add(new("fal-ai/sora-2/image-to-video", FalEndpointKind.SoraImageToVideo, "sora-2"));
        list.Add(new("fal-ai/sora-2/characters", FalEndpointKind.SoraCharacter, "sora-2"));
        return list.ToFrozenDictionary(e => e.Id, StringComparer.Ordinal);
    }
}
