using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Runway;

/// <summary>The emulator's Runway routes on a fake clock: creates, task states, signed outputs, uploads, auth and faults.</summary>
public sealed class RunwayRoutesTests
{
    private const string Secret = "key_runway_0c7d1e55aa";

    private static async Task<(EmulatorHarness Emulator, HttpClient Http)> StartAsync(string? faults = null, string secret = Secret, string? version = "2024-11-06")
    {
        var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Speed: 1, ApiKey: Secret, Faults: faults));
        var http = new HttpClient { BaseAddress = emulator.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        if (version is not null)
        {
            http.DefaultRequestHeaders.Add("X-Runway-Version", version);
        }

        return (emulator, http);
    }

    private static async Task<Reply> PostAsync(HttpClient http, string path, JsonObject body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return await Reply.ReadAsync(await http.PostAsync(path, content));
    }

    private static JsonObject TextToVideo(string prompt = "A fox in the snow", string ratio = "1280:720", int duration = 5) => new()
    {
        ["model"] = "gen4.5",
        ["promptText"] = prompt,
        ["ratio"] = ratio,
        ["duration"] = duration,
        ["seed"] = 42,
    };

    [Fact]
    public async Task A_text_to_video_task_goes_pending_running_succeeded_and_its_signed_output_downloads()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;

        var created = await PostAsync(http, "/v1/text_to_video", TextToVideo());
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var id = created.Json!["id"]!.GetValue<string>();

        var pending = await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{id}"));
        Assert.Equal("PENDING", pending.Json!["status"]!.GetValue<string>());
        emulator.Advance(2.5);
        var running = (await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{id}"))).Json!;
        Assert.Equal("RUNNING", running["status"]!.GetValue<string>());
        Assert.InRange(running["progress"]!.GetValue<double>(), 0.01, 0.99);
        emulator.Advance(5);
        var done = (await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{id}"))).Json!;
        Assert.Equal("SUCCEEDED", done["status"]!.GetValue<string>());
        var url = done["output"]![0]!.GetValue<string>();

        using var anonymous = new HttpClient();
        var video = await anonymous.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, video.StatusCode);
        Assert.Equal("video/mp4", video.Content.Headers.ContentType!.MediaType);
        var job = Assert.Single(emulator.AuditLines(), l => l["event"]?.GetValue<string>() == "job.created");
        Assert.Equal(id, job["job"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_output_url_expires_and_a_fresh_read_of_the_task_signs_a_new_one()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var id = (await PostAsync(http, "/v1/text_to_video", TextToVideo(duration: 2))).Json!["id"]!.GetValue<string>();
        emulator.Advance(5);
        var first = (await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{id}"))).Json!["output"]![0]!.GetValue<string>();

        emulator.Advance(TimeSpan.FromHours(25).TotalSeconds);
        using var anonymous = new HttpClient();
        var expired = await Reply.ReadAsync(await anonymous.GetAsync(first));
        Assert.Equal(HttpStatusCode.Forbidden, expired.Status);
        Assert.Contains("expired", expired.Json!["error"]!.GetValue<string>(), StringComparison.Ordinal);

        var fresh = (await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{id}"))).Json!["output"]![0]!.GetValue<string>();
        Assert.NotEqual(first, fresh);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(fresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(fresh.Replace("sig=", "sig=0", StringComparison.Ordinal))).StatusCode);
    }

    [Fact]
    public async Task Tasks_over_the_concurrency_limit_show_throttled()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add((await PostAsync(http, "/v1/text_to_video", TextToVideo($"shot {i}", duration: 10))).Json!["id"]!.GetValue<string>());
        }

        emulator.Advance(2);
        ids.Add((await PostAsync(http, "/v1/text_to_video", TextToVideo("third", duration: 10))).Json!["id"]!.GetValue<string>());

        var third = (await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{ids[2]}"))).Json!;
        Assert.Equal("THROTTLED", third["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Image_to_video_takes_positioned_frames_on_veo_and_a_single_uri_on_gen45()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var png = EmulatorHarness.DataUrl(EmulatorHarness.Png(1280, 720));

        var gen = await PostAsync(http, "/v1/image_to_video", new JsonObject { ["model"] = "gen4.5", ["promptImage"] = png, ["promptText"] = "go", ["ratio"] = "1280:720", ["duration"] = 5 });
        Assert.Equal(HttpStatusCode.OK, gen.Status);
        var veo = await PostAsync(http, "/v1/image_to_video", new JsonObject
        {
            ["model"] = "veo3.1",
            ["promptImage"] = new JsonArray(new JsonObject { ["uri"] = png, ["position"] = "first" }, new JsonObject { ["uri"] = png, ["position"] = "last" }),
            ["promptText"] = "dusk to night",
            ["ratio"] = "1920:1080",
            ["duration"] = 8,
        });
        Assert.Equal(HttpStatusCode.OK, veo.Status);

        var lastOnGen = await PostAsync(http, "/v1/image_to_video", new JsonObject
        {
            ["model"] = "gen4.5",
            ["promptImage"] = new JsonArray(new JsonObject { ["uri"] = png, ["position"] = "last" }),
            ["ratio"] = "1280:720",
            ["duration"] = 5,
        });
        Assert.Equal(HttpStatusCode.BadRequest, lastOnGen.Status);
        Assert.Equal("promptImage.position", string.Join('.', lastOnGen.Json!["issues"]![0]!["path"]!.AsArray().Select(p => p!.GetValue<string>())));
    }

    [Theory]
    [InlineData("model", "gen3a_turbo")]
    [InlineData("ratio", "1920:1080")]
    [InlineData("duration", 11)]
    [InlineData("promptText", null)]
    public async Task Invalid_fields_are_400_with_the_field_named(string field, object? value)
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var body = TextToVideo();
        body[field] = value switch { string s => s, int i => i, _ => null };
        if (value is null)
        {
            body.Remove(field);
        }

        var reply = await PostAsync(http, "/v1/text_to_video", body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Contains(field, reply.Json!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(emulator.AuditLines(), l => l["event"] is not null);
    }

    [Fact]
    public async Task A_video_to_video_edit_takes_an_uploaded_clip()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var clip = (await PostAsync(http, "/v1/text_to_video", TextToVideo(duration: 2))).Json!["id"]!.GetValue<string>();
        emulator.Advance(3);
        using var anonymous = new HttpClient();
        var bytes = await anonymous.GetByteArrayAsync((await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{clip}"))).Json!["output"]![0]!.GetValue<string>());

        var upload = (await PostAsync(http, "/v1/uploads", new JsonObject { ["filename"] = "clip.mp4", ["type"] = "ephemeral" })).Json!;
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in upload["fields"]!.AsObject())
        {
            form.Add(new StringContent(value!.GetValue<string>()), name);
        }

        form.Add(new ByteArrayContent(bytes), "file", "clip.mp4");
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsync(upload["uploadUrl"]!.GetValue<string>(), form)).StatusCode);

        var edit = await PostAsync(http, "/v1/video_to_video", new JsonObject { ["model"] = "aleph2", ["videoUri"] = upload["runwayUri"]!.DeepClone(), ["promptText"] = "make it snow" });
        Assert.Equal(HttpStatusCode.OK, edit.Status);
        var missing = await PostAsync(http, "/v1/video_to_video", new JsonObject { ["model"] = "aleph2", ["videoUri"] = "runway://nope", ["promptText"] = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal(2, emulator.AuditLines().Count(l => l["event"]?.GetValue<string>() == "job.created"));
    }

    [Fact]
    public async Task Delete_cancels_a_running_task_and_deletes_a_finished_one()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var id = (await PostAsync(http, "/v1/text_to_video", TextToVideo())).Json!["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/v1/tasks/{id}")).StatusCode);
        Assert.Equal("CANCELLED", (await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{id}"))).Json!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/v1/tasks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/v1/tasks/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_moderation_fault_fails_the_task_with_a_safety_code()
    {
        var (emulator, http) = await StartAsync(faults: "moderation=1");
        await using var _ = emulator;
        using var __ = http;
        var id = (await PostAsync(http, "/v1/text_to_video", TextToVideo())).Json!["id"]!.GetValue<string>();
        emulator.Advance(10);

        var task = (await Reply.ReadAsync(await http.GetAsync($"/v1/tasks/{id}"))).Json!;
        Assert.Equal("FAILED", task["status"]!.GetValue<string>());
        Assert.Equal("SAFETY.INPUT.TEXT", task["failureCode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("wrong-secret", "2024-11-06", HttpStatusCode.Unauthorized)]
    [InlineData(Secret, null, HttpStatusCode.BadRequest)]
    [InlineData(Secret, "2023-01-01", HttpStatusCode.BadRequest)]
    public async Task The_secret_and_the_api_version_are_enforced(string secret, string? version, HttpStatusCode expected)
    {
        var (emulator, http) = await StartAsync(secret: secret, version: version);
        await using var _ = emulator;
        using var __ = http;

        var reply = await PostAsync(http, "/v1/text_to_video", TextToVideo());

        Assert.Equal(expected, reply.Status);
        var error = reply.Json!["error"]!.GetValue<string>();
        Assert.Contains(expected == HttpStatusCode.Unauthorized ? "API secret" : "version", error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(emulator.AuditLines(), l => l["event"] is not null);
    }

    [Fact]
    public async Task Injected_429s_are_runway_error_bodies_with_retry_after()
    {
        var (emulator, http) = await StartAsync(faults: "429=1");
        await using var _ = emulator;
        using var __ = http;

        var reply = await PostAsync(http, "/v1/text_to_video", TextToVideo());

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal("1", reply.Header("retry-after"));
        Assert.Contains("rate limit", reply.Json!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_v1_paths_still_belong_to_the_openai_family()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;

        var reply = await Reply.ReadAsync(await http.GetAsync("/v1/videos"));

        Assert.NotNull(reply.Json!["object"] ?? reply.Json!["error"]!["message"]);
        Assert.Null(reply.Json!["error"] as JsonValue);
    }
}
