using System.Net;
using System.Text;
using System.Text.Json;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Providers.OpenAi;

public sealed class OpenAiBatchTests : IDisposable
{
    private readonly Harness _h = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("reel-openai-batch-").FullName;

    public void Dispose()
    {
        _h.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static GenerateRequest Generate(string step, string? image = null, params string[] characters) =>
        new(step, $"prompt {step}", "sora-2-pro", new VideoSize(1920, 1080), 20)
        {
            FirstFramePath = image,
            Characters = [.. characters.Select(c => new ProviderCharacter(c, "Mira"))],
        };

    private static string Batch(string status, string? output = null, string? errorFile = null, string errors = "null") =>
        $$"""{"id":"batch_1","object":"batch","endpoint":"/v1/videos","status":"{{status}}","input_file_id":"file_in","output_file_id":{{(output is null ? "null" : $"\"{output}\"")}},"error_file_id":{{(errorFile is null ? "null" : $"\"{errorFile}\"")}},"errors":{{errors}},"request_counts":{"total":3},"new_field":[1]}""";

    private static string OkLine(string customId, string videoId, string status = "completed") =>
        $$"""{"id":"batch_req_{{customId}}","custom_id":"{{customId}}","response":{"status_code":200,"request_id":"req_1","body":{{Videos.Video(videoId, status, status == "completed" ? 100 : 0)}}},"error":null}""";

    private static HttpResponseMessage Text(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/octet-stream") };

    [Fact]
    public async Task SubmitBatch_uploads_jsonl_creates_the_batch_polls_and_maps_results_in_request_order()
    {
        var png = Path.Combine(_dir, "frame.png");
        await File.WriteAllBytesAsync(png, [0x89, 0x50, 0x4E, 0x47, 1, 2]);
        JobRequest[] requests = [Generate("shot-a", png, "char_1"), Generate("shot-b"), Generate("shot-c"), Generate("shot-d"), Generate("shot-e")];

        var outputLines = string.Join("\n",
            OkLine("shot-c", "video_c"),
            OkLine("shot-a", "video_a"),
            """{"id":"r","custom_id":"shot-b","response":{"status_code":200,"body":{"id":"video_b","status":"failed","progress":0,"error":{"code":"moderation_blocked","message":"blocked"}}}}""",
            """{"id":"r","custom_id":"unknown-step","response":{"status_code":200,"body":{"id":"video_z","status":"completed"}}}""") + "\n";
        var errorLines = string.Join("\n",
            """{"id":"r","custom_id":"shot-d","response":{"status_code":400,"body":{"error":{"message":"Invalid size","type":"invalid_request_error","param":"size","code":null}}},"error":null}""") + "\n";

        _h.Handler
            .Json("""{"id":"file_in","object":"file","purpose":"batch","bytes":10}""")
            .Json(Batch("validating"))
            .Json(Batch("validating"))
            .Json(Batch("in_progress"))
            .Json(Batch("finalizing"))
            .Json(Batch("completed", "file_out", "file_err"))
            .Enqueue(() => Text(outputLines))
            .Enqueue(() => Text(errorLines));

        var results = await _h.Drive(_h.Provider.SubmitBatchAsync(requests), TimeSpan.FromSeconds(1));

        // Upload: multipart purpose=batch + a JSONL file.
        var upload = _h.Requests[0];
        Assert.Equal(HttpMethod.Post, upload.Method);
        Assert.Equal("/v1/files", upload.Path);
        var form = upload.Form();
        Assert.Equal("batch", form.Single(p => p.Name == "purpose").Text);
        var file = form.Single(p => p.Name == "file");
        Assert.EndsWith(".jsonl", file.FileName);
        var lines = file.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(5, lines.Length);
        Assert.Equal(["shot-a", "shot-b", "shot-c", "shot-d", "shot-e"], lines.Select(l => l.GetProperty("custom_id").GetString()));
        Assert.All(lines, l =>
        {
            Assert.Equal("POST", l.GetProperty("method").GetString());
            Assert.Equal("/v1/videos", l.GetProperty("url").GetString());
            Assert.Equal("20", l.GetProperty("body").GetProperty("seconds").GetString());
            Assert.Equal("1920x1080", l.GetProperty("body").GetProperty("size").GetString());
            Assert.Equal("sora-2-pro", l.GetProperty("body").GetProperty("model").GetString());
        });
        var first = lines[0].GetProperty("body");
        Assert.Equal("prompt shot-a", first.GetProperty("prompt").GetString());
        Assert.Equal("data:image/png;base64,iVBORwEC", first.GetProperty("input_reference").GetProperty("image_url").GetString());
        Assert.Equal("char_1", first.GetProperty("characters")[0].GetProperty("id").GetString());
        Assert.False(lines[1].GetProperty("body").TryGetProperty("input_reference", out _));

        // Create, then polls, then both result files.
        var create = _h.Requests[1];
        Assert.Equal("/v1/batches", create.Path);
        Assert.Equal("file_in", create.Json.GetProperty("input_file_id").GetString());
        Assert.Equal("/v1/videos", create.Json.GetProperty("endpoint").GetString());
        Assert.Equal("24h", create.Json.GetProperty("completion_window").GetString());
        Assert.All(_h.Requests.Skip(2).Take(4), r => Assert.Equal("/v1/batches/batch_1", r.Path));
        Assert.Equal("/v1/files/file_out/content", _h.Requests[6].Path);
        Assert.Equal("/v1/files/file_err/content", _h.Requests[7].Path);
        Assert.Equal(8, _h.Requests.Count);

        Assert.Equal(5, results.Count);
        Assert.Equal(("video_a", JobState.Succeeded), (results[0].JobId, results[0].State));
        Assert.Equal(("video_b", JobState.Failed, ErrorClass.Moderation), (results[1].JobId, results[1].State, results[1].Error!.Class));
        Assert.Equal(("video_c", JobState.Succeeded), (results[2].JobId, results[2].State));
        Assert.Equal((string.Empty, JobState.Failed, ErrorClass.Invalid), (results[3].JobId, results[3].State, results[3].Error!.Class));
        Assert.Contains("Invalid size", results[3].Error!.Message);
        Assert.Equal("size", results[3].Error!.Param);
        Assert.Equal((string.Empty, JobState.Failed, ErrorClass.Transient), (results[4].JobId, results[4].State, results[4].Error!.Class));
    }

    [Fact]
    public async Task Batch_polling_backs_off_from_one_to_fifteen_seconds()
    {
        _h.Handler.Fallback = _ => FakeHandler.Response(HttpStatusCode.OK, Batch("in_progress"));
        var task = _h.Provider.CompleteBatchAsync("batch_1", [Generate("a")]);
        var times = new List<TimeSpan>();
        var start = _h.Time.GetUtcNow();
        for (var i = 0; i < 120 && _h.Requests.Count < 8; i++)
        {
            var before = _h.Requests.Count;
            _h.Time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(2);
            if (_h.Requests.Count > before)
            {
                times.Add(_h.Time.GetUtcNow() - start);
            }
        }

        // Polls at 0, then +1, +2, +4, +8, +15, +15 s.
        Assert.Equal([1, 3, 7, 15, 30, 45, 60], times.Select(t => t.TotalSeconds).Take(7));
        Assert.False(task.IsCompleted);
    }

    [Fact]
    public async Task A_per_line_error_object_is_classified()
    {
        _h.Handler
            .Json(Batch("completed", "file_out"))
            .Enqueue(() => Text(
                """{"id":"r1","custom_id":"a","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}""" + "\n"
                + """{"id":"r2","custom_id":"b","response":null,"error":{"code":"content_policy_violation","message":"rejected"}}"""));

        var results = await _h.Provider.CompleteBatchAsync("batch_1", [Generate("a"), Generate("b")]);

        Assert.Equal(ErrorClass.Transient, results[0].Error!.Class);
        Assert.Equal(ErrorClass.Moderation, results[1].Error!.Class);
        Assert.All(results, r => Assert.Equal(JobState.Failed, r.State));
    }

    [Fact]
    public async Task A_failed_batch_maps_line_errors_to_their_requests()
    {
        _h.Handler.Json(Batch("failed", errors: """{"object":"list","data":[{"code":"invalid_value","message":"seconds must be a string","param":"body.seconds","line":2}]}"""));

        var results = await _h.Provider.CompleteBatchAsync("batch_1", [Generate("a"), Generate("b")]);

        Assert.Equal(ErrorClass.Invalid, results[0].Error!.Class);
        Assert.Equal(ErrorClass.Invalid, results[1].Error!.Class);
        Assert.Contains("seconds must be a string", results[1].Error!.Message);
        Assert.Equal("body.seconds", results[1].Error!.Param);
        Assert.Single(_h.Requests);
    }

    [Fact]
    public async Task Batch_creation_is_never_retried()
    {
        _h.Handler
            .Json("""{"id":"file_in"}""")
            .Json(Videos.Error("busy"), HttpStatusCode.ServiceUnavailable);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.StartBatchAsync([Generate("a")]));
        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Equal(2, _h.Requests.Count);
    }

    [Fact]
    public async Task A_batch_create_whose_connection_drops_is_unanswered_and_not_retried()
    {
        _h.Handler.Throw(new HttpRequestException("reset by peer", new IOException("reset")));
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.CreateBatchAsync("file_in"));
        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.True(ex.Unanswered);
        Assert.Single(_h.Requests);
        Assert.Equal("file_in", _h.Requests[0].Json.GetProperty("input_file_id").GetString());
    }

