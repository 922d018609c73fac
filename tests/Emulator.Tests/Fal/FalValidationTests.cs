using System.Net;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Fal;

public sealed class FalValidationTests
{
    [Fact]
    public async Task A_missing_prompt_is_a_pydantic_422()
    {
        await using var fal = await FalHarness.StartAsync();

        var reply = await fal.PostAsync("fal-ai/veo3.1", new JsonObject());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        var error = reply.FirstError();
        Assert.Equal("body.prompt", error.Loc());
        Assert.Equal("Field required", error["msg"]!.GetValue<string>());
        Assert.Equal("missing", error["type"]!.GetValue<string>());
        Assert.Empty(fal.JobsCreated());
    }

    [Fact]
    public async Task All_field_errors_are_reported_together_in_pydantic_wording()
    {
        await using var fal = await FalHarness.StartAsync();

        var reply = await fal.PostAsync("fal-ai/veo3.1", """
            {"prompt":"x","aspect_ratio":"4:3","duration":"5s","resolution":"480p","generate_audio":"yes",
             "seed":"12","safety_tolerance":"7","negative_prompt":3,"auto_fix":1}
            """);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        var errors = reply.Json!["detail"]!.AsArray().Select(e => e!.AsObject()).ToDictionary(e => e.Loc(), e => e);
        Assert.Equal("literal_error", errors["body.aspect_ratio"]["type"]!.GetValue<string>());
        Assert.Equal("Input should be '16:9' or '9:16'", errors["body.aspect_ratio"]["msg"]!.GetValue<string>());
        Assert.Equal("4:3", errors["body.aspect_ratio"]["input"]!.GetValue<string>());
        Assert.Equal("Input should be '4s', '6s' or '8s'", errors["body.duration"]["msg"]!.GetValue<string>());
        Assert.Equal("'4s', '6s' or '8s'", errors["body.duration"]["ctx"]!["expected"]!.GetValue<string>());
        Assert.Equal("literal_error", errors["body.resolution"]["type"]!.GetValue<string>());
        Assert.Equal("bool_type", errors["body.generate_audio"]["type"]!.GetValue<string>());
        Assert.Equal("int_type", errors["body.seed"]["type"]!.GetValue<string>());
        Assert.Equal("literal_error", errors["body.safety_tolerance"]["type"]!.GetValue<string>());
        Assert.Equal("string_type", errors["body.negative_prompt"]["type"]!.GetValue<string>());
        Assert.Equal("bool_type", errors["body.auto_fix"]["type"]!.GetValue<string>());
        Assert.Equal(9 - 1, errors.Count);
        Assert.Equal("false", reply.Header("x-fal-retryable"));
    }

