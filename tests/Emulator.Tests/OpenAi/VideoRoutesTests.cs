using System.Net;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.OpenAi;

public sealed class VideoRoutesTests
{
    private static readonly string[] VideoFields =
        ["id", "object", "model", "status", "progress", "created_at", "completed_at", "expires_at", "prompt", "size", "seconds", "remixed_from_video_id", "error"];

    [Fact]
    public async Task Create_with_json_returns_a_queued_video_with_all_13_fields()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var reply = await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = "A fox", ["model"] = "sora-2-pro", ["size"] = "1920x1080", ["seconds"] = "8" });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var video = reply.Json!;
        Assert.Equal(VideoFields, video.Select(p => p.Key).ToArray());
        Assert.Matches("^video_[0-9a-f]{32}$", video["id"]!.GetValue<string>());
        Assert.Equal("video", video["object"]!.GetValue<string>());
        Assert.Equal("queued", video["status"]!.GetValue<string>());
        Assert.Equal(0, video["progress"]!.GetValue<int>());
        Assert.Equal("sora-2-pro", video["model"]!.GetValue<string>());
        Assert.Equal("1920x1080", video["size"]!.GetValue<string>());
        Assert.Equal("8", video["seconds"]!.GetValue<string>());
        Assert.Null(video["completed_at"]);
        Assert.Null(video["error"]);
        Assert.Null(video["remixed_from_video_id"]);
    }

    [Fact]
    public async Task Create_defaults_to_sora_2_portrait_4_seconds()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var video = (await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = "A fox" })).Json!;

        Assert.Equal("sora-2", video["model"]!.GetValue<string>());
        Assert.Equal("720x1280", video["size"]!.GetValue<string>());
        Assert.Equal("4", video["seconds"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_with_multipart_accepts_an_input_reference_file_and_sdk_bracket_characters()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var character = await CreateCharacterAsync(emulator, "Mira");
        var reply = await emulator.PostFormAsync(
            "videos",
            ("prompt", "Mira at the door"),
            ("model", "sora-2"),
            ("size", "1280x720"),
            ("seconds", "4"),
            ("characters[][id]", character),
            ("input_reference", new FilePart(EmulatorHarness.Png(1280, 720, SkiaSharp.SKEncodedImageFormat.Jpeg), "first.jpg", "image/jpeg")));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        emulator.Advance(5);
        Assert.NotEmpty(await DownloadAsync(emulator, reply.Json!));
        Assert.Equal("1280x720", reply.Json!["size"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_accepts_indexed_bracket_characters_and_input_reference_image_url_keys()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var a = await CreateCharacterAsync(emulator, "A");
        var b = await CreateCharacterAsync(emulator, "B");
        var reply = await emulator.PostFormAsync(
            "videos",
            ("prompt", "A and B"),
            ("size", "720x1280"),
            ("characters[0][id]", a),
            ("characters[1][id]", b),
            ("input_reference[image_url]", EmulatorHarness.DataUrl(EmulatorHarness.Png(720, 1280))));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Create_with_json_accepts_an_image_url_data_url_and_characters()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var character = await CreateCharacterAsync(emulator, "Mira");
        var reply = await emulator.PostJsonAsync("videos", new JsonObject
        {
            ["prompt"] = "Mira",
            ["size"] = "720x1280",
            ["input_reference"] = new JsonObject { ["image_url"] = EmulatorHarness.DataUrl(EmulatorHarness.Png(720, 1280)) },
            ["characters"] = new JsonArray(new JsonObject { ["id"] = character }),
        });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Create_with_json_accepts_an_uploaded_file_id_as_input_reference()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var file = await emulator.PostFormAsync("files", ("purpose", "vision"), ("file", new FilePart(EmulatorHarness.Png(720, 1280, SkiaSharp.SKEncodedImageFormat.Webp), "ref.webp", "image/webp")));
        Assert.Equal(HttpStatusCode.OK, file.Status);
        Assert.StartsWith("file-", file.Json!["id"]!.GetValue<string>(), StringComparison.Ordinal);

        var reply = await emulator.PostJsonAsync("videos", new JsonObject
        {
            ["prompt"] = "From a file",
            ["input_reference"] = new JsonObject { ["file_id"] = file.Json!["id"]!.GetValue<string>() },
        });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        emulator.Advance(5);
        Assert.NotEmpty(await DownloadAsync(emulator, reply.Json!));
    }

    [Fact]
    public async Task A_job_moves_from_queued_to_in_progress_to_completed_with_rising_progress()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = "A fox", ["seconds"] = "8" })).Json!["id"]!.GetValue<string>();

        async Task<JsonObject> Get() => (await emulator.GetAsync($"videos/{id}")).Json!;

        Assert.Equal("queued", (await Get())["status"]!.GetValue<string>());
        emulator.Advance(2);
        var early = await Get();
        emulator.Advance(4);
        var later = await Get();
        Assert.Equal("in_progress", early["status"]!.GetValue<string>());
        Assert.Equal("in_progress", later["status"]!.GetValue<string>());
        Assert.InRange(early["progress"]!.GetValue<int>(), 1, 99);
        Assert.True(later["progress"]!.GetValue<int>() > early["progress"]!.GetValue<int>());
        emulator.Advance(2);
        var done = await Get();
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(100, done["progress"]!.GetValue<int>());
        Assert.Equal(done["completed_at"]!.GetValue<long>() + 3600, done["expires_at"]!.GetValue<long>());
    }

    [Fact]
    public async Task Speed_scales_the_time_a_job_takes()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Speed: 0.05));
        var id = (await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = "A fox", ["seconds"] = "8" })).Json!["id"]!.GetValue<string>();

        emulator.Advance(0.35);
        Assert.Equal("in_progress", (await emulator.GetAsync($"videos/{id}")).Json!["status"]!.GetValue<string>());
        emulator.Advance(0.05);
        Assert.Equal("completed", (await emulator.GetAsync($"videos/{id}")).Json!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Speed_works_in_real_time_too()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Speed: 0.05), realTime: true);
        var started = DateTime.UtcNow;
        await emulator.CompletedVideoAsync(seconds: "8");
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.3, 10);
    }

    [Fact]
    public async Task Every_get_of_a_video_sends_the_poll_hint_header()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = "A fox" })).Json!["id"]!.GetValue<string>();

        var reply = await emulator.GetAsync($"videos/{id}");

        Assert.True(int.Parse(reply.Header("openai-poll-after-ms")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.NotNull(reply.Header("x-request-id"));
    }

    [Theory]
    [InlineData(null, "video/mp4")]
    [InlineData("video", "video/mp4")]
    [InlineData("thumbnail", "image/webp")]
    [InlineData("spritesheet", "image/jpeg")]
    public async Task Content_serves_each_variant_with_its_media_type(string? variant, string mediaType)
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var video = await emulator.CompletedVideoAsync();
        var id = video["id"]!.GetValue<string>();

        var reply = await emulator.GetAsync(variant is null ? $"videos/{id}/content" : $"videos/{id}/content?variant={variant}");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(mediaType, reply.Message.Content.Headers.ContentType!.MediaType);
        Assert.NotEmpty(reply.Body);
        Assert.Equal(reply.Body.Length, reply.Message.Content.Headers.ContentLength);
        var again = await emulator.GetAsync(variant is null ? $"videos/{id}/content" : $"videos/{id}/content?variant={variant}");
        Assert.Equal(reply.Body, again.Body);
    }

    [Fact]
    public async Task List_pages_with_a_cursor_newest_first_by_default()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = $"Shot {i}" })).Json!["id"]!.GetValue<string>());
        }

        var first = (await emulator.GetAsync("videos?limit=2")).Json!;
        Assert.Equal("list", first["object"]!.GetValue<string>());
        Assert.Equal([ids[4], ids[3]], first["data"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()).ToArray());
        Assert.Equal(ids[4], first["first_id"]!.GetValue<string>());
        Assert.Equal(ids[3], first["last_id"]!.GetValue<string>());
        Assert.True(first["has_more"]!.GetValue<bool>());

        var second = (await emulator.GetAsync($"videos?limit=2&after={ids[3]}")).Json!;
        Assert.Equal([ids[2], ids[1]], second["data"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()).ToArray());
        var third = (await emulator.GetAsync($"videos?limit=2&after={ids[1]}")).Json!;
        Assert.Equal([ids[0]], third["data"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()).ToArray());
        Assert.False(third["has_more"]!.GetValue<bool>());

        var ascending = (await emulator.GetAsync("videos?order=asc")).Json!;
        Assert.Equal(ids, ascending["data"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()).ToList());
    }

    [Fact]
    public async Task List_defaults_to_20_items_and_is_empty_with_null_ids_when_there_are_none()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var empty = (await emulator.GetAsync("videos")).Json!;
        Assert.Empty(empty["data"]!.AsArray());
        Assert.Null(empty["first_id"]);
        Assert.Null(empty["last_id"]);
        Assert.False(empty["has_more"]!.GetValue<bool>());

        for (var i = 0; i < 21; i++)
        {
            await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = $"Shot {i}" });
        }

        var page = (await emulator.GetAsync("videos")).Json!;
        Assert.Equal(20, page["data"]!.AsArray().Count);
        Assert.True(page["has_more"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Delete_removes_a_completed_video_then_it_is_not_found()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.CompletedVideoAsync())["id"]!.GetValue<string>();

        var deleted = await emulator.DeleteAsync($"videos/{id}");

        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Equal(id, deleted.Json!["id"]!.GetValue<string>());
        Assert.Equal("video.deleted", deleted.Json!["object"]!.GetValue<string>());
        Assert.True(deleted.Json!["deleted"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NotFound, (await emulator.GetAsync($"videos/{id}")).Status);
        Assert.Empty((await emulator.GetAsync("videos")).Json!["data"]!.AsArray());
    }

    [Fact]
    public async Task Remix_creates_a_new_job_that_names_its_source()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var source = await emulator.CompletedVideoAsync(seconds: "8");

        var remix = await emulator.PostJsonAsync($"videos/{source["id"]}/remix", new JsonObject { ["prompt"] = "At night" });

        Assert.Equal(HttpStatusCode.OK, remix.Status);
        Assert.Equal(source["id"]!.GetValue<string>(), remix.Json!["remixed_from_video_id"]!.GetValue<string>());
        Assert.Equal("8", remix.Json!["seconds"]!.GetValue<string>());
        Assert.Equal("queued", remix.Json!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Edit_accepts_a_video_id_as_json_or_bracket_form_and_inherits_the_model()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var source = await emulator.CompletedVideoAsync(model: "sora-2-pro", size: "1792x1024");
        var id = source["id"]!.GetValue<string>();

        var json = await emulator.PostJsonAsync("videos/edits", new JsonObject { ["prompt"] = "Warmer", ["video"] = new JsonObject { ["id"] = id } });
        var form = await emulator.PostFormAsync("videos/edits", ("prompt", "Warmer"), ("video[id]", id));

        foreach (var reply in new[] { json, form })
        {
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("sora-2-pro", reply.Json!["model"]!.GetValue<string>());
            Assert.Equal("1792x1024", reply.Json!["size"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Edit_accepts_an_uploaded_video()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var mp4 = await DownloadAsync(emulator, await emulator.CompletedVideoAsync());

        var reply = await emulator.PostFormAsync("videos/edits", ("prompt", "Warmer"), ("model", "sora-2-pro"), ("video", new FilePart(mp4, "source.mp4", "video/mp4")));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("sora-2-pro", reply.Json!["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Extension_reports_the_stitched_total_and_renders_the_longer_clip()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var source = await emulator.CompletedVideoAsync(seconds: "8");

        var reply = await emulator.PostJsonAsync("videos/extensions", new JsonObject
        {
            ["video"] = new JsonObject { ["id"] = source["id"]!.GetValue<string>() },
            ["prompt"] = "Continue",
            ["seconds"] = "4",
        });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("12", reply.Json!["seconds"]!.GetValue<string>());
        emulator.Advance(5);
        var extended = await emulator.GetAsync($"videos/{reply.Json!["id"]}");
        Assert.Equal("completed", extended.Json!["status"]!.GetValue<string>());
        Assert.NotEmpty(await DownloadAsync(emulator, extended.Json!));
    }

    [Fact]
    public async Task A_clip_can_be_extended_six_times_but_not_seven()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.CompletedVideoAsync())["id"]!.GetValue<string>();
        for (var i = 0; i < 6; i++)
        {
            var next = await emulator.PostFormAsync("videos/extensions", ("video[id]", id), ("prompt", "More"), ("seconds", "4"));
            Assert.Equal(HttpStatusCode.OK, next.Status);
            id = next.Json!["id"]!.GetValue<string>();
            emulator.Advance(5);
        }

        var seventh = await emulator.PostFormAsync("videos/extensions", ("video[id]", id), ("prompt", "More"), ("seconds", "4"));

        Assert.Equal(HttpStatusCode.BadRequest, seventh.Status);
        Assert.Equal("video", seventh.ErrorParam);
        Assert.Equal("extension_limit_exceeded", seventh.ErrorCode);
    }

    [Fact]
    public async Task An_extension_may_not_pass_120_seconds_in_total()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.CompletedVideoAsync(seconds: "20"))["id"]!.GetValue<string>();
        for (var i = 0; i < 5; i++)
        {
            var next = await emulator.PostJsonAsync("videos/extensions", new JsonObject { ["video"] = new JsonObject { ["id"] = id }, ["prompt"] = "More", ["seconds"] = "20" });
            Assert.Equal(HttpStatusCode.OK, next.Status);
            id = next.Json!["id"]!.GetValue<string>();
            emulator.Advance(21);
        }

        var over = await emulator.PostJsonAsync("videos/extensions", new JsonObject { ["video"] = new JsonObject { ["id"] = id }, ["prompt"] = "More", ["seconds"] = "4" });

        Assert.Equal(HttpStatusCode.BadRequest, over.Status);
        Assert.Equal("seconds", over.ErrorParam);
    }

    [Fact]
    public async Task Characters_are_created_from_a_multipart_video_and_read_back()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var mp4 = await DownloadAsync(emulator, await emulator.CompletedVideoAsync());

        var created = await emulator.PostFormAsync("videos/characters", ("name", "Mossy"), ("video", new FilePart(mp4, "mossy.mp4", "video/mp4")));

        Assert.Equal(HttpStatusCode.OK, created.Status);
        var character = created.Json!;
        Assert.Equal(["id", "name", "created_at"], character.Select(p => p.Key).ToArray());
        Assert.StartsWith("char_", character["id"]!.GetValue<string>(), StringComparison.Ordinal);
        var read = await emulator.GetAsync($"videos/characters/{character["id"]}");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal("Mossy", read.Json!["name"]!.GetValue<string>());
    }

    internal static async Task<string> CreateCharacterAsync(EmulatorHarness emulator, string name)
    {
        var mp4 = await DownloadAsync(emulator, await emulator.CompletedVideoAsync(prompt: name + " walks"));
        var reply = await emulator.PostFormAsync("videos/characters", ("name", name), ("video", new FilePart(mp4, name + ".mp4", "video/mp4")));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Json!["id"]!.GetValue<string>();
    }

    internal static async Task<byte[]> DownloadAsync(EmulatorHarness emulator, JsonObject video)
    {
        var reply = await emulator.GetAsync($"videos/{video["id"]}/content");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Body;
    }
}
