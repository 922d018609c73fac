using System.Net;

namespace Reel.Emulator.Tests.Google;

public sealed class GoogleFaultTests
{
    [Theory]
    [InlineData("429=1", HttpStatusCode.TooManyRequests, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).")]
    [InlineData("500=1", HttpStatusCode.InternalServerError, "INTERNAL", "Internal error encountered.")]
    [InlineData("503=1", HttpStatusCode.ServiceUnavailable, "UNAVAILABLE", "The service is currently unavailable.")]
    public async Task Injected_faults_have_googles_error_body_on_both_apis_and_create_nothing(string faults, HttpStatusCode status, string googleStatus, string message)
    {
        await using var emulator = await Veo.StartAsync(faults);

        var gemini = await emulator.GeminiGenerateAsync("""{"prompt":"x"}""");
        var vertex = await emulator.VertexGenerateAsync("""{"prompt":"x"}""");

        gemini.AssertGoogleError(status, googleStatus, message);
        vertex.AssertGoogleError(status, googleStatus, message);
        Assert.Equal(0, emulator.JobsCreated());
    }

    [Fact]
    public async Task A_reset_creates_the_operation_but_drops_the_answer()
    {
        var seed = Enumerable.Range(0, 1000).First(s => new Random(s).NextDouble() < 0.5);
        await using var emulator = await Veo.StartAsync("reset=0.5", seed);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => emulator.GeminiGenerateAsync("""{"prompt":"paid for"}"""));

        Assert.Equal(1, emulator.JobsCreated());
    }

    [Fact]
    public async Task A_gemini_download_may_be_truncated()
    {
        await using var emulator = await Veo.StartAsync("truncate=1");
        var uri = Veo.FirstUri(await emulator.GeminiCompletedAsync());
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Add("x-goog-api-key", Veo.Key);

        using var response = await emulator.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var announced = response.Content.Headers.ContentLength;
        var received = 0L;
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
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(received < announced, $"received {received} of {announced}");
    }

    [Fact]
    public async Task Vertex_inline_bytes_are_never_truncated()
    {
        await using var emulator = await Veo.StartAsync("truncate=1");

        var done = await emulator.VertexCompletedAsync();

        Veo.Probe(Veo.InlineVideo(done));
    }
}
