using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Google;

/// <summary>Requests to the emulator's Google routes: Gemini (<c>/v1beta</c>, <c>x-goog-api-key</c>) and Vertex (<c>/v1beta1</c>, bearer).</summary>
internal static class Veo
{
    public const string Key = "veo-test-key";

    public const string GeminiModel = "veo-3.1-generate-preview";

    public const string VertexModel = "veo-3.1-generate-001";

    public const string VertexResource = "projects/reel/locations/us-central1/publishers/google/models/" + VertexModel;

    public static Task<EmulatorHarness> StartAsync(string? faults = null, int seed = 0) =>
        EmulatorHarness.StartAsync(new EmulatorOptions(Faults: faults, Seed: seed, ApiKey: Key));

    public static async Task<Reply> SendAsync(this EmulatorHarness emulator, HttpMethod method, string path, string? json = null, Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(emulator.Server.BaseAddress, path));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        headers?.Invoke(request.Headers);
        return await Reply.ReadAsync(await emulator.Http.SendAsync(request));
    }

    public static Task<Reply> GeminiAsync(this EmulatorHarness emulator, HttpMethod method, string path, string? json = null, string? key = Key) =>
        emulator.SendAsync(method, path, json, h =>
        {
            if (key is not null)
            {
                h.Add("x-goog-api-key", key);
            }
        });

    public static Task<Reply> GeminiGenerateAsync(this EmulatorHarness emulator, string instance, string parameters = "{}", string model = GeminiModel) =>
        emulator.GeminiAsync(HttpMethod.Post, $"/v1beta/models/{model}:predictLongRunning", $$"""{"instances":[{{instance}}],"parameters":{{parameters}}}""");

    /// <summary>Creates a Gemini operation, moves the clock past its end, and returns the done operation.</summary>
    public static async Task<JsonObject> GeminiCompletedAsync(this EmulatorHarness emulator, string instance = """{"prompt":"A lighthouse at dawn"}""", string parameters = """{"durationSeconds":8}""", string model = GeminiModel)
    {
        var created = await emulator.GeminiGenerateAsync(instance, parameters, model);
        Assert.Equal(HttpStatusCode.OK, created.Status);
        emulator.Advance(30);
        var polled = await emulator.GeminiAsync(HttpMethod.Get, "/v1beta/" + created.Json!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, polled.Status);
        Assert.True(polled.Json!["done"]!.GetValue<bool>());
        return polled.Json;
    }

    public static string FirstUri(JsonObject operation) =>
        operation["response"]!["generateVideoResponse"]!["generatedSamples"]![0]!["video"]!["uri"]!.GetValue<string>();

    public static Task<Reply> VertexAsync(this EmulatorHarness emulator, string path, string json, string? token = Key) =>
        emulator.SendAsync(HttpMethod.Post, path, json, h =>
        {
            if (token is not null)
            {
                h.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
        });

    public static Task<Reply> VertexGenerateAsync(this EmulatorHarness emulator, string instance, string parameters = """{"generateAudio":true}""", string resource = VertexResource) =>
        emulator.VertexAsync($"/v1beta1/{resource}:predictLongRunning", $$"""{"instances":[{{instance}}],"parameters":{{parameters}}}""");

    public static Task<Reply> VertexFetchAsync(this EmulatorHarness emulator, string name, string resource = VertexResource) =>
        emulator.VertexAsync($"/v1beta1/{resource}:fetchPredictOperation", new JsonObject { ["operationName"] = name }.ToJsonString());

    /// <summary>Creates a Vertex operation, moves the clock past its end, and returns the done operation.</summary>
    public static async Task<JsonObject> VertexCompletedAsync(this EmulatorHarness emulator, string instance = """{"prompt":"A red kite"}""", string parameters = """{"generateAudio":true,"durationSeconds":4}""", string resource = VertexResource)
    {
        var created = await emulator.VertexGenerateAsync(instance, parameters, resource);
        Assert.Equal(HttpStatusCode.OK, created.Status);
        emulator.Advance(30);
        var polled = await emulator.VertexFetchAsync(created.Json!["name"]!.GetValue<string>(), resource);
        Assert.Equal(HttpStatusCode.OK, polled.Status);
        Assert.True(polled.Json!["done"]!.GetValue<bool>());
        return polled.Json;
    }

    public static byte[] InlineVideo(JsonObject operation, int index = 0) =>
        Convert.FromBase64String(operation["response"]!["videos"]![index]!["bytesBase64Encoded"]!.GetValue<string>());

    /// <summary>An inline image as Veo takes it: <c>{"bytesBase64Encoded","mimeType"}</c>.</summary>
    public static string Image(int width = 64, int height = 36) =>
        new JsonObject { ["bytesBase64Encoded"] = Convert.ToBase64String(EmulatorHarness.Png(width, height)), ["mimeType"] = "image/png" }.ToJsonString();

    /// <summary>Probes MP4 bytes after checking that every frame decodes.</summary>
    public static Reel.Engine.Media.ClipInfo Probe(byte[] mp4)
    {
        var path = Path.Combine(Path.GetTempPath(), "reel-veo-" + Guid.NewGuid().ToString("N") + ".mp4");
        File.WriteAllBytes(path, mp4);
        try
        {
            Assert.Null(Reel.Engine.Media.Mp4Clip.Verify(path));
            return Reel.Engine.Media.Mp4Clip.Probe(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A Gemini extension instance: <c>{"prompt", "video": {"uri"}}</c>.</summary>
    public static string Extension(string uri, string prompt = "more") =>
        new JsonObject { ["prompt"] = prompt, ["video"] = new JsonObject { ["uri"] = uri } }.ToJsonString();

    public static string? Status(this Reply reply) => reply.Json?["error"]?["status"]?.GetValue<string>();

    public static int JobsCreated(this EmulatorHarness emulator) =>
        emulator.AuditLines().Count(l => l["event"]?.GetValue<string>() == "job.created");

    /// <summary>Asserts Google's error body: <c>{"error":{"code","message","status"}}</c> with the HTTP status as code.</summary>
    public static void AssertGoogleError(this Reply reply, HttpStatusCode status, string googleStatus, string? messagePart = null)
    {
        Assert.Equal(status, reply.Status);
        var error = reply.Json!["error"]!;
        Assert.Equal((int)status, error["code"]!.GetValue<int>());
        Assert.Equal(googleStatus, error["status"]!.GetValue<string>());
        if (messagePart is not null)
        {
            Assert.Contains(messagePart, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }
}
