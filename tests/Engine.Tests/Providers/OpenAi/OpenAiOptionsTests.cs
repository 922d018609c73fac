using System.Net;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Providers.OpenAi;

public sealed class OpenAiOptionsTests
{
    [Fact]
    public void FromEnvironment_reads_the_key_and_defaults_the_base_url()
    {
        var options = OpenAiOptions.FromEnvironment(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-abc" });
        Assert.Equal("sk-abc", options.ApiKey);
        Assert.Equal(new Uri("https://api.openai.com/v1"), options.BaseUrl);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/v1")]
    [InlineData("http://127.0.0.1:8080/v1/")]
    public void FromEnvironment_reads_the_base_url_with_or_without_trailing_slash(string url)
    {
        var options = OpenAiOptions.FromEnvironment(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "k", ["OPENAI_BASE_URL"] = url });
        Assert.Equal(url, options.BaseUrl.ToString());
    }

    [Fact]
    public void FromEnvironment_with_an_empty_base_url_uses_the_default()
    {
        var options = OpenAiOptions.FromEnvironment(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "k", ["OPENAI_BASE_URL"] = " " });
        Assert.Equal(OpenAiOptions.DefaultBaseUrl, options.BaseUrl);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_key_is_a_quota_or_auth_error_that_says_how_to_set_it(string? key)
    {
        var env = new Dictionary<string, string?> { ["OPENAI_BASE_URL"] = "http://x/v1" };
        if (key is not null)
        {
            env["OPENAI_API_KEY"] = key;
        }

        var ex = Assert.Throws<ProviderException>(() => OpenAiOptions.FromEnvironment(env));
        Assert.Equal(ErrorClass.QuotaOrAuth, ex.Class);
        Assert.StartsWith("OPENAI_API_KEY is not set;", ex.Message);
        Assert.Contains("export OPENAI_API_KEY", ex.Message);
    }

    [Fact]
    public void The_provider_refuses_a_blank_key_too()
    {
        using var http = new HttpClient();
        var ex = Assert.Throws<ProviderException>(() => new OpenAiProvider(http, new OpenAiOptions("", OpenAiOptions.DefaultBaseUrl), new Retries(TimeProvider.System, new Random(1).NextDouble)));
        Assert.Equal(ErrorClass.QuotaOrAuth, ex.Class);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.com/v1")]
    public void A_bad_base_url_is_invalid(string url)
    {
        var ex = Assert.Throws<ProviderException>(() => OpenAiOptions.FromEnvironment(
            new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "k", ["OPENAI_BASE_URL"] = url }));
        Assert.Equal(ErrorClass.Invalid, ex.Class);
    }

    [Fact]
    public void ToString_masks_the_key()
    {
        var options = new OpenAiOptions(Harness.Key, OpenAiOptions.DefaultBaseUrl);
        Assert.DoesNotContain(Harness.Key, options.ToString());
        Assert.DoesNotContain(Harness.Key, $"{options}");
        Assert.Contains("api.openai.com", options.ToString());
    }

    [Fact]
    public async Task The_key_never_appears_in_exception_messages_or_logs()
    {
        using var h = new Harness();
        var request = new GenerateRequest("open", "p", "sora-2", new VideoSize(1280, 720), 8);
        var texts = new List<string>();

        async Task Capture(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (Exception ex)
            {
                texts.Add(ex.ToString());
                if (ex is ProviderException p)
                {
                    texts.Add(p.Error.ToString());
                }
            }
        }

        // A gateway that echoes the whole key in its error message, in the code and in the param.
        h.Handler.Json(Videos.Error($"Incorrect API key provided: {Harness.Key}.", param: Harness.Key, code: Harness.Key), HttpStatusCode.Unauthorized);
        await Capture(() => h.Provider.SubmitAsync(request));
        h.Handler.Enqueue(() => new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent($"bad key {Harness.Key}") });
        await Capture(() => h.Provider.GetAsync("video_1"));
        h.Handler.Throw(new HttpRequestException($"socket error with {Harness.Key}"));
        await Capture(() => h.Provider.SubmitAsync(request));
        h.Handler.Fallback = _ => FakeHandler.Response(HttpStatusCode.InternalServerError, Videos.Error($"oops {Harness.Key}"));
        await Capture(() => h.Drive(h.Provider.GetAsync("video_1")));
        h.Handler.Fallback = null;
        h.Handler.Json("""{"id":"video_1","status":"failed","error":{"code":"x","message":"m"}}""");
        await Capture(() => h.Provider.GetAsync("video_1"));

        Assert.True(texts.Count >= 5);
        Assert.True(h.Logger.Lines.Count > 5);
        Assert.All(texts, t => Assert.DoesNotContain(Harness.Key, t));
        Assert.All(h.Logger.Lines, l => Assert.DoesNotContain(Harness.Key, l));

        // ... while the header itself carries it.
        Assert.All(h.Requests, r => Assert.Equal($"Bearer {Harness.Key}", r.Headers.Authorization!.ToString()));
    }
}
