using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.OpenAi;

public sealed class BatchTests
{
    [Fact]
    public async Task A_batch_runs_from_validating_to_completed_with_an_output_file_of_videos()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var jsonl = string.Join("\n",
            """{"custom_id":"shot-001","method":"POST","url":"/v1/videos","body":{"model":"sora-2-pro","prompt":"One","size":"1920x1080","seconds":"8"}}""",
            """{"custom_id":"shot-002","method":"POST","url":"/v1/videos","body":{"prompt":"Two","size":"720x1280","input_reference":{"image_url":""" + "\"" + EmulatorHarness.DataUrl(EmulatorHarness.Png(720, 1280)) + "\"}}}",
            """{"custom_id":"shot-003","method":"POST","url":"/v1/videos","body":{"prompt":"Three","seconds":8}}""") + "\n";
        var inputId = await UploadAsync(emulator, jsonl);

        var created = await emulator.PostJsonAsync("batches", new JsonObject { ["input_file_id"] = inputId, ["endpoint"] = "/v1/videos", ["completion_window"] = "24h" });

        Assert.Equal(HttpStatusCode.OK, created.Status);
        var batch = created.Json!;
        var id = batch["id"]!.GetValue<string>();
        Assert.StartsWith("batch_", id, StringComparison.Ordinal);
        Assert.Equal("batch", batch["object"]!.GetValue<string>());
        Assert.Equal("validating", batch["status"]!.GetValue<string>());
        Assert.Equal(3, batch["request_counts"]!["total"]!.GetValue<int>());

        emulator.Advance(2);
        var running = (await emulator.GetAsync($"batches/{id}")).Json!;
        Assert.Equal("in_progress", running["status"]!.GetValue<string>());
        Assert.Null(running["output_file_id"]);

        emulator.Advance(10);
        var done = (await emulator.GetAsync($"batches/{id}")).Json!;
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(2, done["request_counts"]!["completed"]!.GetValue<int>());
        Assert.Equal(1, done["request_counts"]!["failed"]!.GetValue<int>());

