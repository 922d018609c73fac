using System.Net;
using System.Text.RegularExpressions;

namespace Reel.Emulator.Tests.Google;

public sealed class GeminiRoutesTests
{
    [Fact]
    public async Task An_operation_is_not_done_until_its_time_has_passed_then_gives_a_download_uri()
    {
        await using var emulator = await Veo.StartAsync();

        var created = await emulator.GeminiGenerateAsync("""{"prompt":"A lighthouse at dawn"}""", """{"aspectRatio":"16:9","durationSeconds":8,"negativePrompt":"people"}""");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var name = created.Json!["name"]!.GetValue<string>();
        Assert.Matches("^models/veo-3.1-generate-preview/operations/[a-z0-9]+$", name);
        Assert.Single(created.Json);

        emulator.Advance(4);
        var running = await emulator.GeminiAsync(HttpMethod.Get, "/v1beta/" + name);
        Assert.Equal(HttpStatusCode.OK, running.Status);
        Assert.Equal(name, running.Json!["name"]!.GetValue<string>());
        Assert.Null(running.Json["done"]);
        Assert.Null(running.Json["response"]);

        emulator.Advance(5);
        var done = (await emulator.GeminiAsync(HttpMethod.Get, "/v1beta/" + name)).Json!;
        Assert.True(done["done"]!.GetValue<bool>());
        Assert.Equal("type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse", done["response"]!["@type"]!.GetValue<string>());
        var uri = Veo.FirstUri(done);
        Assert.Matches($"^{Regex.Escape(emulator.Server.BaseAddress.ToString().TrimEnd('/'))}/v1beta/files/[a-z0-9]+:download\\?alt=media$", uri);

        var download = await emulator.GeminiAsync(HttpMethod.Get, uri);
        Assert.Equal(HttpStatusCode.OK, download.Status);
        Assert.Equal("video/mp4", download.Message.Content.Headers.ContentType!.MediaType);
        Assert.Equal(8, Veo.Probe(download.Body).Seconds, 0.2);
        Assert.Equal(1, emulator.JobsCreated());
    }

    [Fact]
    public async Task The_key_may_come_as_a_query_parameter()
    {
        await using var emulator = await Veo.StartAsync();

        var created = await emulator.GeminiAsync(
            HttpMethod.Post,
            $"/v1beta/models/{Veo.GeminiModel}:predictLongRunning?key={Veo.Key}",
            """{"instances":[{"prompt":"x"}]}""",
            key: null);

        Assert.Equal(HttpStatusCode.OK, created.Status);
    }

