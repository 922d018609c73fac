using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Fal;

/// <summary>An <see cref="EmulatorHarness"/> (fake clock by default) with a client on the emulator root sending <c>Authorization: Key …</c>.</summary>
internal sealed class FalHarness : IAsyncDisposable
{
    private FalHarness(EmulatorHarness emulator, string key)
    {
        Emulator = emulator;
        Root = emulator.Server.BaseAddress.ToString().TrimEnd('/');
        Http = new HttpClient { BaseAddress = emulator.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Key", key);
    }

    public EmulatorHarness Emulator { get; }

    public HttpClient Http { get; }

    /// <summary><c>http://127.0.0.1:N</c>, without a trailing slash.</summary>
    public string Root { get; }

    public static async Task<FalHarness> StartAsync(EmulatorOptions? options = null, string key = "fal-test-key") =>
        new(await EmulatorHarness.StartAsync(options ?? new EmulatorOptions(ApiKey: "fal-test-key")), key);

    public void Advance(double seconds) => Emulator.Advance(seconds);

    public async Task<Reply> PostAsync(string path, JsonObject body) => await PostAsync(path, body.ToJsonString());

    public async Task<Reply> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Reply.ReadAsync(await Http.PostAsync(path, content));
    }

    public async Task<Reply> GetAsync(string pathOrUrl) => await Reply.ReadAsync(await Http.GetAsync(pathOrUrl));

    public async Task<Reply> PutAsync(string pathOrUrl, HttpContent? content = null) => await Reply.ReadAsync(await Http.PutAsync(pathOrUrl, content));

    /// <summary>Submits and returns the queue object (asserting 200).</summary>
    public async Task<JsonObject> SubmitAsync(string endpoint, JsonObject input)
    {
        var reply = await PostAsync(endpoint, input);
        Assert.True(reply.Status == HttpStatusCode.OK, $"{endpoint} → {(int)reply.Status} {Encoding.UTF8.GetString(reply.Body)}");
        return reply.Json!;
    }

    /// <summary>Submits, moves the clock past the job's end, and returns the result body.</summary>
    public async Task<JsonObject> RunAsync(string endpoint, JsonObject input, double advance = 30)
    {
        var queued = await SubmitAsync(endpoint, input);
        Advance(advance);
        var result = await GetAsync(queued["response_url"]!.GetValue<string>());
        Assert.True(result.Status == HttpStatusCode.OK, $"result → {(int)result.Status} {Encoding.UTF8.GetString(result.Body)}");
        return result.Json!;
    }

    /// <summary>Uploads bytes the way the fal client does (initiate, then PUT) and returns the file URL.</summary>
    public async Task<string> UploadAsync(byte[] bytes, string contentType, string fileName)
    {
        var initiated = await PostAsync("storage/upload/initiate?storage_type=fal-cdn-v3", new JsonObject { ["content_type"] = contentType, ["file_name"] = fileName });
        Assert.Equal(HttpStatusCode.OK, initiated.Status);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var anonymous = new HttpClient();
        var put = await anonymous.PutAsync(initiated.Json!["upload_url"]!.GetValue<string>(), content);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return initiated.Json!["file_url"]!.GetValue<string>();
    }

    public List<JsonObject> JobsCreated() => [.. Emulator.AuditLines().Where(l => l["event"]?.GetValue<string>() == "job.created")];

    public static string PngDataUrl(int width = 1280, int height = 720) => EmulatorHarness.DataUrl(EmulatorHarness.Png(width, height));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

internal static class FalReplies
{
    /// <summary>The first pydantic error of a 422, <c>detail[0]</c>.</summary>
    public static JsonObject FirstError(this Reply reply) => reply.Json!["detail"]!.AsArray()[0]!.AsObject();

    public static string Loc(this JsonObject error) => string.Join(".", error["loc"]!.AsArray().Select(n => n!.ToString()));

    public static string Detail(this Reply reply) => reply.Json!["detail"]!.GetValue<string>();
}
