using System.Net;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Faults;

public sealed class FaultTests
{
    [Fact]
    public async Task A_429_carries_retry_after_headers_and_creates_nothing()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "429=1"));

        var reply = await emulator.PostJsonAsync("videos", """{"prompt":"x"}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal("1", reply.Header("retry-after"));
        Assert.Equal("1000", reply.Header("retry-after-ms"));
        Assert.Equal("rate_limit_exceeded", reply.ErrorCode);
        Assert.DoesNotContain(emulator.AuditLines(), l => l["event"] is not null);
    }

    [Theory]
    [InlineData("500=1", HttpStatusCode.InternalServerError)]
    [InlineData("503=1", HttpStatusCode.ServiceUnavailable)]
    public async Task Server_errors_have_an_error_body_and_create_nothing(string faults, HttpStatusCode status)
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: faults));

        var reply = await emulator.PostJsonAsync("videos", """{"prompt":"x"}""");

        Assert.Equal(status, reply.Status);
        Assert.Equal("server_error", reply.Json!["error"]!["type"]!.GetValue<string>());
        Assert.DoesNotContain(emulator.AuditLines(), l => l["event"] is not null);
    }

    [Fact]
    public async Task Poll503_answers_status_polls_only()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "poll503=1"));

        var created = await emulator.PostJsonAsync("videos", """{"prompt":"x","seconds":"4"}""");
        var poll = await emulator.GetAsync($"videos/{created.Json!["id"]!.GetValue<string>()}");
        var list = await emulator.GetAsync("videos?limit=1");

        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, poll.Status);
        Assert.Equal("server_error", poll.Json!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, list.Status);
    }

    [Fact]
    public void Poll503_is_a_known_fault_with_a_rate()
    {
        Assert.Equal(0.5, Reel.Emulator.Faults.FaultProfile.Parse("poll503=0.5").PollUnavailable);
        Assert.Contains("poll503", Assert.Throws<ArgumentException>(() => Reel.Emulator.Faults.FaultProfile.Parse("poll=1")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reset_processes_the_request_then_drops_the_connection()
    {
        // Reset at rate 0.5: find a seed whose first draw resets and whose second does not.
        var seed = Enumerable.Range(0, 1000).First(s =>
        {
            var random = new Random(s);
            return random.NextDouble() < 0.5 && random.NextDouble() >= 0.5;
        });
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "reset=0.5", Seed: seed));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => emulator.PostJsonAsync("videos", """{"prompt":"paid for"}"""));
        var list = await emulator.GetAsync("videos");

        Assert.Equal(HttpStatusCode.OK, list.Status);
        var job = Assert.Single(list.Json!["data"]!.AsArray());
        Assert.Equal("paid for", job!["prompt"]!.GetValue<string>());
        var audit = emulator.AuditLines();
        Assert.Contains(audit, l => l["event"]?.GetValue<string>() == "job.created");
        Assert.Contains(audit, l => l["path"]?.GetValue<string>() == "/v1/videos" && l["method"]!.GetValue<string>() == "POST" && l["status"]!.GetValue<int>() == 0);
    }

    [Fact]
    public async Task Createreset_loses_the_answer_of_creating_requests_only()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "createreset=1"));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => emulator.PostJsonAsync("videos", """{"prompt":"paid for"}"""));
        var list = await emulator.GetAsync("videos");
        var upload = await emulator.PostFormAsync("files", ("purpose", "batch"), ("file", new FilePart("{}\n"u8.ToArray(), "in.jsonl", "application/jsonl")));

        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal("paid for", Assert.Single(list.Json!["data"]!.AsArray())!["prompt"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, upload.Status);
        Assert.Single(emulator.AuditLines(), l => l["event"]?.GetValue<string>() == "job.created");
    }

    [Fact]
    public async Task Createdrop_drops_creating_requests_before_anything_is_created()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "createdrop=1"));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => emulator.PostJsonAsync("videos", """{"prompt":"never made"}"""));
        var list = await emulator.GetAsync("videos");

        Assert.Empty(list.Json!["data"]!.AsArray());
        Assert.DoesNotContain(emulator.AuditLines(), l => l["event"] is not null);
    }

    [Theory]
    [InlineData("createreset=1.5")]
    [InlineData("createdrop=0.6,createreset=0.6")]
    [InlineData("create=1")]
    public void Create_faults_are_checked(string profile)
    {
        Assert.Throws<ArgumentException>(() => Reel.Emulator.Faults.FaultProfile.Parse(profile));
    }

    [Fact]
    public async Task A_truncated_download_announces_the_full_length_but_sends_less()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "truncate=1"));
        var video = await emulator.CompletedVideoAsync();

        using var response = await emulator.Http.GetAsync($"videos/{video["id"]}/content", HttpCompletionOption.ResponseHeadersRead);
        var announced = response.Content.Headers.ContentLength;
        var received = 0L;
        var failed = false;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[8192];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                received += n;
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            failed = true;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(announced);
        Assert.True(received < announced, $"received {received} of {announced}");
        Assert.True(failed, "the client should see the connection drop");
    }

    [Fact]
    public async Task A_moderated_job_ends_failed_with_moderation_blocked()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "moderation=1"));
        var id = (await emulator.PostJsonAsync("videos", """{"prompt":"x","seconds":"8"}""")).Json!["id"]!.GetValue<string>();

        emulator.Advance(9);
        var video = (await emulator.GetAsync($"videos/{id}")).Json!;

        Assert.Equal("failed", video["status"]!.GetValue<string>());
        Assert.Equal("moderation_blocked", video["error"]!["code"]!.GetValue<string>());
        Assert.Equal("Your request was blocked by our moderation system.", video["error"]!["message"]!.GetValue<string>());
        var download = await emulator.GetAsync($"videos/{id}/content");
        Assert.Equal(HttpStatusCode.BadRequest, download.Status);
        Assert.Equal("video_failed", download.ErrorCode);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_faults()
    {
        async Task<string> RunAsync(int seed)
        {
            await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "429=0.2,500=0.1,503=0.1", Seed: seed));
            var statuses = new List<int>();
            for (var i = 0; i < 30; i++)
            {
                statuses.Add((int)(await emulator.GetAsync("videos")).Status);
            }

            return string.Join(",", statuses);
        }

        var first = await RunAsync(7);
        Assert.Equal(first, await RunAsync(7));
        Assert.NotEqual(first, await RunAsync(8));
        Assert.Contains("429", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Faults_do_not_apply_outside_v1()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: "500=1"));
        using var client = new HttpClient { BaseAddress = emulator.Server.BaseAddress };

        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("418=0.1")]
    [InlineData("429=2")]
    [InlineData("429")]
    [InlineData("429=0.6,500=0.6")]
    public async Task A_bad_fault_profile_is_rejected_at_start(string faults)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => EmulatorServer.StartAsync(new EmulatorOptions(Faults: faults)));
        Assert.Contains(faults.Split('=')[0], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_full_profile_from_the_design_parses()
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions(Faults: "429=0.1,500=0.05,503=0.05,reset=0.05,truncate=0.05,moderation=0.02", Seed: 7));
        Assert.True(server.Port > 0);
    }
}
