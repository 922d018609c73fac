using System.Net;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Fal;

public sealed class FalQueueTests
{
    [Fact]
    public async Task Submit_answers_in_queue_with_urls_that_drop_the_endpoint_sub_path()
    {
        await using var fal = await FalHarness.StartAsync();

        var reply = await fal.PostAsync("fal-ai/veo3.1/fast/image-to-video", new JsonObject { ["prompt"] = "x", ["image_url"] = FalHarness.PngDataUrl() });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var queued = reply.Json!;
        var id = queued["request_id"]!.GetValue<string>();
        Assert.True(Guid.TryParse(id, out _), id);
        Assert.Equal("IN_QUEUE", queued["status"]!.GetValue<string>());
        Assert.Equal($"{fal.Root}/fal-ai/veo3.1/requests/{id}", queued["response_url"]!.GetValue<string>());
        Assert.Equal($"{fal.Root}/fal-ai/veo3.1/requests/{id}/status", queued["status_url"]!.GetValue<string>());
        Assert.Equal($"{fal.Root}/fal-ai/veo3.1/requests/{id}/cancel", queued["cancel_url"]!.GetValue<string>());
        Assert.Equal(0, queued["queue_position"]!.GetValue<int>());
        Assert.Equal(id, reply.Header("x-fal-request-id"));
    }

