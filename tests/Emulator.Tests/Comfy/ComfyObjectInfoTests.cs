using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Comfy;

/// <summary>
/// The emulator's <c>GET /object_info</c>: ComfyUI's shape (per class <c>input.required</c>/<c>optional</c> as
/// <c>[type, opts]</c> or <c>[[choices]]</c>, <c>output</c>, <c>name</c>, <c>category</c>, <c>output_node</c>), covering
/// every node class the paper-boats workflows use, one class at <c>/object_info/{class}</c>, under <c>/comfy/api</c>
/// too, and behind <c>--api-key</c> like every route.
/// </summary>
public sealed class ComfyObjectInfoTests
{
    private const string Token = "comfy-token-0b1f";

    private static async Task<(EmulatorHarness Emulator, HttpClient Http)> StartAsync(string prefix = "/comfy/", string? token = Token)
    {
        var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Speed: 1, ApiKey: Token));
        var http = new HttpClient { BaseAddress = new Uri(emulator.Server.BaseAddress, prefix) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return (emulator, http);
    }

    private static string ExamplePath(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine([dir!.FullName, "examples", .. parts]);
    }

    [Fact]
    public async Task Object_info_describes_every_class_and_input_of_the_example_workflows_in_comfyuis_shape()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;

        var reply = await Reply.ReadAsync(await http.GetAsync("object_info"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var info = reply.Json!;
        var sampler = info["KSampler"]!.AsObject();
        Assert.Equal("KSampler", sampler["name"]!.GetValue<string>());
        Assert.Equal("sampling", sampler["category"]!.GetValue<string>());
        Assert.Equal("INT", sampler["input"]!["required"]!["seed"]![0]!.GetValue<string>());
        Assert.Equal(0, sampler["input"]!["required"]!["seed"]![1]!["default"]!.GetValue<int>());
        Assert.IsType<JsonArray>(sampler["input"]!["required"]!["sampler_name"]![0]);
        Assert.Equal("LATENT", sampler["output"]![0]!.GetValue<string>());
        Assert.True(info["SaveVideo"]!["output_node"]!.GetValue<bool>());
        Assert.Equal("IMAGE", info["Wan22ImageToVideoLatent"]!["input"]!["optional"]!["start_image"]![0]!.GetValue<string>());

        foreach (var file in new[] { "wan22_ti2v_5b.api.json", "wan22_ti2v_5b_image.api.json" })
        {
            var graph = JsonNode.Parse(File.ReadAllText(ExamplePath("paper-boats", "workflows", file)))!.AsObject();
            foreach (var (id, node) in graph)
            {
                var type = node!["class_type"]!.GetValue<string>();
                var input = info[type]?["input"];
                Assert.True(input is not null, $"{file}: node {id}'s class {type} is missing");
                foreach (var (name, _) in node["inputs"]!.AsObject())
                {
                    Assert.True(input!["required"]?[name] is not null || input["optional"]?[name] is not null, $"{file}: {type} lacks input {name}");
                }
            }
        }
    }

    [Fact]
    public async Task One_class_is_served_at_its_own_path_an_unknown_class_is_an_empty_object_and_the_api_prefix_works()
    {
        var (emulator, http) = await StartAsync(prefix: "/comfy/api/");
        await using var _ = emulator;
        using var __ = http;

        var one = await Reply.ReadAsync(await http.GetAsync("object_info/CLIPTextEncode"));
        var none = await Reply.ReadAsync(await http.GetAsync("object_info/NoSuchNode"));

        Assert.Equal(HttpStatusCode.OK, one.Status);
        Assert.Equal(["CLIPTextEncode"], one.Json!.AsObject().Select(p => p.Key));
        Assert.Equal("STRING", one.Json!["CLIPTextEncode"]!["input"]!["required"]!["text"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, none.Status);
        Assert.Empty(none.Json!.AsObject());
    }

    [Fact]
    public async Task With_an_api_key_object_info_needs_the_bearer_token()
    {
        var (emulator, http) = await StartAsync(token: null);
        await using var _ = emulator;
        using var __ = http;

        var reply = await Reply.ReadAsync(await http.GetAsync("object_info"));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
    }
}
