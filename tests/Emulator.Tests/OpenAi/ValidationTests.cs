using System.Net;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.OpenAi;

public sealed class ValidationTests
{
    [Theory]
    [InlineData("""{"model":"sora-2"}""", "prompt", "missing_required_parameter")]
    [InlineData("""{"prompt":""}""", "prompt", "string_below_min_length")]
    [InlineData("""{"prompt":42}""", "prompt", "invalid_type")]
    [InlineData("""{"prompt":"x","model":"sora-3"}""", "model", "invalid_value")]
    [InlineData("""{"prompt":"x","seconds":"9"}""", "seconds", "invalid_value")]
    [InlineData("""{"prompt":"x","size":"640x480"}""", "size", "invalid_value")]
    [InlineData("""{"prompt":"x","model":"sora-2","size":"1792x1024"}""", "size", "invalid_value")]
    [InlineData("""{"prompt":"x","model":"sora-2","size":"1920x1080"}""", "size", "invalid_value")]
    [InlineData("""{"prompt":"x","n":2}""", "n", "unknown_parameter")]
    [InlineData("""{"prompt":"x","characters":[{"id":"char_nope"}]}""", "characters[0].id", "character_not_found")]
    [InlineData("""{"prompt":"x","characters":[{"id":"a"},{"id":"b"},{"id":"c"}]}""", "characters", "array_above_max_length")]
    [InlineData("""{"prompt":"x","input_reference":{"image_url":"data:image/png;base64,AAAA","file_id":"file-1"}}""", "input_reference", "invalid_value")]
    [InlineData("""{"prompt":"x","input_reference":{"file_id":"file-nope"}}""", "input_reference.file_id", "file_not_found")]
    [InlineData("""{"prompt":"x","input_reference":{"image_url":"https://example.com/a.png"}}""", "input_reference.image_url", "invalid_value")]
    public async Task Create_rejects_bad_fields_with_400_and_the_param(string body, string param, string code)
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        var reply = await emulator.PostJsonAsync("videos", body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("invalid_request_error", reply.Json!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(param, reply.ErrorParam);
        Assert.Equal(code, reply.ErrorCode);
        Assert.False(string.IsNullOrEmpty(reply.ErrorMessage));
        Assert.Empty((await emulator.GetAsync("videos")).Json!["data"]!.AsArray());
    }

    [Fact]
    public async Task Seconds_as_an_integer_is_a_type_error_with_openais_wording()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        var reply = await emulator.PostJsonAsync("videos", """{"prompt":"x","seconds":8}""");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("seconds", reply.ErrorParam);
        Assert.Equal(
            "Invalid type for 'seconds': expected one of '4', '8', '12', '16', or '20', but got an integer instead.",
            reply.ErrorMessage);
    }

