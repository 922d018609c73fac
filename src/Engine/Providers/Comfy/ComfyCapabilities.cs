using System.Collections.Immutable;

namespace Reel.Engine.Providers.Comfy;

/// <summary>
/// The <c>comfy</c> capability table: a ComfyUI server (self-hosted, <c>COMFY_BASE_URL</c>) running the API-format
/// workflow a step names in <c>options.workflow</c>, with neutral fields bound to node inputs by <c>options.bind</c>
/// (shared/api/providers-2026.md §2). The model is whatever the workflow loads, so any model name, even size and
/// whole seconds are accepted; frames are <c>seconds × fps + 1</c> (the 4n+1 / 8n+1 lengths Wan, HunyuanVideo and
/// LTX take at their 16 and 24 fps). Free unless a step sets <c>price_per_second</c> (the GPU is the user's).
/// </summary>
/// <remarks>
/// Exactly-once: the native <c>POST /prompt</c> takes a client-chosen <c>prompt_id</c>; Reel sends a UUID derived
/// from the step's idempotency key and finds the prompt again by it (<c>/history/{id}</c>, then <c>/queue</c>). On
/// Comfy API v2 the same UUID is the <c>Idempotency-Key</c>; a 422 <c>idempotency_key_reuse</c> (or a lost answer) finds
/// the job whose workflow equals the filled one. Either way a lost answer is adopted, never queued twice
/// (<see cref="ProviderCapabilities.CanReconcile"/>).
/// </remarks>
public static class ComfyCapabilities
{
    /// <summary>The neutral fields <c>options.bind</c> may map to node inputs.</summary>
    public static ImmutableArray<string> BindFields { get; } = ["prompt", "negative", "seed", "width", "height", "frames", "fps", "image"];

    /// <summary>Frames per second when a step sets no <c>fps</c> (Wan 2.2 14B's rate).</summary>
    public const int DefaultFps = 16;

    public static ProviderCapabilities Table { get; } = new(
        Provider: "comfy",
        Models: [],
        DefaultModel: "workflow",
        AnyModel: true,
        MinSide: 64,
        MaxSide: 4096,
        MinSeconds: 1,
        MaxSeconds: 60,
        SupportsCharacters: false,
        SupportsExtend: false,
        SupportsEdit: false,
        EstimatedRenderTimePerSecond: TimeSpan.FromSeconds(30))
    {
        Description = "A ComfyUI server (COMFY_BASE_URL, default http://127.0.0.1:8188; optional COMFY_API_KEY) running your API-format workflow: open weights (Wan 2.2, LTX-2, HunyuanVideo 1.5), over Comfy API v2 or the native API. Free unless price_per_second is set; lost submits found again (prompt_id, Idempotency-Key).",
        TakesSeed = true,
        CanReconcile = true,
        HasExtras = false,
        Environment = [ComfyOptions.BaseUrlVariable, ComfyOptions.ApiKeyVariable, ComfyOptions.SurfaceVariable],
        PriceOption = "price_per_second",
        CheckOptions = ComfyWorkflow.Check,
        Options =
        [
            new OptionSpec("workflow", OptionKind.File, "The API-format workflow (ComfyUI's \"Save (API)\") the step runs; its content enters the step key.") { Values = [".json"] },
            new OptionSpec("bind", OptionKind.Map, "Which node input each neutral field fills: \"<node id>.<input>\", e.g. prompt: \"6.text\".") { Values = BindFields },
            new OptionSpec("fps", OptionKind.Integer, $"Frames per second the workflow makes (frames = seconds × fps + 1; default {DefaultFps}).") { Min = 1, Max = 60 },
            new OptionSpec("negative", OptionKind.Text, "The negative prompt, for a 'negative' bind."),
            new OptionSpec("price_per_second", OptionKind.Decimal, "What a second of this workflow costs you, for estimates and --max-cost (default 0)."),
        ],
    };
}