    [Fact]
    public async Task FindBatch_pages_through_the_batch_list_to_the_batch_made_from_the_input()
    {
        _h.Handler
            .Json("""{"object":"list","data":[{"id":"batch_9","input_file_id":"file_other"},{"id":"batch_8","input_file_id":"file_x"}],"last_id":"batch_8","has_more":true}""")
            .Json("""{"object":"list","data":[{"id":"batch_7","input_file_id":"file_in"}],"last_id":"batch_7","has_more":true}""");

        var found = await _h.Provider.FindBatchAsync("file_in");

        Assert.Equal("batch_7", found);
        Assert.Equal("/v1/batches", _h.Requests[0].Path);
        Assert.Equal("100", _h.Requests[0].Query("limit"));
        Assert.Equal("batch_8", _h.Requests[1].Query("after"));
        Assert.Equal(2, _h.Requests.Count);
    }

    [Fact]
    public async Task FindBatch_is_null_when_no_listed_batch_was_made_from_the_input()
    {
        _h.Handler
            .Json(Videos.Error("busy"), HttpStatusCode.ServiceUnavailable)
            .Json("""{"object":"list","data":[{"id":"batch_9","input_file_id":"file_other"}],"has_more":false}""");

        var found = await _h.Drive(_h.Provider.FindBatchAsync("file_in"), TimeSpan.FromSeconds(1));

        Assert.Null(found);
        Assert.Equal(2, _h.Requests.Count);
    }

    [Fact]
    public async Task Batch_takes_generate_requests_with_unique_step_ids_only()
    {
        var extend = new ExtendRequest("a", "prompt a", "sora-2-pro", new VideoSize(1920, 1080), 20, "video_1");
        await Assert.ThrowsAsync<ArgumentException>(() => _h.Provider.SubmitBatchAsync([extend]));
        await Assert.ThrowsAsync<ArgumentException>(() => _h.Provider.SubmitBatchAsync([Generate("a"), Generate("a")]));
        Assert.Empty(await _h.Provider.SubmitBatchAsync([]));
        Assert.Empty(_h.Requests);
    }

    [Fact]
    public async Task Cancelling_while_polling_a_batch_stops()
    {
        _h.Handler.Fallback = _ => FakeHandler.Response(HttpStatusCode.OK, Batch("in_progress"));
        using var cts = new CancellationTokenSource();
        var task = _h.Provider.CompleteBatchAsync("batch_1", [Generate("a")], cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