    [Fact]
    public async Task A_missing_key_is_403_and_a_wrong_key_is_400_api_key_invalid()
    {
        await using var emulator = await Veo.StartAsync();
        const string Path = $"/v1beta/models/{Veo.GeminiModel}:predictLongRunning";

        var missing = await emulator.GeminiAsync(HttpMethod.Post, Path, """{"instances":[{"prompt":"x"}]}""", key: null);
        var wrong = await emulator.GeminiAsync(HttpMethod.Post, Path, """{"instances":[{"prompt":"x"}]}""", key: "nope");

        missing.AssertGoogleError(HttpStatusCode.Forbidden, "PERMISSION_DENIED", "unregistered callers");
        wrong.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
        Assert.Equal("API_KEY_INVALID", wrong.Json!["error"]!["details"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(0, emulator.JobsCreated());
    }

    [Fact]
    public async Task Without_a_configured_key_any_non_empty_key_is_accepted()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        var created = await emulator.GeminiAsync(HttpMethod.Post, $"/v1beta/models/{Veo.GeminiModel}:predictLongRunning", """{"instances":[{"prompt":"x"}]}""", key: "anything");
        var missing = await emulator.GeminiAsync(HttpMethod.Post, $"/v1beta/models/{Veo.GeminiModel}:predictLongRunning", """{"instances":[{"prompt":"x"}]}""", key: null);

        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal(HttpStatusCode.Forbidden, missing.Status);
    }

    [Fact]
    public async Task The_download_needs_the_key()
    {
        await using var emulator = await Veo.StartAsync();
        var uri = Veo.FirstUri(await emulator.GeminiCompletedAsync());

        var download = await emulator.GeminiAsync(HttpMethod.Get, uri, key: null);

        download.AssertGoogleError(HttpStatusCode.Forbidden, "PERMISSION_DENIED");
    }

    [Fact]
    public async Task Image_to_video_takes_the_first_frame_as_bytes()
    {
        await using var emulator = await Veo.StartAsync();

        var done = await emulator.GeminiCompletedAsync($$"""{"prompt":"It moves","image":{{Veo.Image()}}}""", """{"aspectRatio":"9:16","durationSeconds":6}""");
        var download = await emulator.GeminiAsync(HttpMethod.Get, Veo.FirstUri(done));

        var clip = Veo.Probe(download.Body);
        Assert.Equal(6, clip.Seconds, 0.2);
        Assert.True(clip.Height > clip.Width, $"{clip.Width}x{clip.Height} is not portrait");
    }

    [Fact]
    public async Task An_extension_is_the_source_plus_seven_seconds_stitched()
    {
        await using var emulator = await Veo.StartAsync();
        var source = Veo.FirstUri(await emulator.GeminiCompletedAsync());

        var extended = await emulator.GeminiCompletedAsync(Veo.Extension(source, "The light turns on"), "{}");
        var download = await emulator.GeminiAsync(HttpMethod.Get, Veo.FirstUri(extended));

        Assert.Equal(15, Veo.Probe(download.Body).Seconds, 0.2);
        Assert.Equal(2, emulator.JobsCreated());
        Assert.Contains(emulator.AuditLines(), l => l["kind"]?.GetValue<string>() == "extend");
    }

    [Fact]
    public async Task An_extension_of_an_extension_keeps_stitching()
    {
        await using var emulator = await Veo.StartAsync();
        var first = Veo.FirstUri(await emulator.GeminiCompletedAsync());
        var second = Veo.FirstUri(await emulator.GeminiCompletedAsync(Veo.Extension(first), "{}"));

        var third = await emulator.GeminiCompletedAsync(Veo.Extension(second), "{}");

        Assert.Equal(22, Veo.Probe((await emulator.GeminiAsync(HttpMethod.Get, Veo.FirstUri(third))).Body).Seconds, 0.2);
    }

    [Fact]
    public async Task Only_videos_of_this_emulator_can_be_extended()
    {
        await using var emulator = await Veo.StartAsync();

        var foreign = await emulator.GeminiGenerateAsync("""{"prompt":"x","video":{"uri":"https://example.com/clip.mp4"}}""");
        var unknown = await emulator.GeminiGenerateAsync("""{"prompt":"x","video":{"uri":"https://generativelanguage.googleapis.com/v1beta/files/abc123:download?alt=media"}}""");
        var inline = await emulator.GeminiGenerateAsync("""{"prompt":"x","video":{"encodedVideo":"AAAA","encoding":"video/mp4"}}""");

        foreign.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "not a video generated by Veo");
        unknown.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND", "files/abc123");
        inline.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "uri");
        Assert.Equal(0, emulator.JobsCreated());
    }

    [Fact]
    public async Task A_file_expires_two_days_after_the_operation_ended()
    {
        await using var emulator = await Veo.StartAsync();
        var uri = Veo.FirstUri(await emulator.GeminiCompletedAsync());

        emulator.Advance(TimeSpan.FromHours(47).TotalSeconds);
        var before = await emulator.GeminiAsync(HttpMethod.Get, uri);
        emulator.Advance(TimeSpan.FromHours(1).TotalSeconds);
        var after = await emulator.GeminiAsync(HttpMethod.Get, uri);
        var extend = await emulator.GeminiGenerateAsync(Veo.Extension(uri));

        Assert.Equal(HttpStatusCode.OK, before.Status);
        after.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND", "expired");
        extend.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task An_unknown_operation_or_file_is_404()
    {
        await using var emulator = await Veo.StartAsync();

        var operation = await emulator.GeminiAsync(HttpMethod.Get, $"/v1beta/models/{Veo.GeminiModel}/operations/nothing");
        var file = await emulator.GeminiAsync(HttpMethod.Get, "/v1beta/files/nothing:download?alt=media");
        var route = await emulator.GeminiAsync(HttpMethod.Get, "/v1beta/cachedContents");

        operation.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND", "operations/nothing");
        file.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND", "files/nothing");
        route.AssertGoogleError(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Models_list_pages_the_veo_models_and_checks_the_key()
    {
        await using var emulator = await Veo.StartAsync();

        var first = await emulator.GeminiAsync(HttpMethod.Get, "/v1beta/models?pageSize=2");
        var rest = await emulator.GeminiAsync(HttpMethod.Get, "/v1beta/models?pageSize=50&pageToken=" + first.Json!["nextPageToken"]!.GetValue<string>());
        var bad = await emulator.GeminiAsync(HttpMethod.Get, "/v1beta/models?pageSize=many");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(2, first.Json!["models"]!.AsArray().Count);
        var names = first.Json["models"]!.AsArray().Concat(rest.Json!["models"]!.AsArray()).Select(m => m!["name"]!.GetValue<string>()).ToList();
        Assert.Contains($"models/{Veo.GeminiModel}", names);
        Assert.All(names, n => Assert.StartsWith("models/veo-", n, StringComparison.Ordinal));
        Assert.Null(rest.Json["nextPageToken"]);
        bad.AssertGoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task A_moderated_operation_ends_done_with_filtered_media_and_no_samples()
    {
        await using var emulator = await Veo.StartAsync("moderation=1");

        var done = await emulator.GeminiCompletedAsync();

        var response = done["response"]!["generateVideoResponse"]!;
        Assert.Equal(1, response["raiMediaFilteredCount"]!.GetValue<int>());
        Assert.NotEmpty(response["raiMediaFilteredReasons"]![0]!.GetValue<string>());
        Assert.Null(response["generatedSamples"]);
        Assert.Null(done["error"]);
    }

    [Fact]
    public async Task Veo_2_takes_five_seconds_and_two_samples()
    {
        await using var emulator = await Veo.StartAsync();

        var done = await emulator.GeminiCompletedAsync(parameters: """{"durationSeconds":5,"sampleCount":2}""", model: "veo-2.0-generate-001");

        var samples = done["response"]!["generateVideoResponse"]!["generatedSamples"]!.AsArray();
        Assert.Equal(2, samples.Count);
        Assert.NotEqual(samples[0]!["video"]!["uri"]!.GetValue<string>(), samples[1]!["video"]!["uri"]!.GetValue<string>());
        Assert.Equal(5, Veo.Probe((await emulator.GeminiAsync(HttpMethod.Get, samples[1]!["video"]!["uri"]!.GetValue<string>())).Body).Seconds, 0.2);
        Assert.Equal(1, emulator.JobsCreated());
    }
}
