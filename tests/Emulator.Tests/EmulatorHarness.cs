using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using SkiaSharp;

namespace Reel.Emulator.Tests;

/// <summary>A running emulator on loopback, a client for its <c>/v1</c> API, and (by default) a fake clock.</summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    private EmulatorHarness(EmulatorServer server, FakeTimeProvider? time, string directory)
    {
        Server = server;
        Time = time;
        Directory = directory;
        // A generous timeout: a realistic clip is rendered by ffmpeg on its first download, which takes tens of seconds
        // when the machine runs three test projects side by side (a hang still fails the test, in 2 minutes).
        Http = new HttpClient { BaseAddress = new Uri(server.BaseAddress, "/v1/"), Timeout = TimeSpan.FromMinutes(2) };
    }

    public EmulatorServer Server { get; }

    public FakeTimeProvider? Time { get; }

    public HttpClient Http { get; }

    /// <summary>A temporary directory for the data and audit files, removed on dispose.</summary>
    public string Directory { get; }

    public string AuditPath => Path.Combine(Directory, "audit.jsonl");

    public static async Task<EmulatorHarness> StartAsync(EmulatorOptions? options = null, bool realTime = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), "reel-emulator-tests-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        options ??= new EmulatorOptions();
        options = options with
        {
            AuditPath = options.AuditPath ?? Path.Combine(directory, "audit.jsonl"),
            DataDirectory = options.DataDirectory ?? Path.Combine(directory, "data"),
        };
        var time = realTime ? null : new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var server = await EmulatorServer.StartAsync(options, time);
        return new EmulatorHarness(server, time, directory);
    }

    public void Advance(double seconds) => Time!.Advance(TimeSpan.FromSeconds(seconds));

    public async Task<Reply> PostJsonAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Reply.ReadAsync(await Http.PostAsync(path, content));
    }

    public async Task<Reply> PostJsonAsync(string path, JsonObject body) => await PostJsonAsync(path, body.ToJsonString());

    public async Task<Reply> PostFormAsync(string path, params (string Name, object Value)[] fields)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            switch (value)
            {
                case string text:
                    form.Add(new StringContent(text), name);
                    break;
                case FilePart file:
                    var part = new ByteArrayContent(file.Bytes);
                    part.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
                    form.Add(part, name, file.FileName);
                    break;
                default:
                    throw new ArgumentException($"Unsupported form value {value}");
            }
        }

        return await Reply.ReadAsync(await Http.PostAsync(path, form));
    }

    public async Task<Reply> GetAsync(string path) => await Reply.ReadAsync(await Http.GetAsync(path));

    public async Task<Reply> DeleteAsync(string path) => await Reply.ReadAsync(await Http.DeleteAsync(path));

    /// <summary>Creates a video and moves the fake clock until it completes.</summary>
    public async Task<JsonObject> CompletedVideoAsync(string prompt = "A lighthouse at dawn", string size = "1280x720", string seconds = "4", string model = "sora-2")
    {
        var created = await PostJsonAsync("videos", new JsonObject { ["prompt"] = prompt, ["model"] = model, ["size"] = size, ["seconds"] = seconds });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var id = created.Json!["id"]!.GetValue<string>();
        if (Time is not null)
        {
            Advance(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture) + 1);
        }
        else
        {
            for (var i = 0; i < 400 && (await GetAsync($"videos/{id}")).Json!["status"]!.GetValue<string>() != "completed"; i++)
            {
                await Task.Delay(25);
            }
        }

        var video = (await GetAsync($"videos/{id}")).Json!;
        Assert.Equal("completed", video["status"]!.GetValue<string>());
        return video;
    }

    public List<JsonObject> AuditLines() =>
        File.Exists(AuditPath)
            ? [.. File.ReadAllLines(AuditPath).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())]
            : [];

    public static byte[] Png(int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(new SKColor(40, 120, 200));
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    public static string DataUrl(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed record FilePart(byte[] Bytes, string FileName, string ContentType);

/// <summary>A response read in full.</summary>
internal sealed record Reply(HttpStatusCode Status, HttpResponseMessage Message, byte[] Body)
{
    public JsonObject? Json => Body.Length > 0 && Message.Content.Headers.ContentType?.MediaType == "application/json"
        ? JsonNode.Parse(Body)!.AsObject()
        : null;

    public string? ErrorParam => Json?["error"]?["param"]?.GetValue<string>();

    public string? ErrorCode => Json?["error"]?["code"]?.GetValue<string>();

    public string? ErrorMessage => Json?["error"]?["message"]?.GetValue<string>();

    public string? Header(string name) =>
        Message.Headers.TryGetValues(name, out var values) || Message.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;

    public static async Task<Reply> ReadAsync(HttpResponseMessage message) =>
        new(message.StatusCode, message, await message.Content.ReadAsByteArrayAsync());
}
