using System.Net;
using System.Text.Json.Nodes;
using Reel.Engine.Media;

namespace Reel.Emulator.Tests.Fal;

public sealed class FalMediaTests
{
    [Fact]
    public async Task An_extension_is_the_source_plus_seven_seconds_stitched()
    {
        await using var fal = await FalHarness.StartAsync();
        var source = await fal.RunAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "A lighthouse", ["duration"] = "4s" });

        var extension = await fal.RunAsync("fal-ai/veo3.1/extend-video", new JsonObject { ["prompt"] = "It keeps rising", ["video_url"] = source["video"]!["url"]!.DeepClone() });

        var sourceClip = await ProbeAsync(fal, source["video"]!["url"]!.GetValue<string>());
        var extended = await ProbeAsync(fal, extension["video"]!["url"]!.GetValue<string>());
        Assert.Equal(4, sourceClip.Seconds, 1);
        Assert.Equal(11, extended.Seconds, 1);
        Assert.True(extension["seed"]!.GetValue<long>() >= 0);
    }

    [Fact]
    public async Task An_uploaded_mp4_can_be_extended_and_an_uploaded_png_animated()
    {
        await using var fal = await FalHarness.StartAsync();
        var source = await fal.RunAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "x", ["duration"] = "4s" });
        using var anonymous = new HttpClient();
        var mp4 = await anonymous.GetByteArrayAsync(source["video"]!["url"]!.GetValue<string>());

        var videoUrl = await fal.UploadAsync(mp4, "video/mp4", "clip.mp4");
        var imageUrl = await fal.UploadAsync(EmulatorHarness.Png(720, 1280), "image/png", "portrait.png");
        var extension = await fal.RunAsync("fal-ai/veo3.1/fast/extend-video", new JsonObject { ["prompt"] = "y", ["video_url"] = videoUrl });
        var animated = await fal.SubmitAsync("fal-ai/veo3.1/image-to-video", new JsonObject { ["prompt"] = "z", ["image_url"] = imageUrl, ["duration"] = "4s" });
        var image = await anonymous.GetAsync(imageUrl);

        Assert.StartsWith(fal.Root + "/fal-cdn/files/", videoUrl, StringComparison.Ordinal);
        Assert.EndsWith("/clip.mp4", videoUrl, StringComparison.Ordinal);
        Assert.Equal(11, (await ProbeAsync(fal, extension["video"]!["url"]!.GetValue<string>())).Seconds, 1);
        Assert.Equal("IN_QUEUE", animated["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Storage_initiate_needs_the_key_but_the_put_and_the_file_are_public()
    {
        await using var fal = await FalHarness.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = fal.Emulator.Server.BaseAddress };

        var denied = await Reply.ReadAsync(await anonymous.PostAsync("storage/upload/initiate", new StringContent("""{"content_type":"image/png","file_name":"a.png"}""")));
        var invalid = await fal.PostAsync("storage/upload/initiate", new JsonObject { ["file_name"] = "a.png" });
        var beforePut = await fal.PostAsync("storage/upload/initiate", new JsonObject { ["content_type"] = "image/png", ["file_name"] = "b.png" });
        var notYet = await anonymous.GetAsync(beforePut.Json!["file_url"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Unauthorized, denied.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);
        Assert.Equal("body.content_type", invalid.FirstError().Loc());
        Assert.Equal(HttpStatusCode.NotFound, notYet.StatusCode);
    }

    [Fact]
    public async Task Output_urls_expire_an_hour_after_completion_and_uploads_after_a_day()
    {
        await using var fal = await FalHarness.StartAsync();
        var result = await fal.RunAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x", ["duration"] = "4s" }, advance: 5);
        var url = result["video"]!["url"]!.GetValue<string>();
        var imageUrl = await fal.UploadAsync(EmulatorHarness.Png(64, 64), "image/png", "a.png");
        using var anonymous = new HttpClient();

        var fresh = await anonymous.GetAsync(url);
        fal.Advance(3600);
        var expired = await Reply.ReadAsync(await anonymous.GetAsync(url));
        var extendExpired = await fal.PostAsync("fal-ai/veo3.1/extend-video", new JsonObject { ["prompt"] = "y", ["video_url"] = url });
        var imageStillThere = await anonymous.GetAsync(imageUrl);
        fal.Advance(24 * 3600);
        var imageGone = await anonymous.GetAsync(imageUrl);
        var useExpired = await fal.PostAsync("fal-ai/veo3.1/image-to-video", new JsonObject { ["prompt"] = "y", ["image_url"] = imageUrl });

        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, expired.Status);
        Assert.Equal("File not found", expired.Detail());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, extendExpired.Status);
        Assert.Equal("file_download_error", extendExpired.FirstError()["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, imageStillThere.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, imageGone.StatusCode);
        Assert.Equal("file_download_error", useExpired.FirstError()["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_lifecycle_header_sets_how_long_outputs_live()
    {
        await using var fal = await FalHarness.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "fal-ai/veo3.1/fast")
        {
            Content = new StringContent("""{"prompt":"x","duration":"4s"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-fal-object-lifecycle-preference", """{"expiration_duration_seconds":60}""");
        var queued = (await Reply.ReadAsync(await fal.Http.SendAsync(request))).Json!;
        fal.Advance(5);
        var url = (await fal.GetAsync(queued["response_url"]!.GetValue<string>())).Json!["video"]!["url"]!.GetValue<string>();

        var fresh = await fal.GetAsync(url);
        fal.Advance(61);
        var gone = await fal.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, fresh.Status);
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
    }

    [Fact]
    public async Task A_character_registers_as_a_job_and_can_then_be_cast()
    {
        await using var fal = await FalHarness.StartAsync();
        var clip = await fal.RunAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "Mira waves", ["duration"] = "4s" });

        var queued = await fal.SubmitAsync("fal-ai/sora-2/characters", new JsonObject { ["name"] = "Mira", ["video_url"] = clip["video"]!["url"]!.DeepClone() });
        var tooEarly = await fal.PostAsync("fal-ai/sora-2/text-to-video", new JsonObject { ["prompt"] = "Mira", ["character_ids"] = new JsonArray("char_none") });
        fal.Advance(5);
        var character = (await fal.GetAsync(queued["response_url"]!.GetValue<string>())).Json!;
        var id = character["id"]!.GetValue<string>();
        var cast = await fal.PostAsync("fal-ai/sora-2/text-to-video", new JsonObject { ["prompt"] = "Mira opens the shop", ["character_ids"] = new JsonArray(id) });
        var unknown = await fal.PostAsync("fal-ai/sora-2/text-to-video", new JsonObject { ["prompt"] = "x", ["character_ids"] = new JsonArray(id, "char_missing") });

        Assert.Equal($"{fal.Root}/fal-ai/sora-2/requests/{queued["request_id"]}", queued["response_url"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooEarly.Status);
        Assert.StartsWith("char_", id, StringComparison.Ordinal);
        Assert.Equal("Mira", character["name"]!.GetValue<string>());
        Assert.Equal(2, character.Count);
        Assert.Equal(HttpStatusCode.OK, cast.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.Status);
        Assert.Equal("body.character_ids.1", unknown.FirstError().Loc());
    }

    [Fact]
    public async Task A_media_download_is_truncated_under_the_truncate_fault()
    {
        await using var fal = await FalHarness.StartAsync(new EmulatorOptions(ApiKey: "fal-test-key", Faults: "truncate=1"));
        var result = await fal.RunAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "x", ["duration"] = "4s" });

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var anonymous = new HttpClient();
            await anonymous.GetByteArrayAsync(result["video"]!["url"]!.GetValue<string>());
        });
    }

    private static async Task<ClipInfo> ProbeAsync(FalHarness fal, string url)
    {
        var path = Path.Combine(fal.Emulator.Directory, Guid.NewGuid().ToString("N") + ".mp4");
        using var anonymous = new HttpClient();
        await File.WriteAllBytesAsync(path, await anonymous.GetByteArrayAsync(url));
        return Mp4Clip.Probe(path);
    }
}
