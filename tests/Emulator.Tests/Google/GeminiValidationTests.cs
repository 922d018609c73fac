using System.Net;

namespace Reel.Emulator.Tests.Google;

public sealed class GeminiValidationTests
{
    [Theory]
    [InlineData("seed", "7")]
    [InlineData("generateAudio", "true")]
    [InlineData("fps", "24")]
    [InlineData("compressionQuality", "\"optimized\"")]
    [InlineData("resizeMode", "\"pad\"")]
    [InlineData("pubsubTopic", "\"projects/p/topics/t\"")]
    [InlineData("storageUri", "\"gs://bucket/out\"")]
    [InlineData("colour", "\"red\"")]
    public async Task Vertex_only_and_unknown_parameters_are_rejected_by_name(string name, string value)
    {
        await using var emulator = await Veo.StartAsync();

        var reply = await emulator.GeminiGenerateAsync("""{"prompt":"x"}""", $$"""{"{{name}}":{{value}}}""");

        reply.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", $"Invalid JSON payload received. Unknown name \"{name}\" at 'parameters': Cannot find field.");
        Assert.Equal("parameters", reply.Json!["error"]!["details"]![0]!["fieldViolations"]![0]!["field"]!.GetValue<string>());
        Assert.Equal(0, emulator.JobsCreated());
    }

    [Theory]
    [InlineData("""{"prompt":"x","image":{"gcsUri":"gs://b/i.png","mimeType":"image/png"}}""", "{}", "Unknown name \"gcsUri\" at 'instances[0].image'")]
    [InlineData("""{"prompt":"x","mask":{}}""", "{}", "Unknown name \"mask\" at 'instances[0]'")]
    [InlineData("""{"negativePrompt":"x"}""", "{}", "Unknown name \"negativePrompt\" at 'instances[0]'")]
    [InlineData("""{}""", "{}", "prompt is required")]
    [InlineData("""{"prompt":"x"}""", """{"resolution":"1080p","durationSeconds":4}""", "1080p is only supported with durationSeconds 8")]
    [InlineData("""{"prompt":"x"}""", """{"resolution":"4k"}""", "Supported values are: \"720p\", \"1080p\"")]
    [InlineData("""{"prompt":"x"}""", """{"aspectRatio":"4:3"}""", "parameters.aspectRatio")]
    [InlineData("""{"prompt":"x"}""", """{"durationSeconds":5}""", "supports 4, 6, 8 seconds")]
    [InlineData("""{"prompt":"x"}""", """{"durationSeconds":"eight"}""", "Invalid value at 'parameters.durationSeconds' (TYPE_INT32), \"eight\"")]
    [InlineData("""{"prompt":"x"}""", """{"enhancePrompt":"yes"}""", "(TYPE_BOOL)")]
    [InlineData("""{"prompt":"x"}""", """{"sampleCount":2}""", "supports 1 to 1 videos")]
    [InlineData("""{"prompt":"x"}""", """{"personGeneration":"everyone"}""", "allow_adult")]
    [InlineData("""{"prompt":"x","lastFrame":{"bytesBase64Encoded":"AAAA","mimeType":"image/png"}}""", "{}", "Unable to process input image")]
    [InlineData("""{"prompt":"x","image":{"bytesBase64Encoded":"###","mimeType":"image/png"}}""", "{}", "Base64 decoding failed")]
    [InlineData("""{"prompt":"x","image":{"bytesBase64Encoded":"AAAA"}}""", "{}", "mimeType is required")]
    [InlineData("""{"prompt":"x","image":{"bytesBase64Encoded":"AAAA","mimeType":"image/gif"}}""", "{}", "image/gif")]
    public async Task Invalid_requests_are_400_with_the_reason(string instance, string parameters, string message)
    {
        await using var emulator = await Veo.StartAsync();

        var reply = await emulator.GeminiGenerateAsync(instance, parameters);

        reply.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", message);
        Assert.Equal(0, emulator.JobsCreated());
    }

    [Fact]
    public async Task Frame_and_reference_rules_follow_the_docs()
    {
        await using var emulator = await Veo.StartAsync();
        var image = Veo.Image();
        var reference = $$"""{"image":{{image}},"referenceType":"asset"}""";

        var lastWithoutFirst = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","lastFrame":{{image}}}""");
        var fourReferences = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","referenceImages":[{{reference}},{{reference}},{{reference}},{{reference}}]}""");
        var referencesAndImage = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","image":{{image}},"referenceImages":[{{reference}}]}""");
        var referencesShort = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","referenceImages":[{{reference}}]}""", """{"durationSeconds":6}""");
        var style = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","referenceImages":[{"image":{{image}},"referenceType":"STYLE"}]}""");
        var referencesOnVeo3 = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","referenceImages":[{{reference}}]}""", model: "veo-3.0-generate-001");
        var lastFrameOnVeo3 = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","image":{{image}},"lastFrame":{{image}}}""", model: "veo-3.0-generate-001");

        lastWithoutFirst.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "lastFrame needs instances[0].image");
        fourReferences.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "1 to 3 images");
        referencesAndImage.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "can't be combined");
        referencesShort.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "durationSeconds 8");
        style.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "referenceType");
        referencesOnVeo3.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "not supported by veo-3.0-generate-001");
        lastFrameOnVeo3.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "not supported by veo-3.0-generate-001");
        Assert.Equal(0, emulator.JobsCreated());
    }

    [Fact]
    public async Task First_and_last_frame_and_references_are_accepted_where_supported()
    {
        await using var emulator = await Veo.StartAsync();
        var image = Veo.Image();

        var interpolation = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","image":{{image}},"lastFrame":{{image}}}""");
        var references = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","referenceImages":[{"image":{{image}},"referenceType":"asset"},{"image":{{image}},"referenceType":"ASSET"}]}""");
        var imageOnly = await emulator.GeminiGenerateAsync($$"""{"image":{{image}}}""");

        Assert.Equal(HttpStatusCode.OK, interpolation.Status);
        Assert.Equal(HttpStatusCode.OK, references.Status);
        Assert.Equal(HttpStatusCode.OK, imageOnly.Status);
        Assert.Equal(3, emulator.JobsCreated());
    }

    [Fact]
    public async Task Extension_rules_follow_the_docs()
    {
        await using var emulator = await Veo.StartAsync();
        var source = Veo.FirstUri(await emulator.GeminiCompletedAsync());
        var video = $$"""{"uri":"{{source}}"}""";

        var hd = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","video":{{video}}}""", """{"resolution":"1080p"}""");
        var shortDuration = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","video":{{video}}}""", """{"durationSeconds":4}""");
        var withImage = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","video":{{video}},"image":{{Veo.Image()}}}""");
        var onVeo3 = await emulator.GeminiGenerateAsync($$"""{"prompt":"x","video":{{video}}}""", model: "veo-3.0-generate-001");
        var hdSource = Veo.FirstUri(await emulator.GeminiCompletedAsync(parameters: """{"resolution":"1080p"}"""));
        var fromHd = await emulator.GeminiGenerateAsync(Veo.Extension(hdSource));

        hd.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "720p");
        shortDuration.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "durationSeconds 8");
        withImage.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "can't be combined");
        onVeo3.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "not supported by veo-3.0-generate-001");
        fromHd.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "720p input");
    }

    [Fact]
    public async Task An_unknown_model_is_404_in_googles_words()
    {
        await using var emulator = await Veo.StartAsync();

        var reply = await emulator.GeminiGenerateAsync("""{"prompt":"x"}""", model: "veo-3.1-generate-001");

        reply.AssertGoogleError(
            HttpStatusCode.NotFound,
            "NOT_FOUND",
            "models/veo-3.1-generate-001 is not found for API version v1beta, or is not supported for predictLongRunning.");
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[1]")]
    [InlineData("""{"instances":[]}""")]
    [InlineData("""{"instances":[{"prompt":"a"},{"prompt":"b"}]}""")]
    [InlineData("""{"instances":[{"prompt":"x"}],"webhookConfig":{}}""")]
    public async Task Malformed_bodies_are_400(string body)
    {
        await using var emulator = await Veo.StartAsync();

        var reply = await emulator.GeminiAsync(HttpMethod.Post, $"/v1beta/models/{Veo.GeminiModel}:predictLongRunning", body);

        reply.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT");
    }
}
