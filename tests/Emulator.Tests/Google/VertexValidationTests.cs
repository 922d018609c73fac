using System.Net;
using Reel.Engine.Core;

namespace Reel.Emulator.Tests.Google;

public sealed class VertexValidationTests
{
    [Theory]
    [InlineData("""{"prompt":"x"}""", """{}""", "generateAudio is required for veo-3.1-generate-001")]
    [InlineData("""{"prompt":"x"}""", """{"generateAudio":true,"seed":-1}""", "Invalid value at 'parameters.seed' (TYPE_UINT32), -1")]
    [InlineData("""{"prompt":"x"}""", """{"generateAudio":true,"seed":4294967296}""", "(TYPE_UINT32)")]
    [InlineData("""{"prompt":"x"}""", """{"generateAudio":true,"sampleCount":5}""", "1 to 4 videos")]
    [InlineData("""{"prompt":"x"}""", """{"generateAudio":true,"storageUri":"https://bucket"}""", "gs://")]
    [InlineData("""{"prompt":"x"}""", """{"generateAudio":true,"resizeMode":"stretch"}""", "parameters.resizeMode")]
    [InlineData("""{"prompt":"x"}""", """{"generateAudio":true,"compressionQuality":"best"}""", "parameters.compressionQuality")]
    [InlineData("""{"prompt":"x"}""", """{"generateAudio":true,"fps":30}""", "24 fps")]
    [InlineData("""{"prompt":"x"}""", """{"generateAudio":true,"webhookConfig":{}}""", "Unknown name \"webhookConfig\" at 'parameters'")]
    [InlineData("""{"prompt":"x","image":{"gcsUri":"gs://b/i.png","mimeType":"image/png"}}""", """{"generateAudio":true}""", "can't read Cloud Storage")]
    [InlineData("""{"prompt":"x","video":{"gcsUri":"gs://b/v.mp4","mimeType":"video/mp4"}}""", """{"generateAudio":true}""", "can't read Cloud Storage")]
    [InlineData("""{"prompt":"x","video":{"bytesBase64Encoded":"AAAAAAAA","mimeType":"video/mp4"}}""", """{"generateAudio":true}""", "not a readable MP4")]
    [InlineData("""{"prompt":"x","mask":{"image":{},"maskMode":"INSERT"}}""", """{"generateAudio":true}""", "mask")]
    public async Task Invalid_requests_are_400_with_the_reason(string instance, string parameters, string message)
    {
        await using var emulator = await Veo.StartAsync();

        var reply = await emulator.VertexGenerateAsync(instance, parameters);

        reply.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", message);
        Assert.Equal(0, emulator.JobsCreated());
    }

    [Fact]
    public async Task Veo_2_has_no_audio_and_accepts_style_references_only_where_supported()
    {
        await using var emulator = await Veo.StartAsync();
        const string Veo2 = "projects/reel/locations/us-central1/publishers/google/models/veo-2.0-generate-001";

        var audio = await emulator.VertexGenerateAsync("""{"prompt":"x"}""", """{"generateAudio":true}""", Veo2);
        var silent = await emulator.VertexGenerateAsync("""{"prompt":"x"}""", """{"durationSeconds":7}""", Veo2);
        var style = await emulator.VertexGenerateAsync($$"""{"prompt":"x","referenceImages":[{"image":{{Veo.Image()}},"referenceType":"STYLE"}]}""");

        audio.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "generateAudio is not supported by veo-2.0-generate-001");
        Assert.Equal(HttpStatusCode.OK, silent.Status);
        Assert.Equal(HttpStatusCode.OK, style.Status);
    }

    [Fact]
    public async Task An_unknown_model_is_404_publisher_model_not_found()
    {
        await using var emulator = await Veo.StartAsync();

        var reply = await emulator.VertexGenerateAsync("""{"prompt":"x"}""", resource: "projects/reel/locations/us-central1/publishers/google/models/veo-3.1-generate-preview");

        reply.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND", "Publisher Model `projects/reel/locations/us-central1/publishers/google/models/veo-3.1-generate-preview` was not found");
    }

    [Fact]
    public async Task An_extension_source_longer_than_thirty_seconds_is_refused()
    {
        await using var emulator = await Veo.StartAsync();
        var path = Path.Combine(emulator.Directory, "long.mp4");
        await using (var file = File.Create(path))
        {
            Reel.Engine.Media.LocalRenderer.WriteClip(new Reel.Engine.Media.ClipSpec("long", "long", new Reel.Engine.Core.VideoSize(1280, 720), 31, 1), file);
        }

        var instance = new System.Text.Json.Nodes.JsonObject
        {
            ["prompt"] = "x",
            ["video"] = new System.Text.Json.Nodes.JsonObject { ["bytesBase64Encoded"] = Convert.ToBase64String(await File.ReadAllBytesAsync(path)) },
        }.ToJsonString();

        var reply = await emulator.VertexGenerateAsync(instance);

        reply.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "videos of 1 to 30 seconds can be extended");
    }

    [Fact]
    public async Task Unknown_routes_are_404()
    {
        await using var emulator = await Veo.StartAsync();

        var verb = await emulator.VertexAsync($"/v1beta1/{Veo.VertexResource}:predict", "{}");
        var path = await emulator.VertexAsync("/v1beta1/projects/reel/models/x:predictLongRunning", "{}");

        verb.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND");
        path.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND");
    }
}
