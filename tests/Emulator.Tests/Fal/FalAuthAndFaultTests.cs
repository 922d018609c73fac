using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Fal;

public sealed class FalAuthAndFaultTests
{
    [Fact]
    public async Task With_an_api_key_set_only_that_key_is_accepted()
    {
        await using var fal = await FalHarness.StartAsync();
        var body = new JsonObject { ["prompt"] = "x" };

        var right = await fal.PostAsync("fal-ai/veo3.1", body);
        fal.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Key", "wrong");
        var wrong = await fal.PostAsync("fal-ai/veo3.1", body);
        var status = await fal.GetAsync(right.Json!["status_url"]!.GetValue<string>());
        fal.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "fal-test-key");
        var bearer = await fal.PostAsync("fal-ai/veo3.1", body);
        fal.Http.DefaultRequestHeaders.Authorization = null;
        var missing = await fal.PostAsync("fal-ai/veo3.1", body);

        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.DoesNotContain("wrong", wrong.Detail(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, status.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, bearer.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.False(string.IsNullOrEmpty(missing.Detail()));
        Assert.Single(fal.JobsCreated());
    }

    [Fact]
    public async Task Without_an_api_key_any_key_is_accepted_but_one_is_still_required()
    {
        await using var fal = await FalHarness.StartAsync(new EmulatorOptions(), key: "anything");

        var ok = await fal.PostAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x" });
        fal.Http.DefaultRequestHeaders.Authorization = null;
        var missing = await fal.PostAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x" });

        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
    }

    [Fact]
    public async Task A_429_has_a_detail_and_retry_after_and_creates_nothing()
    {
        await using var fal = await FalHarness.StartAsync(new EmulatorOptions(ApiKey: "fal-test-key", Faults: "429=1"));

        var reply = await fal.PostAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x" });

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal("1", reply.Header("retry-after"));
        Assert.Equal("true", reply.Header("x-fal-retryable"));
        Assert.False(string.IsNullOrEmpty(reply.Detail()));
        Assert.Empty(fal.JobsCreated());
    }

    [Theory]
    [InlineData("500=1", HttpStatusCode.InternalServerError, "internal_error")]
    [InlineData("503=1", HttpStatusCode.ServiceUnavailable, "runner_scheduling_failure")]
    public async Task Server_errors_have_a_detail_and_an_error_type(string faults, HttpStatusCode status, string type)
    {
        await using var fal = await FalHarness.StartAsync(new EmulatorOptions(ApiKey: "fal-test-key", Faults: faults));

        var reply = await fal.PostAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "x" });

        Assert.Equal(status, reply.Status);
        Assert.Equal(type, reply.Json!["error_type"]!.GetValue<string>());
        Assert.Equal(type, reply.Header("x-fal-error-type"));
        Assert.False(string.IsNullOrEmpty(reply.Detail()));
        Assert.Empty(fal.JobsCreated());
    }

    [Fact]
    public async Task A_reset_submission_still_creates_the_job()
    {
        await using var fal = await FalHarness.StartAsync(new EmulatorOptions(ApiKey: "fal-test-key", Faults: "reset=1"));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => fal.PostAsync("fal-ai/veo3.1", new JsonObject { ["prompt"] = "paid for" }));

        Assert.Single(fal.JobsCreated());
    }
}
