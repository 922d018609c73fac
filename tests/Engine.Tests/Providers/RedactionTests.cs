using System.Net;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Fal;
using Reel.Engine.Providers.Http;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Providers.Veo;
using Reel.Engine.Tests.Providers.OpenAi;

namespace Reel.Engine.Tests.Providers;

/// <summary>
/// Issue 18, point 9: whatever a provider echoes — in a failed job's error, a listing, a batch result or an HTTP error —
/// never carries the key or the credentials of the base URL into a message.
/// </summary>
public sealed class RedactionTests
{
    private const string Key = "sk-redact-KEY-5b7d9e";
    private const string Password = "url-pa55word";
    private const string QueryToken = "qtoken-8842aa";

    /// <summary>A base URL with a password and a token in its query: both are secrets, as the key is.</summary>
    private static readonly Uri BaseUrl = new($"http://reel:{Password}@127.0.0.1:9/v1?key={QueryToken}");

    /// <summary>What a hostile server puts in every error it writes.</summary>
    private const string Echo = $"your key {Key} and {Password} and {QueryToken} were refused";

    private static void AssertClean(string? text)
    {
        Assert.NotNull(text);
        Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain(QueryToken, text, StringComparison.Ordinal);
    }

    private static void AssertClean(ProviderError? error)
    {
        Assert.NotNull(error);
        AssertClean(error.Message);
        Assert.Contains("***", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Code ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Param ?? string.Empty, StringComparison.Ordinal);
    }

    private static Retries NewRetries() => new(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), new Random(1).NextDouble);

    private static OpenAiProvider OpenAi(FakeHandler handler) =>
        new(new HttpClient(handler), new OpenAiOptions(Key, BaseUrl), NewRetries());

    [Fact]
    public async Task A_failed_openai_job_that_echoes_the_key_and_url_password_is_redacted_on_poll()
    {
        var handler = new FakeHandler().Json($$$"""{"id":"video_1","status":"failed","error":{"code":"bad_{{{Key}}}","message":"{{{Echo}}}"}}""");

        var status = await OpenAi(handler).GetAsync("video_1");

        Assert.Equal(JobState.Failed, status.State);
        AssertClean(status.Error);
    }

    [Fact]
    public async Task Listed_openai_jobs_are_redacted_too()
    {
        var handler = new FakeHandler().Json($$$"""{"data":[{"id":"video_2","status":"failed","created_at":1777636800,"error":"{{{Echo}}}"}],"has_more":false}""");

        var listed = await OpenAi(handler).ListRecentAsync(DateTimeOffset.FromUnixTimeSeconds(1777636700));

        AssertClean(Assert.Single(listed).Error);
    }

    [Fact]
    public async Task Openai_batch_results_and_errors_are_redacted()
    {
        var output = ("""{"custom_id":"a","response":{"status_code":200,"body":{"id":"video_a","status":"failed","error":{"code":"x","message":"ECHO"}}}}""" + "\n"
            + """{"custom_id":"b","response":{"status_code":400,"body":{"error":{"message":"ECHO","param":"KEY","code":"KEY"}}}}""" + "\n"
            + """{"custom_id":"c","error":{"code":"KEY","message":"ECHO"}}""" + "\n")
            .Replace("ECHO", Echo, StringComparison.Ordinal).Replace("KEY", Key, StringComparison.Ordinal);
        var handler = new FakeHandler()
            .Json("""{"id":"batch_1","status":"completed","output_file_id":"file_out"}""")
            .Enqueue(() => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(output) });
        GenerateRequest Generate(string id) => new(id, "p " + id, "sora-2", new VideoSize(1280, 720), 4);

        var results = await OpenAi(handler).CompleteBatchAsync("batch_1", [Generate("a"), Generate("b"), Generate("c")]);

        Assert.All(results, r => AssertClean(r.Error));
    }

    [Fact]
    public async Task An_http_error_echoing_the_url_password_is_redacted_on_download()
    {
        var handler = new FakeHandler().Json(Videos.Error(Echo), HttpStatusCode.BadRequest);
        using var sink = new MemoryStream();

        var ex = await Assert.ThrowsAsync<ProviderException>(() => OpenAi(handler).DownloadAsync("video_1", ContentVariant.Video, sink));

        AssertClean(ex.Message);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public async Task A_failed_fal_job_that_echoes_the_key_is_redacted()
    {
        var root = BaseUrl;
        var handler = new FakeHandler().Json($$$"""{"status":"COMPLETED","error":"{{{Echo}}}","error_type":"{{{Key}}}"}""");
        var fal = new FalProvider(new HttpClient(handler), new FalOptions(Key, root, root), NewRetries());

        var status = await fal.GetAsync("fal-ai/veo3.1:req-1");

        Assert.Equal(JobState.Failed, status.State);
        AssertClean(status.Error);
    }

    [Theory]
    [InlineData(VeoBackend.Gemini)]
    [InlineData(VeoBackend.Vertex)]
    public async Task A_failed_veo_operation_that_echoes_the_key_is_redacted(VeoBackend backend)
    {
        var handler = new FakeHandler().Json($$$"""{"name":"x","done":true,"error":{"code":3,"message":"{{{Echo}}}"}}""");
        var options = new VeoOptions(backend, Key, backend == VeoBackend.Vertex, BaseUrl, "demo", "us-central1");
        var veo = new VeoProvider(new HttpClient(handler), options, NewRetries());
        var job = backend == VeoBackend.Gemini
            ? "models/veo-3.1-generate-preview/operations/op1"
            : "projects/demo/locations/us-central1/publishers/google/models/veo-3.1-generate-001/operations/op1";

        var status = await veo.GetAsync(job);

        Assert.Equal(JobState.Failed, status.State);
        AssertClean(status.Error);
    }

    [Theory]
    [InlineData("http://reel:url-pa55word@127.0.0.1:9/v1", new[] { "reel:url-pa55word", "url-pa55word" })]
    [InlineData("http://a-long-token-as-user-0001@127.0.0.1:9/v1", new[] { "a-long-token-as-user-0001" })]
    [InlineData("http://127.0.0.1:9/v1?api-key=qtoken-8842aa&x=1", new[] { "qtoken-8842aa" })]
    [InlineData("http://127.0.0.1:9/v1?key=a%2Fb%2Bsecret", new[] { "a%2Fb%2Bsecret", "a/b+secret" })]
    [InlineData("http://127.0.0.1:9/v1", new string[0])]
    public void The_credentials_in_a_base_url_are_secrets(string url, string[] expected)
    {
        Assert.Equal(expected.OrderBy(s => s), ProviderEnvironment.UrlSecrets(new Uri(url)).OrderBy(s => s));
    }

    [Fact]
    public void A_malformed_base_url_is_named_without_its_credentials()
    {
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = Key, ["OPENAI_BASE_URL"] = $"ftp://reel:{Password}@127.0.0.1/v1?key={QueryToken}" };

        var ex = Assert.Throws<ProviderException>(() => OpenAiOptions.FromEnvironment(env));

        AssertClean(ex.Message);
        Assert.Contains("ftp://***@127.0.0.1/v1?key=***", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_print_their_base_url_without_credentials()
    {
        var url = new Uri($"http://reel:{Password}@127.0.0.1:9/v1?key={QueryToken}");

        AssertClean(new OpenAiOptions(Key, url).ToString());
        AssertClean(new FalOptions(Key, url, url).ToString());
        AssertClean(new VeoOptions(VeoBackend.Gemini, Key, false, url, null, null).ToString());
    }
}
