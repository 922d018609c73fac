using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Kling;

/// <summary>
/// The emulator's Kling routes under <c>/kling</c> on a fake clock, checked against the request and response examples of
/// Kling's API reference (kept as fixtures under <c>Kling/Fixtures</c>) and against JWT verification.
/// </summary>
public sealed class KlingRoutesTests
{
    private const string Access = "ak_reel_tests";
    private const string Secret = "sk_kling_9f3b2c71d0";

    private static readonly DateTimeOffset Start = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    internal static async Task<(EmulatorHarness Emulator, HttpClient Http)> StartAsync(string? faults = null, string secret = Secret, DateTimeOffset? tokenTime = null)
    {
        var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Speed: 1, ApiKey: Secret, Faults: faults));
        var http = new HttpClient { BaseAddress = new Uri(emulator.Server.BaseAddress, "/kling/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", KlingTokenFor(secret, tokenTime ?? Start));
        return (emulator, http);
    }

    /// <summary>Kling's JWT, written out here independently of the engine's: HS256 over {iss, exp: now+1800, nbf: now-5}.</summary>
    internal static string KlingTokenFor(string secret, DateTimeOffset now, string access = Access)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var head = B64(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
        var body = B64(Encoding.UTF8.GetBytes($"{{\"iss\":\"{access}\",\"exp\":{now.ToUnixTimeSeconds() + 1800},\"nbf\":{now.ToUnixTimeSeconds() - 5}}}"));
        return head + "." + body + "." + B64(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(head + "." + body)));
    }

    internal static async Task<Reply> PostAsync(HttpClient http, string path, JsonNode body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return await Reply.ReadAsync(await http.PostAsync(path, content));
    }

    internal static JsonObject Fixture(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Kling", "Fixtures", name)))!.AsObject();

    [Fact]
    public async Task The_documented_text2video_example_is_accepted_and_answers_in_the_documented_shape()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;

        var reply = await PostAsync(http, "v1/videos/text2video", Fixture("text2video.request.json"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var documented = Fixture("create.response.json");
        Assert.Equal(Keys(documented), Keys(reply.Json!));
        Assert.Equal(Keys(documented["data"]!.AsObject()).Where(k => k != "task_status_msg"), Keys(reply.Json!["data"]!.AsObject()).Where(k => k != "task_status_msg"));
        Assert.Equal(0, reply.Json!["code"]!.GetValue<int>());
        Assert.Equal("submitted", reply.Json!["data"]!["task_status"]!.GetValue<string>());
        Assert.Equal("reel-docs-example-1", reply.Json!["data"]!["task_info"]!["external_task_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_task_is_found_by_its_id_and_by_its_external_task_id_and_succeeds_in_the_documented_shape()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var created = (await PostAsync(http, "v1/videos/text2video", Fixture("text2video.request.json"))).Json!["data"]!;
        var id = created["task_id"]!.GetValue<string>();

        emulator.Advance(2);
        Assert.Equal("processing", (await Reply.ReadAsync(await http.GetAsync($"v1/videos/text2video/{id}"))).Json!["data"]!["task_status"]!.GetValue<string>());
        emulator.Advance(10);
        var byExternal = (await Reply.ReadAsync(await http.GetAsync("v1/videos/text2video/reel-docs-example-1"))).Json!;

        var documented = Fixture("query.response.json");
        Assert.Equal(Keys(documented["data"]!.AsObject()), Keys(byExternal["data"]!.AsObject()));
        Assert.Equal(id, byExternal["data"]!["task_id"]!.GetValue<string>());
        Assert.Equal("succeed", byExternal["data"]!["task_status"]!.GetValue<string>());
        var video = byExternal["data"]!["task_result"]!["videos"]![0]!;
        Assert.Equal(Keys(documented["data"]!["task_result"]!["videos"]![0]!.AsObject()), Keys(video.AsObject()));
        Assert.Equal("5", video["duration"]!.GetValue<string>());
        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(video["url"]!.GetValue<string>())).StatusCode);

        // Another kind's path does not find it, and a made-up id is 404 1203.
        var other = await Reply.ReadAsync(await http.GetAsync($"v1/videos/image2video/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, other.Status);
        Assert.Equal(1203, other.Json!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_external_task_id_is_unique_per_account()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, "v1/videos/text2video", Fixture("text2video.request.json"))).Status);

        var again = await PostAsync(http, "v1/videos/text2video", Fixture("text2video.request.json"));

        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal(1201, again.Json!["code"]!.GetValue<int>());
        Assert.Contains("external_task_id", again.Json!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(emulator.AuditLines(), l => l["event"]?.GetValue<string>() == "job.created");
    }

    [Fact]
    public async Task Image2video_takes_raw_base64_and_refuses_a_data_prefix()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var base64 = Convert.ToBase64String(EmulatorHarness.Png(720, 1280));

        var ok = await PostAsync(http, "v1/videos/image2video", new JsonObject { ["model_name"] = "kling-v3", ["image"] = base64, ["image_tail"] = base64, ["duration"] = "5", ["mode"] = "pro" });
        var prefixed = await PostAsync(http, "v1/videos/image2video", new JsonObject { ["model_name"] = "kling-v3", ["image"] = "data:image/png;base64," + base64 });

        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(HttpStatusCode.BadRequest, prefixed.Status);
        Assert.Equal(1201, prefixed.Json!["code"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("duration", "20")]
    [InlineData("aspect_ratio", "4:3")]
    [InlineData("mode", "ultra")]
    [InlineData("model_name", "kling-v9")]
    public async Task Invalid_values_are_400_1201_naming_the_field(string field, string value)
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var body = Fixture("text2video.request.json");
        body[field] = value;

        var reply = await PostAsync(http, "v1/videos/text2video", body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(1201, reply.Json!["code"]!.GetValue<int>());
        Assert.Contains(field, reply.Json!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Video_extend_continues_a_finished_video_by_its_video_id()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var body = Fixture("text2video.request.json");
        body.Remove("external_task_id");
        var id = (await PostAsync(http, "v1/videos/text2video", body)).Json!["data"]!["task_id"]!.GetValue<string>();
        emulator.Advance(6);
        var videoId = (await Reply.ReadAsync(await http.GetAsync($"v1/videos/text2video/{id}"))).Json!["data"]!["task_result"]!["videos"]![0]!["id"]!.GetValue<string>();

        var extend = await PostAsync(http, "v1/videos/video-extend", new JsonObject { ["video_id"] = videoId, ["prompt"] = "the camera rises" });
        Assert.Equal(HttpStatusCode.OK, extend.Status);
        var extendId = extend.Json!["data"]!["task_id"]!.GetValue<string>();
        emulator.Advance(6);
        var done = (await Reply.ReadAsync(await http.GetAsync($"v1/videos/video-extend/{extendId}"))).Json!["data"]!;
        Assert.Equal("succeed", done["task_status"]!.GetValue<string>());
        Assert.Equal("10", done["task_result"]!["videos"]![0]!["duration"]!.GetValue<string>());

        var unknown = await PostAsync(http, "v1/videos/video-extend", new JsonObject { ["video_id"] = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
    }

    [Fact]
    public async Task Generated_videos_are_deleted_after_30_days()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var body = Fixture("text2video.request.json");
        var id = (await PostAsync(http, "v1/videos/text2video", body)).Json!["data"]!["task_id"]!.GetValue<string>();
        emulator.Advance(6);
        var url = (await Reply.ReadAsync(await http.GetAsync($"v1/videos/text2video/{id}"))).Json!["data"]!["task_result"]!["videos"]![0]!["url"]!.GetValue<string>();

        emulator.Advance(TimeSpan.FromDays(31).TotalSeconds);

        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task The_moderation_fault_fails_the_task_with_a_risk_control_message()
    {
        var (emulator, http) = await StartAsync(faults: "moderation=1");
        await using var _ = emulator;
        using var __ = http;
        var id = (await PostAsync(http, "v1/videos/text2video", Fixture("text2video.request.json"))).Json!["data"]!["task_id"]!.GetValue<string>();
        emulator.Advance(10);

        var data = (await Reply.ReadAsync(await http.GetAsync($"v1/videos/text2video/{id}"))).Json!["data"]!;
        Assert.Equal("failed", data["task_status"]!.GetValue<string>());
        Assert.Contains("risk control", data["task_status_msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Injected_429s_are_1303_parallel_task_limits()
    {
        var (emulator, http) = await StartAsync(faults: "429=1");
        await using var _ = emulator;
        using var __ = http;

        var reply = await PostAsync(http, "v1/videos/text2video", Fixture("text2video.request.json"));

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal(1303, reply.Json!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_token_signed_with_the_wrong_secret_is_401_1002()
    {
        var (emulator, http) = await StartAsync(secret: "not-the-secret");
        await using var _ = emulator;
        using var __ = http;

        var reply = await Reply.ReadAsync(await http.GetAsync("v1/videos/text2video"));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal(1002, reply.Json!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_expired_token_is_401_1004_and_one_not_yet_valid_1003()
    {
        var (emulator, http) = await StartAsync(tokenTime: Start.AddHours(-1));
        await using var _ = emulator;
        using var __ = http;
        Assert.Equal(1004, (await Reply.ReadAsync(await http.GetAsync("v1/videos/text2video"))).Json!["code"]!.GetValue<int>());

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", KlingTokenFor(Secret, Start.AddMinutes(5)));
        Assert.Equal(1003, (await Reply.ReadAsync(await http.GetAsync("v1/videos/text2video"))).Json!["code"]!.GetValue<int>());

        http.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(1001, (await Reply.ReadAsync(await http.GetAsync("v1/videos/text2video"))).Json!["code"]!.GetValue<int>());
    }

    private static List<string> Keys(JsonObject o) => [.. o.Select(p => p.Key).Order(StringComparer.Ordinal)];
}