    [Theory]
    [InlineData("fal-ai/veo3.1/extend-video", """{"prompt":"x","video_url":"data:video/mp4;base64,AAAA","duration":"8s"}""", "body.duration", "literal_error")]
    [InlineData("fal-ai/veo3.1/extend-video", """{"prompt":"x"}""", "body.video_url", "missing")]
    [InlineData("fal-ai/veo3.1/image-to-video", """{"prompt":"x"}""", "body.image_url", "missing")]
    [InlineData("fal-ai/veo3.1/image-to-video", """{"prompt":"x","image_url":"data:image/png;base64,AAAA","aspect_ratio":"1:1"}""", "body.aspect_ratio", "literal_error")]
    [InlineData("fal-ai/veo3.1/fast/first-last-frame-to-video", """{"prompt":"x","first_frame_url":"data:image/png;base64,AAAA"}""", "body.last_frame_url", "missing")]
    [InlineData("fal-ai/veo3.1/reference-to-video", """{"prompt":"x"}""", "body.image_urls", "missing")]
    [InlineData("fal-ai/veo3.1/reference-to-video", """{"prompt":"x","image_urls":[]}""", "body.image_urls", "too_short")]
    [InlineData("fal-ai/veo3.1/reference-to-video", """{"prompt":"x","image_urls":["a","b","c","d"]}""", "body.image_urls", "too_long")]
    [InlineData("fal-ai/veo3.1/reference-to-video", """{"prompt":"x","image_urls":["a",5]}""", "body.image_urls.1", "string_type")]
    [InlineData("fal-ai/veo3.1/reference-to-video", """{"prompt":"x","image_urls":["a"],"duration":"4s"}""", "body.duration", "literal_error")]
    [InlineData("fal-ai/veo3.1", """{"prompt":""}""", "body.prompt", "string_too_short")]
    [InlineData("fal-ai/veo3.1", """{"prompt":"x","seed":1.5}""", "body.seed", "int_from_float")]
    [InlineData("fal-ai/sora-2/text-to-video", """{"prompt":"x","duration":4}""", "body.duration", "literal_error")]
    [InlineData("fal-ai/sora-2/text-to-video", """{"prompt":"x","resolution":"1080p"}""", "body.resolution", "literal_error")]
    [InlineData("fal-ai/sora-2/text-to-video", """{"prompt":"x","model":"sora-2-pro"}""", "body.model", "literal_error")]
    [InlineData("fal-ai/sora-2/text-to-video", """{"prompt":"x","character_ids":["a","b","c"]}""", "body.character_ids", "too_long")]
    [InlineData("fal-ai/sora-2/image-to-video", """{"prompt":"x"}""", "body.image_url", "missing")]
    [InlineData("fal-ai/sora-2/characters", """{"video_url":"data:video/mp4;base64,AAAA"}""", "body.name", "missing")]
    [InlineData("fal-ai/sora-2/characters", """{"name":"x"}""", "body.video_url", "missing")]
    public async Task Endpoint_fields_are_checked(string endpoint, string body, string loc, string type)
    {
        await using var fal = await FalHarness.StartAsync();

        var reply = await fal.PostAsync(endpoint, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        var error = reply.Json!["detail"]!.AsArray().Select(e => e!.AsObject()).First(e => e.Loc() == loc);
        Assert.Equal(type, error["type"]!.GetValue<string>());
        Assert.Equal("https://docs.fal.ai/errors#" + type, error["url"]!.GetValue<string>());
        Assert.Empty(fal.JobsCreated());
    }

    [Theory]
    [InlineData("https://example.com/a.png", "file_download_error")]
    [InlineData("http://127.0.0.1:1/fal-cdn/files/abc/a.png", "file_download_error")]
    [InlineData("not a url", "file_download_error")]
    [InlineData("data:image/png,raw", "file_download_error")]
    [InlineData("data:image/png;base64,aGVsbG8=", "image_load_error")]
    public async Task Image_urls_must_be_data_uris_or_this_emulators_files_and_must_decode(string url, string type)
    {
        await using var fal = await FalHarness.StartAsync();

        var reply = await fal.PostAsync("fal-ai/veo3.1/image-to-video", new JsonObject { ["prompt"] = "x", ["image_url"] = url });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("body.image_url", reply.FirstError().Loc());
        Assert.Equal(type, reply.FirstError()["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reference_images_are_checked_one_by_one()
    {
        await using var fal = await FalHarness.StartAsync();

        var reply = await fal.PostAsync("fal-ai/veo3.1/reference-to-video", new JsonObject
        {
            ["prompt"] = "x",
            ["image_urls"] = new JsonArray(FalHarness.PngDataUrl(), "https://example.com/b.png"),
        });

        Assert.Equal("body.image_urls.1", reply.FirstError().Loc());
    }

    [Fact]
    public async Task A_source_video_that_is_not_an_mp4_is_rejected()
    {
        await using var fal = await FalHarness.StartAsync();

        var reply = await fal.PostAsync("fal-ai/veo3.1/extend-video", new JsonObject { ["prompt"] = "x", ["video_url"] = "data:video/mp4;base64,aGVsbG8=" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("body.video_url", reply.FirstError().Loc());
    }

    [Fact]
    public async Task Bodies_that_are_not_json_objects_are_422()
    {
        await using var fal = await FalHarness.StartAsync();

        var malformed = await fal.PostAsync("fal-ai/veo3.1", "{\"prompt\":");
        var array = await fal.PostAsync("fal-ai/veo3.1", "[1]");
        var empty = await fal.PostAsync("fal-ai/veo3.1", "");

        Assert.Equal("json_invalid", malformed.FirstError()["type"]!.GetValue<string>());
        Assert.Equal("model_attributes_type", array.FirstError()["type"]!.GetValue<string>());
        Assert.Equal("missing", empty.FirstError()["type"]!.GetValue<string>());
        Assert.Equal("body", empty.FirstError().Loc());
    }

    [Fact]
    public async Task Undeclared_fields_are_ignored_as_pydantic_does()
    {
        await using var fal = await FalHarness.StartAsync();

        var veo = await fal.PostAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x", ["num_frames"] = "lots", ["extra"] = new JsonObject() });
        var reference = await fal.PostAsync("fal-ai/veo3.1/reference-to-video", new JsonObject { ["prompt"] = "x", ["seed"] = "not checked", ["image_urls"] = new JsonArray(FalHarness.PngDataUrl()) });

        Assert.Equal(HttpStatusCode.OK, veo.Status);
        Assert.Equal(HttpStatusCode.OK, reference.Status);
    }

    [Fact]
    public async Task Valid_inputs_of_every_endpoint_are_accepted()
    {
        await using var fal = await FalHarness.StartAsync();
        var png = FalHarness.PngDataUrl();
        var source = (await fal.RunAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "s", ["duration"] = "4s" }))["video"]!["url"]!.GetValue<string>();
        var inputs = new Dictionary<string, JsonObject>
        {
            ["image-to-video"] = new() { ["prompt"] = "x", ["image_url"] = png, ["aspect_ratio"] = "auto", ["resolution"] = "1080p", ["generate_audio"] = false, ["seed"] = 7, ["safety_tolerance"] = "2", ["negative_prompt"] = "blur", ["auto_fix"] = true },
            ["first-last-frame-to-video"] = new() { ["prompt"] = "x", ["first_frame_url"] = png, ["last_frame_url"] = png, ["resolution"] = "4k", ["duration"] = "6s" },
            ["extend-video"] = new() { ["prompt"] = "x", ["video_url"] = source, ["duration"] = "7s" },
            ["reference-to-video"] = new() { ["prompt"] = "x", ["image_urls"] = new JsonArray(png, png, png), ["aspect_ratio"] = "9:16" },
        };

        foreach (var prefix in new[] { "fal-ai/veo3.1", "fal-ai/veo3.1/fast" })
        {
            foreach (var (path, input) in inputs)
            {
                var reply = await fal.PostAsync($"{prefix}/{path}", input);
                Assert.True(reply.Status == HttpStatusCode.OK, $"{prefix}/{path}: {System.Text.Encoding.UTF8.GetString(reply.Body)}");
            }
        }

        var sora = await fal.PostAsync("fal-ai/sora-2/image-to-video", new JsonObject { ["prompt"] = "x", ["image_url"] = png, ["duration"] = "12", ["model"] = "sora-2-2025-12-08", ["resolution"] = "720p" });
        Assert.Equal(HttpStatusCode.OK, sora.Status);
        Assert.Equal(10, fal.JobsCreated().Count);
    }
}
