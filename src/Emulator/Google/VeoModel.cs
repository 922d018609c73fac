using System.Collections.Immutable;

namespace Reel.Emulator.Google;

/// <summary>Which of Google's two Veo APIs a request came through.</summary>
internal enum VeoSurface
{
    /// <summary>Gemini Developer API, <c>generativelanguage.googleapis.com/v1beta</c>.</summary>
    Gemini,

    /// <summary>Vertex AI, <c>{location}-aiplatform.googleapis.com/v1beta1</c>.</summary>
    Vertex,
}

/// <summary>
/// What one Veo model accepts. Kept small on purpose (public docs, 2025–2026):
/// <list type="table">
/// <listheader><term>model</term><description>durations · resolutions · inputs</description></listheader>
/// <item><term>veo-3.1(-fast)-generate-preview (Gemini), veo-3.1(-fast)-generate-001 (Vertex)</term><description>4, 6, 8 s · 720p, 1080p (8 s only) · image, lastFrame, referenceImages, video (extension)</description></item>
/// <item><term>veo-3.1-lite-generate-001 (Vertex)</term><description>4, 6, 8 s · 720p, 1080p (8 s only) · image, lastFrame</description></item>
/// <item><term>veo-3.0(-fast)-generate-001</term><description>4, 6, 8 s · 720p, 1080p (8 s only) · image</description></item>
/// <item><term>veo-2.0-generate-001</term><description>5–8 s · 720p only, no audio · image, lastFrame; up to 2 samples on Gemini</description></item>
/// </list>
/// Vertex takes 1–4 samples per request; Gemini 1 (2 on Veo 2).
/// </summary>
internal sealed record VeoModel(
    string Name,
    ImmutableArray<int> Durations,
    bool HighDefinition,
    bool LastFrame,
    bool ReferenceImages,
    bool Extension,
    bool Audio,
    int GeminiMaxSamples)
{
    private static readonly ImmutableArray<int> Veo3Durations = [4, 6, 8];
    private static readonly ImmutableArray<int> Veo2Durations = [5, 6, 7, 8];

    private static readonly VeoModel Veo31 = new("", Veo3Durations, true, true, true, true, true, 1);
    private static readonly VeoModel Veo31Lite = new("", Veo3Durations, true, true, false, false, true, 1);
    private static readonly VeoModel Veo30 = new("", Veo3Durations, true, false, false, false, true, 1);
    private static readonly VeoModel Veo20 = new("", Veo2Durations, false, true, false, false, false, 2);

    private static readonly Dictionary<string, VeoModel> GeminiModels = Table(
        ("veo-3.1-generate-preview", Veo31),
        ("veo-3.1-fast-generate-preview", Veo31),
        ("veo-3.0-generate-001", Veo30),
        ("veo-3.0-fast-generate-001", Veo30),
        ("veo-2.0-generate-001", Veo20));

    private static readonly Dictionary<string, VeoModel> VertexModels = Table(
        ("veo-3.1-generate-001", Veo31),
        ("veo-3.1-fast-generate-001", Veo31),
        ("veo-3.1-lite-generate-001", Veo31Lite),
        ("veo-3.0-generate-001", Veo30),
        ("veo-3.0-fast-generate-001", Veo30),
        ("veo-2.0-generate-001", Veo20));

    /// <summary>Seconds an extension adds to its source.</summary>
    public const int ExtensionSeconds = 7;

    public int DefaultDuration => 8;

    public static VeoModel? Find(VeoSurface surface, string name) =>
        (surface == VeoSurface.Gemini ? GeminiModels : VertexModels).GetValueOrDefault(name);

    public static IEnumerable<string> Names(VeoSurface surface) =>
        (surface == VeoSurface.Gemini ? GeminiModels : VertexModels).Keys;

    private static Dictionary<string, VeoModel> Table(params (string Name, VeoModel Capabilities)[] rows) =>
        rows.ToDictionary(r => r.Name, r => r.Capabilities with { Name = r.Name }, StringComparer.Ordinal);
}
