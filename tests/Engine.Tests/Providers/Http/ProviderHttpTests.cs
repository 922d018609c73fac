using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Tests.Providers.OpenAi;

namespace Reel.Engine.Tests.Providers.Http;

/// <summary>The transport's exactly-once rules for creating requests: what counts as "got no answer".</summary>
public sealed class ProviderHttpTests
{
    [Fact]
    public async Task A_created_job_whose_answer_body_is_lost_is_marked_unanswered()
    {
        var transport = Transport(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new ChunkedStream(Encoding.UTF8.GetBytes("{\"id\":\"video_1\","), failAfter: 16)) });

        var ex = await Assert.ThrowsAsync<ProviderException>(() => transport.PostJsonOnceAsync(Post(), CancellationToken.None));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.True(ex.Unanswered, "a 200 whose body was lost may have created a job");
    }

    [Fact]
    public async Task A_created_job_whose_answer_is_cut_short_json_is_marked_unanswered()
    {
        var transport = Transport(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"id\":\"video_1\",\"sta", Encoding.UTF8, "application/json") });

        var ex = await Assert.ThrowsAsync<ProviderException>(() => transport.PostJsonOnceAsync(Post(), CancellationToken.None));

        Assert.True(ex.Unanswered);
    }

    [Fact]
    public async Task An_error_answer_is_not_unanswered_and_is_sent_once()
    {
        var calls = 0;
        var transport = Transport(_ =>
        {
            calls++;
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("{\"error\":{\"message\":\"busy\"}}", Encoding.UTF8, "application/json") };
        });

        var ex = await Assert.ThrowsAsync<ProviderException>(() => transport.PostJsonOnceAsync(Post(), CancellationToken.None));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.False(ex.Unanswered);
        Assert.Equal(1, calls);
    }

    private static HttpRequestMessage Post() => new(HttpMethod.Post, "https://provider.test/v1/videos") { Content = new StringContent("{}") };

    private static ProviderHttp Transport(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        var profile = new HttpProfile(
            "test",
            "sk-test",
            r => r.Headers.Add("Authorization", "Bearer sk-test"),
            (status, _) => new WireFailure((int)status >= 500 ? ErrorClass.Transient : ErrorClass.Invalid, "failed"),
            "");
        return new ProviderHttp(new HttpClient(new Answering(answer)), profile, new Retries(new FakeTimeProvider(), () => 0.5), NullLogger.Instance);
    }

    private sealed class Answering(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
