using System.Net;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Google;

public sealed class VertexRoutesTests
{
    [Fact]
    public async Task An_operation_is_fetched_until_done_then_carries_the_mp4_inline()
    {
        await using var emulator = await Veo.StartAsync();

        var created = await emulator.VertexGenerateAsync("""{"prompt":"A red kite"}""", """{"generateAudio":true,"durationSeconds":6,"aspectRatio":"16:9"}""");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var name = created.Json!["name"]!.GetValue<string>();
        Assert.Matches($"^{Veo.VertexResource}/operations/[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$", name);

        emulator.Advance(3);
        var running = await emulator.VertexFetchAsync(name);
        Assert.Equal(HttpStatusCode.OK, running.Status);
        Assert.Equal(name, running.Json!["name"]!.GetValue<string>());
        Assert.Null(running.Json["done"]);

        emulator.Advance(4);
        var done = (await emulator.VertexFetchAsync(name)).Json!;
        Assert.True(done["done"]!.GetValue<bool>());
        var response = done["response"]!;
        Assert.Equal("type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse", response["@type"]!.GetValue<string>());
        Assert.Equal(0, response["raiMediaFilteredCount"]!.GetValue<int>());
        Assert.Equal("video/mp4", response["videos"]![0]!["mimeType"]!.GetValue<string>());
        var clip = Veo.Probe(Veo.InlineVideo(done));
        Assert.Equal(6, clip.Seconds, 0.2);
        Assert.True(clip.Width > clip.Height);
        Assert.Equal(1, emulator.JobsCreated());
    }

    [Fact]
    public async Task The_express_form_has_no_project_or_location()
    {
        await using var emulator = await Veo.StartAsync();
        const string Resource = "publishers/google/models/veo-3.1-fast-generate-001";

        var done = await emulator.VertexCompletedAsync(resource: Resource);

        Assert.StartsWith(Resource + "/operations/", done["name"]!.GetValue<string>(), StringComparison.Ordinal);
        Veo.Probe(Veo.InlineVideo(done));
    }

    [Fact]
    public async Task The_express_form_takes_an_api_key()
    {
        await using var emulator = await Veo.StartAsync();

        var created = await emulator.SendAsync(
            HttpMethod.Post,
            "/v1beta1/publishers/google/models/veo-3.1-generate-001:predictLongRunning",
            """{"instances":[{"prompt":"x"}],"parameters":{"generateAudio":false}}""",
            h => h.Add("x-goog-api-key", Veo.Key));

        Assert.Equal(HttpStatusCode.OK, created.Status);
    }

    [Fact]
    public async Task Several_samples_are_one_operation_and_one_job_created()
    {
        await using var emulator = await Veo.StartAsync();

        var done = await emulator.VertexCompletedAsync(parameters: """{"generateAudio":true,"durationSeconds":4,"sampleCount":3}""");

        var videos = done["response"]!["videos"]!.AsArray();
        Assert.Equal(3, videos.Count);
        Assert.Equal(3, videos.Select((_, i) => Convert.ToBase64String(Veo.InlineVideo(done, i))).Distinct().Count());
        Assert.Equal(1, emulator.JobsCreated());
    }

    [Fact]
    public async Task The_same_seed_and_request_give_the_same_clip()
    {
        await using var emulator = await Veo.StartAsync();
        const string Seeded = """{"generateAudio":true,"durationSeconds":4,"seed":1234}""";

        var first = Veo.InlineVideo(await emulator.VertexCompletedAsync(parameters: Seeded));
        var second = Veo.InlineVideo(await emulator.VertexCompletedAsync(parameters: Seeded));
        var other = Veo.InlineVideo(await emulator.VertexCompletedAsync(parameters: """{"generateAudio":true,"durationSeconds":4,"seed":1235}"""));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal(3, emulator.JobsCreated());
    }

    [Fact]
    public async Task With_a_storage_uri_the_videos_are_reported_as_cloud_storage_uris()
    {
        await using var emulator = await Veo.StartAsync();

        var done = await emulator.VertexCompletedAsync(parameters: """{"generateAudio":true,"durationSeconds":4,"storageUri":"gs://bucket/out/"}""");

        var video = done["response"]!["videos"]![0]!;
        var id = done["name"]!.GetValue<string>().Split('/')[^1];
        Assert.Equal($"gs://bucket/out/{id}/sample_0.mp4", video["gcsUri"]!.GetValue<string>());
        Assert.Null(video["bytesBase64Encoded"]);
    }

    [Fact]
    public async Task An_extension_of_inline_bytes_is_the_source_plus_seven_seconds_stitched()
    {
        await using var emulator = await Veo.StartAsync();
        var source = Veo.InlineVideo(await emulator.VertexCompletedAsync());
        var instance = new JsonObject
        {
            ["prompt"] = "The kite climbs",
            ["video"] = new JsonObject { ["bytesBase64Encoded"] = Convert.ToBase64String(source), ["mimeType"] = "video/mp4" },
        }.ToJsonString();

        var extended = await emulator.VertexCompletedAsync(instance, """{"generateAudio":true}""");

        Assert.Equal(11, Veo.Probe(Veo.InlineVideo(extended)).Seconds, 0.2);
        Assert.Contains(emulator.AuditLines(), l => l["kind"]?.GetValue<string>() == "extend");
    }

    [Fact]
    public async Task A_moderated_operation_ends_done_with_filtered_media_and_no_videos()
    {
        await using var emulator = await Veo.StartAsync("moderation=1");

        var done = await emulator.VertexCompletedAsync();

        var response = done["response"]!;
        Assert.Equal(1, response["raiMediaFilteredCount"]!.GetValue<int>());
        Assert.NotEmpty(response["raiMediaFilteredReasons"]![0]!.GetValue<string>());
        Assert.Null(response["videos"]);
    }

    [Fact]
    public async Task Fetching_an_unknown_or_foreign_operation_fails()
    {
        await using var emulator = await Veo.StartAsync();
        var name = (await emulator.VertexGenerateAsync("""{"prompt":"x"}""")).Json!["name"]!.GetValue<string>();

        var unknown = await emulator.VertexFetchAsync(Veo.VertexResource + "/operations/00000000-0000-0000-0000-000000000000");
        var foreign = await emulator.VertexFetchAsync(name, "projects/reel/locations/us-central1/publishers/google/models/veo-3.0-generate-001");
        var missing = await emulator.VertexAsync($"/v1beta1/{Veo.VertexResource}:fetchPredictOperation", "{}");
        var gemini = await emulator.VertexFetchAsync($"models/{Veo.GeminiModel}/operations/abc");

        unknown.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND", "not found");
        foreign.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "does not belong");
        missing.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "operationName");
        gemini.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Missing_or_wrong_credentials_are_401_and_a_wrong_key_is_400()
    {
        await using var emulator = await Veo.StartAsync();
        const string Path = $"/v1beta1/{Veo.VertexResource}:predictLongRunning";
        const string Body = """{"instances":[{"prompt":"x"}],"parameters":{"generateAudio":true}}""";

        var missing = await emulator.VertexAsync(Path, Body, token: null);
        var wrong = await emulator.VertexAsync(Path, Body, token: "ya29.wrong");
        var wrongKey = await emulator.SendAsync(HttpMethod.Post, Path, Body, h => h.Add("x-goog-api-key", "wrong"));

        missing.AssertGoogleError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED", "Request is missing required authentication credential");
        wrong.AssertGoogleError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials");
        wrongKey.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "API key not valid");
        Assert.Equal(0, emulator.JobsCreated());
    }
}
