using System.Text.Json.Nodes;

namespace Reel.Emulator.Comfy;

/// <summary>
/// The node classes the emulator understands, as ComfyUI's <c>GET /object_info</c> describes them
/// (<c>{"KSampler": {"input": {"required": {"seed": ["INT", {…}]}, "optional": {…}}, "input_order", "output",
/// "output_is_list", "output_name", "name", "display_name", "description", "python_module", "category",
/// "output_node"}}</c>): the core nodes of the Wan 2.2 text/image-to-video workflows (loaders, text encode, sampler,
/// latent, decode, CreateVideo, SaveVideo, LoadImage) and VideoHelperSuite's <c>VHS_VideoCombine</c>. Inputs, types
/// and defaults follow ComfyUI's node definitions; combo lists name the files the emulator pretends to have.
/// </summary>
internal static class ComfyNodes
{
    private const ulong MaxSeed = 0xffffffffffffffffUL;
    private const int MaxResolution = 16384;

    private static readonly (string Name, string Display, string Category, string Module, bool OutputNode, (string Name, JsonNode Spec)[] Required, (string Name, JsonNode Spec)[] Optional, string[] Output)[] Nodes =
    [
        ("UNETLoader", "Load Diffusion Model", "advanced/loaders", "nodes", false,
            [("unet_name", Combo("wan2.2_ti2v_5B_fp16.safetensors", "wan2.2_t2v_high_noise_14B_fp8_scaled.safetensors")), ("weight_dtype", Combo("default", "fp8_e4m3fn", "fp8_e4m3fn_fast", "fp8_e5m2"))], [], ["MODEL"]),
        ("CLIPLoader", "Load CLIP", "advanced/loaders", "nodes", false,
            [("clip_name", Combo("umt5_xxl_fp8_e4m3fn_scaled.safetensors")), ("type", Combo("stable_diffusion", "stable_cascade", "sd3", "stable_audio", "mochi", "ltxv", "pixart", "cosmos", "lumina2", "wan", "hidream", "chroma", "ace", "omnigen2", "qwen_image", "hunyuan_image"))],
            [("device", Combo("default", "cpu"))], ["CLIP"]),
        ("VAELoader", "Load VAE", "loaders", "nodes", false, [("vae_name", Combo("wan2.2_vae.safetensors", "wan_2.1_vae.safetensors"))], [], ["VAE"]),
        ("ModelSamplingSD3", "ModelSamplingSD3", "advanced/model", "comfy_extras.nodes_model_advanced", false,
            [("model", Type("MODEL")), ("shift", Type("FLOAT", new() { ["default"] = 3.0, ["min"] = 0.0, ["max"] = 100.0, ["step"] = 0.01 }))], [], ["MODEL"]),
        ("CLIPTextEncode", "CLIP Text Encode (Prompt)", "conditioning", "nodes", false,
            [("text", Type("STRING", new() { ["multiline"] = true, ["dynamicPrompts"] = true })), ("clip", Type("CLIP"))], [], ["CONDITIONING"]),
        ("Wan22ImageToVideoLatent", "Wan22ImageToVideoLatent", "conditioning/inpaint", "comfy_extras.nodes_wan", false,
            [
                ("vae", Type("VAE")),
                ("width", Type("INT", new() { ["default"] = 1280, ["min"] = 32, ["max"] = MaxResolution, ["step"] = 32 })),
                ("height", Type("INT", new() { ["default"] = 704, ["min"] = 32, ["max"] = MaxResolution, ["step"] = 32 })),
                ("length", Type("INT", new() { ["default"] = 49, ["min"] = 1, ["max"] = MaxResolution, ["step"] = 4 })),
                ("batch_size", Type("INT", new() { ["default"] = 1, ["min"] = 1, ["max"] = 4096 })),
            ],
            [("start_image", Type("IMAGE"))], ["LATENT"]),
        ("KSampler", "KSampler", "sampling", "nodes", false,
            [
                ("model", Type("MODEL")),
                ("seed", Type("INT", new() { ["default"] = 0, ["min"] = 0, ["max"] = MaxSeed, ["control_after_generate"] = true })),
                ("steps", Type("INT", new() { ["default"] = 20, ["min"] = 1, ["max"] = 10000 })),
                ("cfg", Type("FLOAT", new() { ["default"] = 8.0, ["min"] = 0.0, ["max"] = 100.0, ["step"] = 0.1, ["round"] = 0.01 })),
                ("sampler_name", Combo("euler", "euler_ancestral", "dpmpp_2m", "uni_pc", "uni_pc_bh2")),
                ("scheduler", Combo("simple", "normal", "karras", "exponential", "sgm_uniform", "beta")),
                ("positive", Type("CONDITIONING")),
                ("negative", Type("CONDITIONING")),
                ("latent_image", Type("LATENT")),
                ("denoise", Type("FLOAT", new() { ["default"] = 1.0, ["min"] = 0.0, ["max"] = 1.0, ["step"] = 0.01 })),
            ],
            [], ["LATENT"]),
        ("VAEDecode", "VAE Decode", "latent", "nodes", false, [("samples", Type("LATENT")), ("vae", Type("VAE"))], [], ["IMAGE"]),
        ("CreateVideo", "Create Video", "image/video", "comfy_extras.nodes_video", false,
            [("images", Type("IMAGE")), ("fps", Type("FLOAT", new() { ["default"] = 30.0, ["min"] = 1.0, ["max"] = 120.0, ["step"] = 1.0 }))],
            [("audio", Type("AUDIO"))], ["VIDEO"]),
        ("SaveVideo", "Save Video", "image/video", "comfy_extras.nodes_video", true,
            [("video", Type("VIDEO")), ("filename_prefix", Type("STRING", new() { ["default"] = "video/ComfyUI" })), ("format", Combo("auto", "mp4")), ("codec", Combo("auto", "h264"))],
            [], []),
        ("LoadImage", "Load Image", "image", "nodes", false, [("image", Combo("example.png"))], [], ["IMAGE", "MASK"]),
        ("VHS_VideoCombine", "Video Combine 🎥🅥🅗🅢", "Video Helper Suite 🎥🅥🅗🅢", "custom_nodes.ComfyUI-VideoHelperSuite", true,
            [
                ("images", Type("IMAGE")),
                ("frame_rate", Type("FLOAT", new() { ["default"] = 8, ["min"] = 1, ["step"] = 1 })),
                ("loop_count", Type("INT", new() { ["default"] = 0, ["min"] = 0, ["max"] = 100, ["step"] = 1 })),
                ("filename_prefix", Type("STRING", new() { ["default"] = "AnimateDiff" })),
                ("format", Combo("image/gif", "image/webp", "video/h264-mp4")),
                ("pingpong", Type("BOOLEAN", new() { ["default"] = false })),
                ("save_output", Type("BOOLEAN", new() { ["default"] = true })),
            ],
            [("audio", Type("AUDIO")), ("meta_batch", Type("VHS_BatchManager")), ("vae", Type("VAE"))], ["VHS_FILENAMES"]),
    ];