    [Fact]
    public async Task A_prompt_over_32000_characters_is_rejected()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        var reply = await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = new string('a', 32001) });

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("string_above_max_length", reply.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, (await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = new string('a', 32000) })).Status);
    }

    [Fact]
    public async Task Every_size_of_the_pro_model_is_accepted()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        foreach (var size in new[] { "1280x720", "720x1280", "1024x1792", "1792x1024", "1920x1080", "1080x1920" })
        {
            foreach (var seconds in new[] { "4", "8", "12", "16", "20" })
            {
                var reply = await emulator.PostFormAsync("videos", ("prompt", "x"), ("model", "sora-2-pro"), ("size", size), ("seconds", seconds));
                Assert.Equal(HttpStatusCode.OK, reply.Status);
            }
        }
    }

    [Fact]
    public async Task An_input_reference_must_match_the_size_exactly()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        var wrong = await emulator.PostFormAsync("videos", ("prompt", "x"), ("size", "1280x720"),
            ("input_reference", new FilePart(EmulatorHarness.Png(1280, 721), "ref.png", "image/png")));
        var notAnImage = await emulator.PostFormAsync("videos", ("prompt", "x"), ("size", "1280x720"),
            ("input_reference", new FilePart("hello"u8.ToArray(), "ref.png", "image/png")));

        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Equal("input_reference", wrong.ErrorParam);
        Assert.Contains("must match the requested width and height", wrong.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notAnImage.Status);
        Assert.Equal("input_reference", notAnImage.ErrorParam);
    }

    [Fact]
    public async Task Unknown_ids_are_404_with_an_error_body()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var missing = "video_" + new string('0', 32);

        foreach (var reply in new[]
        {
            await emulator.GetAsync($"videos/{missing}"),
            await emulator.DeleteAsync($"videos/{missing}"),
            await emulator.GetAsync($"videos/{missing}/content"),
            await emulator.PostJsonAsync($"videos/{missing}/remix", """{"prompt":"x"}"""),
            await emulator.GetAsync("videos/characters/char_nope"),
            await emulator.GetAsync("files/file-nope"),
            await emulator.GetAsync("batches/batch_nope"),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, reply.Status);
            Assert.Equal("invalid_request_error", reply.Json!["error"]!["type"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Unknown_routes_are_404_and_wrong_methods_405()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await emulator.GetAsync("nothing")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await emulator.DeleteAsync("videos")).Status);
    }

    [Fact]
    public async Task Download_before_completion_is_400_video_not_ready()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.PostJsonAsync("videos", """{"prompt":"x"}""")).Json!["id"]!.GetValue<string>();

        var reply = await emulator.GetAsync($"videos/{id}/content");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("video_not_ready", reply.ErrorCode);
        Assert.Contains("not ready", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_variant_is_rejected()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var video = await emulator.CompletedVideoAsync();

        var reply = await emulator.GetAsync($"videos/{video["id"]}/content?variant=poster");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("variant", reply.ErrorParam);
    }

    [Fact]
    public async Task Assets_expire_an_hour_after_completion()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var video = await emulator.CompletedVideoAsync();
        var id = video["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await emulator.GetAsync($"videos/{id}/content")).Status);

        emulator.Advance(3600);
        var reply = await emulator.GetAsync($"videos/{id}/content?variant=thumbnail");

        Assert.Equal(HttpStatusCode.Gone, reply.Status);
        Assert.Equal("video_expired", reply.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, (await emulator.GetAsync($"videos/{id}")).Status);
    }

    [Fact]
    public async Task A_video_still_in_progress_cannot_be_deleted_remixed_or_extended()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.PostJsonAsync("videos", """{"prompt":"x"}""")).Json!["id"]!.GetValue<string>();

        var delete = await emulator.DeleteAsync($"videos/{id}");
        var remix = await emulator.PostJsonAsync($"videos/{id}/remix", """{"prompt":"y"}""");
        var extend = await emulator.PostJsonAsync("videos/extensions", $$$"""{"prompt":"y","seconds":"4","video":{"id":"{{{id}}}"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, delete.Status);
        Assert.Equal("invalid_state", delete.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, remix.Status);
        Assert.Equal(HttpStatusCode.BadRequest, extend.Status);
        Assert.Equal("video.id", extend.ErrorParam);
    }

    [Theory]
    [InlineData("characters", """[{"id":"char_1"}]""")]
    [InlineData("input_reference", """{"image_url":"data:image/png;base64,AAAA"}""")]
    public async Task Extensions_take_no_characters_or_images(string field, string value)
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.CompletedVideoAsync())["id"]!.GetValue<string>();

        var reply = await emulator.PostJsonAsync("videos/extensions", $$$"""{"prompt":"y","seconds":"4","video":{"id":"{{{id}}}"},"{{{field}}}":{{{value}}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(field, reply.ErrorParam);
    }

    [Fact]
    public async Task Extensions_require_seconds_and_a_video()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        Assert.Equal("seconds", (await emulator.PostJsonAsync("videos/extensions", """{"prompt":"y","video":{"id":"video_x"}}""")).ErrorParam);
        Assert.Equal("video", (await emulator.PostJsonAsync("videos/extensions", """{"prompt":"y","seconds":"4"}""")).ErrorParam);
        Assert.Equal("video.id", (await emulator.PostJsonAsync("videos/edits", """{"prompt":"y","video":{"id":"video_x"}}""")).ErrorParam);
    }

    [Fact]
    public async Task Remix_takes_only_a_prompt()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = (await emulator.CompletedVideoAsync())["id"]!.GetValue<string>();

        var reply = await emulator.PostJsonAsync($"videos/{id}/remix", """{"prompt":"y","seconds":"8"}""");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("seconds", reply.ErrorParam);
        Assert.Equal("unknown_parameter", reply.ErrorCode);
    }

    [Fact]
    public async Task Characters_need_a_name_and_a_readable_video()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        var noName = await emulator.PostFormAsync("videos/characters", ("video", new FilePart([1, 2, 3], "a.mp4", "video/mp4")));
        var longName = await emulator.PostFormAsync("videos/characters", ("name", new string('n', 81)), ("video", new FilePart([1, 2, 3], "a.mp4", "video/mp4")));
        var noVideo = await emulator.PostFormAsync("videos/characters", ("name", "Mira"));
        var json = await emulator.PostJsonAsync("videos/characters", """{"name":"Mira"}""");

        Assert.Equal("name", noName.ErrorParam);
        Assert.Equal("name", longName.ErrorParam);
        Assert.Equal("video", noVideo.ErrorParam);
        Assert.Equal(HttpStatusCode.BadRequest, json.Status);
    }

    [Fact]
    public async Task Malformed_json_and_bad_list_queries_are_400()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        Assert.Equal(HttpStatusCode.BadRequest, (await emulator.PostJsonAsync("videos", "{not json")).Status);
        Assert.Equal("limit", (await emulator.GetAsync("videos?limit=101")).ErrorParam);
        Assert.Equal("order", (await emulator.GetAsync("videos?order=newest")).ErrorParam);
        Assert.Equal("after", (await emulator.GetAsync("videos?after=video_nope")).ErrorParam);
    }
}
