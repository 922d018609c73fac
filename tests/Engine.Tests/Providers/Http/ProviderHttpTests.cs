using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Storage;
using Reel.Engine.Tests.Providers.OpenAi;
using Reel.Engine.Tests.Storage;

namespace Reel.Engine.Tests.Providers.Http;

/// <summary>
/// The transport's exactly-once rules for creating requests (what counts as "got no answer"), and downloads larger
/// than the chunks they are received in.
/// </summary>
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

    [Fact]
    public async Task A_download_of_several_chunks_cut_mid_way_resumes_into_the_store_and_hashes_to_its_bytes()
    {
        var bytes = RandomNumberGenerator.GetBytes(3_500_000);
        var ranges = new List<RangeHeaderValue?>();
        var time = new FakeTimeProvider();
        var transport = Transport(
            request =>
            {
                ranges.Add(request.Headers.Range);
                var from = (int)(request.Headers.Range?.Ranges.Single().From ?? 0);
                var response = Body(bytes[from..], failAfter: from == 0 ? 2_300_000 : int.MaxValue);
                response.Headers.AcceptRanges.Add("bytes");
                response.Headers.ETag = new EntityTagHeaderValue("\"v1\"");
                if (from > 0)
                {
                    response.StatusCode = HttpStatusCode.PartialContent;
                    response.Content.Headers.ContentRange = new ContentRangeHeaderValue(from, bytes.Length - 1, bytes.Length);
                }

                return response;
            },
            time);
        using var dir = new TempDirectory();
        var store = new ObjectStore(dir.Path);
        StoredObject stored;
        await using (var writer = store.CreateWriter())
        {
            await Drive(transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, "https://provider.test/v1/videos/v/content"), writer, "v", CancellationToken.None), time);
            stored = await writer.CommitAsync();
        }

        Assert.Equal(2, ranges.Count);
        Assert.Equal("bytes=2300000-", ranges[1]?.ToString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.PathOf(stored.Sha256)));
    }

    [Fact]
    public async Task A_download_dropped_after_several_chunks_holds_every_byte_that_arrived_before_it_is_reported()
    {
        var bytes = RandomNumberGenerator.GetBytes(3_000_000);
        var transport = Transport(_ => Body(bytes, failAfter: 2_600_001));
        using var destination = new ForwardOnlyStream();

        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            transport.DownloadAsync(() => new HttpRequestMessage(HttpMethod.Get, "https://provider.test/v1/videos/v/content"), destination, "v", CancellationToken.None));

        Assert.Contains("truncated download: got 2600001 of 3000000 bytes", ex.Message);
        Assert.Equal(bytes[..2_600_001], destination.ToArray());
    }

    private static HttpResponseMessage Body(byte[] bytes, int failAfter)
    {
        var content = new StreamContent(new ChunkedStream(bytes, failAfter, piece: read => 50_000 + (read % 7 * 11_111)));
        content.Headers.ContentLength = bytes.Length;
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static async Task Drive(Task task, FakeTimeProvider time)
    {
        for (var i = 0; i < 200 && !task.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(task, Task.Delay(1));
        }

        await task;
    }

    private static HttpRequestMessage Post() => new(HttpMethod.Post, "https://provider.test/v1/videos") { Content = new StringContent("{}") };

    private static ProviderHttp Transport(Func<HttpRequestMessage, HttpResponseMessage> answer, FakeTimeProvider? time = null)
    {
        var profile = new HttpProfile(
            "test",
            "sk-test",
            r => r.Headers.Add("Authorization", "Bearer sk-test"),
            (status, _) => new WireFailure((int)status >= 500 ? ErrorClass.Transient : ErrorClass.Invalid, "failed"),
            "");
        return new ProviderHttp(new HttpClient(new Answering(answer)), profile, new Retries(time ?? new FakeTimeProvider(), () => 0.5), NullLogger.Instance);
    }

    private sealed class Answering(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