    [Fact]
    public async Task Status_moves_from_in_queue_to_in_progress_to_completed()
    {
        await using var fal = await FalHarness.StartAsync();
        var queued = await fal.SubmitAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x", ["duration"] = "8s" });
        var statusUrl = queued["status_url"]!.GetValue<string>();

        var inQueue = await fal.GetAsync(statusUrl);
        fal.Advance(2);
        var inProgress = await fal.GetAsync(statusUrl + "?logs=1");
        fal.Advance(7);
        var completed = await fal.GetAsync(statusUrl + "?logs=1");
        var completedNoLogs = await fal.GetAsync(statusUrl + "?logs=0");

        Assert.Equal(HttpStatusCode.Accepted, inQueue.Status);
        Assert.Equal("IN_QUEUE", inQueue.Json!["status"]!.GetValue<string>());
        Assert.Equal(0, inQueue.Json!["queue_position"]!.GetValue<int>());
        Assert.Null(inQueue.Json!["logs"]);
        Assert.Equal(HttpStatusCode.Accepted, inProgress.Status);
        Assert.Equal("IN_PROGRESS", inProgress.Json!["status"]!.GetValue<string>());
        Assert.False(inProgress.Json!.ContainsKey("queue_position"));
        Assert.Single(inProgress.Json!["logs"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, completed.Status);
        Assert.Equal("COMPLETED", completed.Json!["status"]!.GetValue<string>());
        Assert.Equal(7.2, completed.Json!["metrics"]!["inference_time"]!.GetValue<double>(), 3);
        var logs = completed.Json!["logs"]!.AsArray();
        Assert.Equal(2, logs.Count);
        Assert.All(logs, l => Assert.Equal("USER", l!["source"]!.GetValue<string>()));
        Assert.False(completed.Json!.ContainsKey("error"));
        Assert.Equal(queued["response_url"]!.GetValue<string>(), completed.Json!["response_url"]!.GetValue<string>());
        Assert.Null(completedNoLogs.Json!["logs"]);
    }

    [Fact]
    public async Task Queue_position_counts_requests_still_waiting_ahead()
    {
        await using var fal = await FalHarness.StartAsync();

        var first = await fal.SubmitAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "a" });
        var second = await fal.SubmitAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "b" });

        Assert.Equal(0, first["queue_position"]!.GetValue<int>());
        Assert.Equal(1, second["queue_position"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_result_is_400_until_completed_then_the_video_and_the_seed()
    {
        await using var fal = await FalHarness.StartAsync();
        var queued = await fal.SubmitAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "x", ["duration"] = "4s", ["seed"] = 1234 });
        var responseUrl = queued["response_url"]!.GetValue<string>();

        var early = await fal.GetAsync(responseUrl);
        fal.Advance(5);
        var result = await fal.GetAsync(responseUrl);

        Assert.Equal(HttpStatusCode.BadRequest, early.Status);
        Assert.Equal("Request is still in progress", early.Detail());
        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(queued["request_id"]!.GetValue<string>(), result.Header("x-fal-request-id"));
        var video = result.Json!["video"]!;
        Assert.Equal("video/mp4", video["content_type"]!.GetValue<string>());
        Assert.Equal("output.mp4", video["file_name"]!.GetValue<string>());
        Assert.Equal(1234, result.Json!["seed"]!.GetValue<long>());

        using var anonymous = new HttpClient();
        var download = await Reply.ReadAsync(await anonymous.GetAsync(video["url"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, download.Status);
        Assert.Equal("video/mp4", download.Message.Content.Headers.ContentType!.MediaType);
        Assert.Equal(video["file_size"]!.GetValue<long>(), download.Body.Length);
        Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(download.Body, 4, 4));
    }

    [Fact]
    public async Task Without_a_seed_veo_reports_one_and_sora_reports_a_video_id_instead()
    {
        await using var fal = await FalHarness.StartAsync();

        var veo = await fal.RunAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x", ["duration"] = "4s" });
        var sora = await fal.RunAsync("fal-ai/sora-2/text-to-video", new JsonObject { ["prompt"] = "x" });
        var reference = await fal.RunAsync("fal-ai/veo3.1/reference-to-video", new JsonObject { ["prompt"] = "x", ["image_urls"] = new JsonArray(FalHarness.PngDataUrl()) });

        Assert.True(veo["seed"]!.GetValue<long>() >= 0);
        Assert.False(sora.ContainsKey("seed"));
        Assert.StartsWith("video_", sora["video_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(reference.ContainsKey("seed"));
    }

    [Fact]
    public async Task Unknown_requests_endpoints_and_apps_are_404()
    {
        await using var fal = await FalHarness.StartAsync();
        var queued = await fal.SubmitAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x" });
        var id = queued["request_id"]!.GetValue<string>();

        var unknownId = await fal.GetAsync($"fal-ai/veo3.1/requests/{Guid.NewGuid()}/status");
        var otherApp = await fal.GetAsync($"fal-ai/sora-2/requests/{id}/status");
        var unknownEndpoint = await fal.PostAsync("fal-ai/veo9/text-to-video", new JsonObject { ["prompt"] = "x" });
        var wrongMethod = await fal.GetAsync("fal-ai/veo3.1");

        Assert.Equal(HttpStatusCode.NotFound, unknownId.Status);
        Assert.Contains("not found", unknownId.Detail(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, otherApp.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknownEndpoint.Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.Status);
        Assert.Single(fal.JobsCreated());
    }

    [Fact]
    public async Task Cancel_ends_a_queued_request_and_refuses_a_completed_one()
    {
        await using var fal = await FalHarness.StartAsync();
        var queued = await fal.SubmitAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x" });
        var done = await fal.SubmitAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "y", ["duration"] = "4s" });

        var cancel = await fal.PutAsync(queued["cancel_url"]!.GetValue<string>());
        var status = await fal.GetAsync(queued["status_url"]!.GetValue<string>());
        var result = await fal.GetAsync(queued["response_url"]!.GetValue<string>());
        fal.Advance(10);
        var later = await fal.GetAsync(queued["status_url"]!.GetValue<string>());
        var again = await fal.PutAsync(queued["cancel_url"]!.GetValue<string>());
        var completed = await fal.PutAsync(done["cancel_url"]!.GetValue<string>());
        var unknown = await fal.PutAsync($"fal-ai/veo3.1/requests/{Guid.NewGuid()}/cancel");

        Assert.Equal(HttpStatusCode.Accepted, cancel.Status);
        Assert.Equal("CANCELLATION_REQUESTED", cancel.Json!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.Equal("COMPLETED", status.Json!["status"]!.GetValue<string>());
        Assert.Equal("client_cancelled", status.Json!["error_type"]!.GetValue<string>());
        Assert.Equal(499, (int)result.Status);
        Assert.Equal("client_cancelled", result.Json!["error_type"]!.GetValue<string>());
        Assert.Equal("client_cancelled", result.Header("x-fal-error-type"));
        Assert.Equal("client_cancelled", later.Json!["error_type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("ALREADY_COMPLETED", again.Json!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, completed.Status);
        Assert.Equal("ALREADY_COMPLETED", completed.Json!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
    }

    [Fact]
    public async Task A_moderated_request_completes_with_an_error_and_its_result_is_a_content_policy_422()
    {
        await using var fal = await FalHarness.StartAsync(new EmulatorOptions(ApiKey: "fal-test-key", Faults: "moderation=1"));
        var queued = await fal.SubmitAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x", ["duration"] = "8s" });

        fal.Advance(5);
        var status = await fal.GetAsync(queued["status_url"]!.GetValue<string>() + "?logs=1");
        var result = await fal.GetAsync(queued["response_url"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.Equal("COMPLETED", status.Json!["status"]!.GetValue<string>());
        Assert.Equal("content_policy_violation", status.Json!["error_type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(status.Json!["error"]!.GetValue<string>()));
        Assert.Equal("ERROR", status.Json!["logs"]!.AsArray()[^1]!["level"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, result.Status);
        var error = result.FirstError();
        Assert.Equal("content_policy_violation", error["type"]!.GetValue<string>());
        Assert.Equal("body.prompt", error.Loc());
    }

    [Fact]
    public async Task Every_job_is_audited_once_and_rejected_submissions_create_none()
    {
        await using var fal = await FalHarness.StartAsync();

        await fal.SubmitAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "a" });
        await fal.PostAsync("fal-ai/veo3.1", new JsonObject { ["duration"] = "9s" });
        var source = await fal.RunAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "b", ["duration"] = "4s" });
        await fal.RunAsync("fal-ai/veo3.1/fast/extend-video", new JsonObject { ["prompt"] = "c", ["video_url"] = source["video"]!["url"]!.DeepClone() });
        await fal.RunAsync("fal-ai/sora-2/characters", new JsonObject { ["name"] = "Mira", ["video_url"] = source["video"]!["url"]!.DeepClone() });

        var jobs = fal.JobsCreated();
        Assert.Equal(["generate", "generate", "extend", "character"], jobs.Select(j => j["kind"]!.GetValue<string>()));
        Assert.Equal(jobs.Count, jobs.Select(j => j["job"]!.GetValue<string>()).Distinct().Count());
        Assert.All(jobs, j => Assert.Equal(64, j["fingerprint"]!.GetValue<string>().Length));
    }
}
