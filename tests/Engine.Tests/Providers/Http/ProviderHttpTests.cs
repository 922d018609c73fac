using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Tests.Providers.Http;

/// <summary>The transport's exactly-once rules for creating requests: what counts as "got no answer".</summary>
public sealed class ProviderHttpTests
{
    [Fact]
    public async Task A_created_job_whose_answer_body_is_lost_is_marked_unanswered()
    {
        var transport = Transport(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new BreakingStream("{\"id\":\"video_1\",")) });

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

    /// <summary>A response body that delivers its start and then drops, as a reset connection does.</summary>
    private sealed class BreakingStream(string start) : Stream
    {
        private readonly byte[] _start = Encoding.UTF8.GetBytes(start);
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= _start.Length)
            {
                throw new IOException("connection reset by peer");
            }

            var n = Math.Min(count, _start.Length - _position);
            Array.Copy(_start, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