    /// <summary>The whole <c>/object_info</c> answer.</summary>
    public static JsonObject All()
    {
        var all = new JsonObject();
        foreach (var node in Nodes)
        {
            all[node.Name] = Describe(node);
        }

        return all;
    }

    /// <summary><c>/object_info/{class}</c>: <c>{"Class": {…}}</c>, or an empty object for a class the emulator lacks (as ComfyUI answers).</summary>
    public static JsonObject One(string name) =>
        Nodes.FirstOrDefault(n => n.Name == name) is { Name: not null } node ? new JsonObject { [name] = Describe(node) } : [];

    private static JsonObject Describe((string Name, string Display, string Category, string Module, bool OutputNode, (string Name, JsonNode Spec)[] Required, (string Name, JsonNode Spec)[] Optional, string[] Output) node)
    {
        JsonObject Group((string Name, JsonNode Spec)[] inputs) => new(inputs.Select(i => KeyValuePair.Create(i.Name, (JsonNode?)i.Spec.DeepClone())));
        JsonArray Names((string Name, JsonNode Spec)[] inputs) => [.. inputs.Select(i => (JsonNode)i.Name)];
        var input = new JsonObject { ["required"] = Group(node.Required) };
        var order = new JsonObject { ["required"] = Names(node.Required) };
        if (node.Optional.Length > 0)
        {
            input["optional"] = Group(node.Optional);
            order["optional"] = Names(node.Optional);
        }

        input["hidden"] = node.OutputNode ? new JsonObject { ["prompt"] = "PROMPT", ["extra_pnginfo"] = "EXTRA_PNGINFO" } : [];
        return new JsonObject
        {
            ["input"] = input,
            ["input_order"] = order,
            ["output"] = new JsonArray([.. node.Output.Select(o => (JsonNode)o)]),
            ["output_is_list"] = new JsonArray([.. node.Output.Select(_ => (JsonNode)false)]),
            ["output_name"] = new JsonArray([.. node.Output.Select(o => (JsonNode)o)]),
            ["name"] = node.Name,
            ["display_name"] = node.Display,
            ["description"] = "",
            ["python_module"] = node.Module,
            ["category"] = node.Category,
            ["output_node"] = node.OutputNode,
        };
    }

    private static JsonArray Type(string type, JsonObject? options = null) => options is null ? [type] : [type, options];

    private static JsonArray Combo(params string[] values) => [new JsonArray([.. values.Select(v => (JsonNode)v)])];
}
