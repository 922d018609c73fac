using System.Collections.Immutable;
using Reel.Engine.Providers.Comfy;

namespace Reel.Engine.Tests.Providers.Comfy;

/// <summary>
/// <see cref="ComfyObjectInfo"/>: an <c>/object_info</c> answer read into classes and their required and optional
/// inputs, anything else refused; a workflow and bind map checked against it, leaving to the offline check what it refuses.
/// </summary>
public sealed class ComfyObjectInfoTests : IDisposable
{
    private const string Info = """
        {
          "KSampler": {"input": {"required": {"seed": ["INT", {"default": 0}], "model": ["MODEL"]}}, "output": ["LATENT"], "name": "KSampler", "category": "sampling"},
          "CLIPTextEncode": {"input": {"required": {"text": ["STRING", {"multiline": true}], "clip": ["CLIP"]}}, "output": ["CONDITIONING"], "name": "CLIPTextEncode", "category": "conditioning"},
          "Wan22ImageToVideoLatent": {"input": {"required": {"width": ["INT", {}]}, "optional": {"start_image": ["IMAGE"]}}, "output": ["LATENT"], "name": "Wan22ImageToVideoLatent", "category": "conditioning/inpaint"}
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("reel-objinfo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "w.api.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static ImmutableSortedDictionary<string, string> Binds(params (string Field, string Target)[] binds) =>
        binds.ToImmutableSortedDictionary(b => b.Field, b => b.Target, StringComparer.Ordinal);

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"KSampler\": 1}")]
    [InlineData("{\"KSampler\": {\"output\": []}}")]
    [InlineData("<html>")]
    public void An_answer_that_is_not_object_info_is_refused(string json) => Assert.Null(ComfyObjectInfo.Parse(json));

    [Fact]
    public void Required_and_optional_inputs_are_known_and_a_missing_input_or_class_is_a_problem_with_a_suggestion()
    {
        var info = ComfyObjectInfo.Parse(Info)!;
        var path = Write("""
            {
              "3": {"class_type": "KSampler", "inputs": {"seed": 0, "sede": 0}},
              "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ""}},
              "55": {"class_type": "Wan22ImageToVideoLatent", "inputs": {"width": 640, "start_image": ["56", 0]}},
              "56": {"class_type": "LoadImag", "inputs": {"image": "a.png"}}
            }
            """);

        var ok = info.Check(path, Binds(("prompt", "6.text"), ("seed", "3.seed"), ("width", "55.width"), ("image", "56.image")));
        var bad = info.Check(path, Binds(("prompt", "6.text"), ("seed", "3.sede"), ("frames", "99.length"), ("fps", "nodot")));

        var cls = Assert.Single(ok);
        Assert.Null(cls.Field);
        Assert.Contains("node 56 is a 'LoadImag', which the server does not have", cls.Message, StringComparison.Ordinal);
        Assert.Equal(2, bad.Count); // the class, and seed; 99 and 'nodot' are the offline check's to report
        var seed = Assert.Single(bad, p => p.Field == "seed");
        Assert.Equal("bind 'seed: 3.sede': node 3 (KSampler) on the server has no input 'sede' (did you mean 'seed'?) (inputs: seed, model)", seed.Message);
    }
}