        var output = await emulator.GetAsync($"files/{done["output_file_id"]}/content");
        var lines = Encoding.UTF8.GetString(output.Body).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["shot-001", "shot-002"], lines.Select(l => l["custom_id"]!.GetValue<string>()).ToArray());
        foreach (var line in lines)
        {
            Assert.StartsWith("batch_req_", line["id"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Null(line["error"]);
            Assert.Equal(200, line["response"]!["status_code"]!.GetValue<int>());
            var video = line["response"]!["body"]!.AsObject();
            Assert.Equal("completed", video["status"]!.GetValue<string>());
            Assert.Equal(video["completed_at"]!.GetValue<long>() + 24 * 3600, video["expires_at"]!.GetValue<long>());
            var download = await emulator.GetAsync($"videos/{video["id"]}/content");
            Assert.Equal(HttpStatusCode.OK, download.Status);
        }

        var errors = await emulator.GetAsync($"files/{done["error_file_id"]}/content");
        var error = JsonNode.Parse(Encoding.UTF8.GetString(errors.Body).Trim())!;
        Assert.Equal("shot-003", error["custom_id"]!.GetValue<string>());
        Assert.Equal(400, error["response"]!["status_code"]!.GetValue<int>());
        Assert.Equal("seconds", error["response"]!["body"]!["error"]!["param"]!.GetValue<string>());

        var kinds = emulator.AuditLines().Where(l => l["event"] is not null).Select(l => l["kind"]!.GetValue<string>()).ToList();
        Assert.Equal(["batch", "batch"], kinds);
    }

    [Fact]
    public async Task Batches_are_listed_newest_first_with_cursor_paging()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var line = """{"custom_id":"a","method":"POST","url":"/v1/videos","body":{"prompt":"One"}}""" + "\n";
        var ids = new List<(string Batch, string Input)>();
        for (var i = 0; i < 3; i++)
        {
            var input = await UploadAsync(emulator, line);
            var created = await emulator.PostJsonAsync("batches", new JsonObject { ["input_file_id"] = input, ["endpoint"] = "/v1/videos", ["completion_window"] = "24h" });
            ids.Add((created.Json!["id"]!.GetValue<string>(), input));
        }

        var first = (await emulator.GetAsync("batches?limit=2")).Json!;
        var second = (await emulator.GetAsync($"batches?limit=2&after={first["last_id"]!.GetValue<string>()}")).Json!;
        var bad = await emulator.GetAsync("batches?limit=0");

        Assert.Equal("list", first["object"]!.GetValue<string>());
        Assert.Equal([ids[2].Batch, ids[1].Batch], first["data"]!.AsArray().Select(b => b!["id"]!.GetValue<string>()));
        Assert.Equal(ids[2].Input, first["data"]![0]!["input_file_id"]!.GetValue<string>());
        Assert.True(first["has_more"]!.GetValue<bool>());
        Assert.Equal([ids[0].Batch], second["data"]!.AsArray().Select(b => b!["id"]!.GetValue<string>()));
        Assert.False(second["has_more"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("limit", bad.ErrorParam);
    }

    [Fact]
    public async Task A_batch_with_a_malformed_line_fails_validation_and_creates_nothing()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var inputId = await UploadAsync(emulator,
            """{"custom_id":"a","method":"POST","url":"/v1/videos","body":{"prompt":"One"}}""" + "\n" + "not json\n"
            + """{"custom_id":"b","method":"POST","url":"/v1/images","body":{"prompt":"Two"}}""" + "\n");

        var id = (await emulator.PostJsonAsync("batches", new JsonObject { ["input_file_id"] = inputId, ["endpoint"] = "/v1/videos", ["completion_window"] = "24h" })).Json!["id"]!.GetValue<string>();
        emulator.Advance(2);
        var batch = (await emulator.GetAsync($"batches/{id}")).Json!;

        Assert.Equal("failed", batch["status"]!.GetValue<string>());
        var errors = batch["errors"]!["data"]!.AsArray();
        Assert.Equal([2, 3], errors.Select(e => e!["line"]!.GetValue<int>()).ToArray());
        Assert.Equal("invalid_json_line", errors[0]!["code"]!.GetValue<string>());
        Assert.Empty((await emulator.GetAsync("videos")).Json!["data"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"endpoint":"/v1/videos","completion_window":"24h"}""", "input_file_id")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/chat/completions","completion_window":"24h"}""", "endpoint")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/videos","completion_window":"1h"}""", "completion_window")]
    [InlineData("""{"input_file_id":"file-nope","endpoint":"/v1/videos","completion_window":"24h"}""", "input_file_id")]
    public async Task Batch_creation_checks_its_fields(string body, string param)
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var inputId = await UploadAsync(emulator, """{"custom_id":"a","method":"POST","url":"/v1/videos","body":{"prompt":"One"}}""");

        var reply = await emulator.PostJsonAsync("batches", body.Replace("FILE", inputId, StringComparison.Ordinal));

        Assert.True(reply.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, reply.Status.ToString());
        Assert.Equal(param, reply.ErrorParam);
    }

    [Fact]
    public async Task Files_are_uploaded_read_and_served()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var id = await UploadAsync(emulator, "{}\n");

        var file = (await emulator.GetAsync($"files/{id}")).Json!;
        var content = await emulator.GetAsync($"files/{id}/content");

        Assert.Equal("file", file["object"]!.GetValue<string>());
        Assert.Equal("batch", file["purpose"]!.GetValue<string>());
        Assert.Equal(3, file["bytes"]!.GetValue<int>());
        Assert.Equal("{}\n", Encoding.UTF8.GetString(content.Body));
        Assert.Equal("purpose", (await emulator.PostFormAsync("files", ("purpose", "nonsense"), ("file", new FilePart([1], "a", "application/octet-stream")))).ErrorParam);
        Assert.Equal("file", (await emulator.PostFormAsync("files", ("purpose", "batch"))).ErrorParam);
    }

    private static async Task<string> UploadAsync(EmulatorHarness emulator, string jsonl)
    {
        var reply = await emulator.PostFormAsync("files", ("purpose", "batch"), ("file", new FilePart(Encoding.UTF8.GetBytes(jsonl), "requests.jsonl", "application/jsonl")));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Json!["id"]!.GetValue<string>();
    }
}
