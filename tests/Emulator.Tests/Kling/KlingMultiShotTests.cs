using System.Net;
using System.Text.Json.Nodes;
using Reel.Engine.Media;

namespace Reel.Emulator.Tests.Kling;

/// <summary>
/// Kling 3.0 multi-shot on the emulator's text2video and image2video routes, checked as the reference documents it
/// (fixture <c>text2video.multishot.request.json</c>): 1–6 shots, each prompt ≤512 characters, durations as strings
/// summing to the task's.
/// </summary>
public sealed class KlingMultiShotTests
{
    private static Task<Reply> PostAsync(HttpClient http, JsonNode body, string kind = "text2video") => KlingRoutesTests.PostAsync(http, $"v1/videos/{kind}", body);

    private static JsonObject Documented() => KlingRoutesTests.Fixture("text2video.multishot.request.json");

    private static async Task AssertRefusedAsync(JsonObject body, string field, string kind = "text2video")
    {
        var (emulator, http) = await KlingRoutesTests.StartAsync();
        await using var _ = emulator;
        using var __ = http;

        var reply = await PostAsync(http, body, kind);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(1201, reply.Json!["code"]!.GetValue<int>());
        Assert.Contains(field, reply.Json!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(emulator.AuditLines(), l => l["event"]?.GetValue<string>() == "job.created");
    }

    [Fact]
    public async Task The_documented_multi_shot_body_renders_one_clip_of_the_tasks_duration_without_a_prompt()
    {
        var (emulator, http) = await KlingRoutesTests.StartAsync();
        await using var _ = emulator;
        using var __ = http;

        var created = await PostAsync(http, Documented());

        Assert.Equal(HttpStatusCode.OK, created.Status);
        var id = created.Json!["data"]!["task_id"]!.GetValue<string>();
        emulator.Advance(10);
        var video = (await Reply.ReadAsync(await http.GetAsync($"v1/videos/text2video/{id}"))).Json!["data"]!["task_result"]!["videos"]![0]!;
        Assert.Equal("5", video["duration"]!.GetValue<string>());
        using var anonymous = new HttpClient();
        var bytes = await anonymous.GetByteArrayAsync(video["url"]!.GetValue<string>());
        var path = Path.Combine(Path.GetTempPath(), "reel-kling-multishot-" + Guid.NewGuid().ToString("N")[..8] + ".mp4");
        try
        {
            await File.WriteAllBytesAsync(path, bytes);
            Assert.Equal(5, Mp4Clip.Probe(path).Seconds, 1);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Shots_change_the_rendered_task_and_their_order_is_by_index()
    {
        var (emulator, http) = await KlingRoutesTests.StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var reordered = Documented();
        var shots = reordered["multi_prompt"]!.AsArray();
        var (first, second) = (shots[0]!.DeepClone(), shots[1]!.DeepClone());
        shots.Clear();
        shots.Add(second);
        shots.Add(first);
        var other = Documented();
        other["multi_prompt"]![1]!["prompt"] = "Close-up: the vendor laughs";

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, Documented())).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, reordered)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, other)).Status);

        var fingerprints = emulator.AuditLines().Where(l => l["event"]?.GetValue<string>() == "job.created").Select(l => l["fingerprint"]!.GetValue<string>()).ToList();
        Assert.Equal(3, fingerprints.Count);
        Assert.Equal(fingerprints[0], fingerprints[1]);
        Assert.NotEqual(fingerprints[0], fingerprints[2]);
    }

    [Fact]
    public async Task Durations_that_do_not_sum_to_the_tasks_are_refused()
    {
        var body = Documented();
        body["duration"] = "6";
        await AssertRefusedAsync(body, "multi_prompt");
    }

    [Fact]
    public async Task Seven_shots_are_refused()
    {
        var body = Documented();
        body["duration"] = "7";
        body["multi_prompt"] = new JsonArray([.. Enumerable.Range(1, 7).Select(i => (JsonNode)new JsonObject { ["index"] = i, ["prompt"] = $"shot {i}", ["duration"] = "1" })]);
        await AssertRefusedAsync(body, "multi_prompt");
    }

    [Fact]
    public async Task A_shot_prompt_over_512_characters_is_refused()
    {
        var body = Documented();
        body["multi_prompt"]![0]!["prompt"] = new string('a', 513);
        await AssertRefusedAsync(body, "multi_prompt[0].prompt");
    }

    [Theory]
    [InlineData("shot_type", null)]
    [InlineData("duration", 3)]
    [InlineData("index", "one")]
    public async Task Missing_shot_type_and_wrongly_typed_shot_fields_are_refused(string field, object? value)
    {
        var body = Documented();
        var target = field == "shot_type" ? body : body["multi_prompt"]![0]!.AsObject();
        target[field] = value switch { null => null, int i => i, string s => s, _ => throw new ArgumentException(field) };
        if (value is null)
        {
            target.Remove(field);
        }

        await AssertRefusedAsync(body, field);
    }

    [Fact]
    public async Task Multi_shot_with_a_last_frame_or_on_an_older_model_is_refused()
    {
        var base64 = Convert.ToBase64String(EmulatorHarness.Png(1280, 720));
        var withTail = Documented();
        withTail["image"] = base64;
        withTail["image_tail"] = base64;
        await AssertRefusedAsync(withTail, "image_tail", "image2video");

        var older = Documented();
        older["model_name"] = "kling-v2-6";
        older["duration"] = "5";
        await AssertRefusedAsync(older, "multi_shot");
    }

    [Fact]
    public async Task Without_multi_shot_the_shot_fields_are_ignored_and_the_prompt_is_required()
    {
        var (emulator, http) = await KlingRoutesTests.StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var body = Documented();
        body["multi_shot"] = false;

        var noPrompt = await PostAsync(http, body);
        body["prompt"] = "A lantern-lit alley";
        var withPrompt = await PostAsync(http, body);

        Assert.Equal(HttpStatusCode.BadRequest, noPrompt.Status);
        Assert.Contains("prompt", noPrompt.Json!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, withPrompt.Status);
    }
}
