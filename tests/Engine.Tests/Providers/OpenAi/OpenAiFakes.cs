using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Providers.Http;
using Reel.Engine.Providers.OpenAi;

namespace Reel.Engine.Tests.Providers.OpenAi;

/// <summary>A request as the fake server saw it (body captured at send time).</summary>
internal sealed record Recorded(HttpMethod Method, Uri Uri, HttpRequestHeaders Headers, string? ContentType, byte[] Body)
{
    public string Path => Uri.AbsolutePath;

    public string BodyText => Encoding.UTF8.GetString(Body);

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Query(string name) =>
        Uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p[0] == name)
            .Select(p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty))
            .FirstOrDefault();

    public IReadOnlyList<FormPart> Form()
    {
        var boundary = MediaTypeHeaderValue.Parse(ContentType!).Parameters.Single(p => p.Name == "boundary").Value!.Trim('"');
        var text = Encoding.Latin1.GetString(Body);
        var parts = new List<FormPart>();
        foreach (var segment in text.Split("--" + boundary).Skip(1))
        {
            if (segment.StartsWith("--", StringComparison.Ordinal))
            {
                break;
            }

            var s = segment[2..]; // leading CRLF
            var split = s.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var headers = s[..split].Split("\r\n");
            var body = s[(split + 4)..^2]; // trailing CRLF
            var disposition = headers.First(h => h.StartsWith("Content-Disposition", StringComparison.OrdinalIgnoreCase));
            var name = Regex.Match(disposition, "name=\"([^\"]*)\"").Groups[1].Value;
            var file = Regex.Match(disposition, "filename=\"([^\"]*)\"");
            var type = headers.FirstOrDefault(h => h.StartsWith("Content-Type", StringComparison.OrdinalIgnoreCase))?.Split(':', 2)[1].Trim();
            parts.Add(new FormPart(name, file.Success ? file.Groups[1].Value : null, type, Encoding.Latin1.GetBytes(body)));
        }

        return parts;
    }
}

internal sealed record FormPart(string Name, string? FileName, string? ContentType, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>A scripted server: each request takes the next queued responder (or the fallback).</summary>
internal sealed class FakeHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<HttpRequestMessage, CancellationToken, HttpResponseMessage>> _queue = new();

    public List<Recorded> Requests { get; } = [];

    public Func<HttpRequestMessage, HttpResponseMessage>? Fallback { get; set; }

    public FakeHandler Enqueue(Func<HttpRequestMessage, CancellationToken, HttpResponseMessage> responder)
    {
        _queue.Enqueue(responder);
        return this;
    }

    public FakeHandler Enqueue(Func<HttpResponseMessage> responder) => Enqueue((_, _) => responder());

    public FakeHandler Json(string json, HttpStatusCode status = HttpStatusCode.OK, params (string Name, string Value)[] headers) =>
        Enqueue(() => Response(status, json, headers));

    public FakeHandler Throw(Exception ex) => Enqueue((_, _) => throw ex);

    public static HttpResponseMessage Response(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add(new Recorded(request.Method, request.RequestUri!, request.Headers, request.Content?.Headers.ContentType?.ToString(), body));
        }

        var responder = _queue.TryDequeue(out var r) ? r : Fallback is { } f ? (_, _) => f(request) : null;
        if (responder is null)
        {
            throw new InvalidOperationException($"unexpected request {request.Method} {request.RequestUri}");
        }

        var response = responder(request, cancellationToken);
        response.RequestMessage ??= request;
        return response;
    }
}

/// <summary>Captures every log line and exception text.</summary>
internal sealed class CapturingLogger : ILogger<OpenAiProvider>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Lines.Enqueue($"{logLevel} {eventId}: {formatter(state, exception)} {exception}");
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (k, v) in values)
            {
                Lines.Enqueue($"  {k}={v}");
            }
        }
    }
}

/// <summary>A provider wired to a fake server, fake clock and capturing logger.</summary>
internal sealed class Harness : IDisposable
{
    public const string Key = "sk-test-SUPERSECRET-0123456789";

    public Harness(string baseUrl = "https://api.example.test/v1")
    {
        Client = new HttpClient(Handler);
        Provider = new OpenAiProvider(Client, new OpenAiOptions(Key, new Uri(baseUrl)), new Retries(Time, new Random(1).NextDouble), Logger);
    }

    public FakeHandler Handler { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

    public CapturingLogger Logger { get; } = new();

    public HttpClient Client { get; }

    public OpenAiProvider Provider { get; }

    public List<Recorded> Requests => Handler.Requests;

    /// <summary>Advances the fake clock in <paramref name="step"/>s until <paramref name="task"/> ends.</summary>
    public async Task<T> Drive<T>(Task<T> task, TimeSpan? step = null, int maxSteps = 2000)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            Time.Advance(step ?? TimeSpan.FromSeconds(1));
            await Task.WhenAny(task, Task.Delay(1));
        }

        return await task;
    }

    public async Task Drive(Task task, TimeSpan? step = null, int maxSteps = 2000) =>
        await Drive(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return 0; }, TaskScheduler.Default), step, maxSteps);

    public void Dispose() => Client.Dispose();
}

internal static class Videos
{
    public static string Video(string id, string status = "queued", int progress = 0, long createdAt = 1777636800, string extra = "") =>
        $$"""{"id":"{{id}}","object":"video","model":"sora-2","status":"{{status}}","progress":{{progress}},"created_at":{{createdAt}},"completed_at":null,"expires_at":null,"prompt":"p {{id}}","size":"1280x720","seconds":"8","remixed_from_video_id":null,"error":null,"quality":"standard"{{extra}}}""";

    public static string Error(string message, string type = "invalid_request_error", string? param = null, string? code = null) =>
        JsonSerializer.Serialize(new { error = new { message, type, param, code } });
}

/// <summary>A destination that can't seek (a pipe, a socket): a download written into it can't be rewound.</summary>
internal sealed class ForwardOnlyStream : MemoryStream
{
    public override bool CanSeek => false;
}

/// <summary>
/// A response body that arrives in pieces and drops after <c>failAfter</c> bytes, as a reset connection does: 3 bytes at
/// a time, or as many as <c>piece</c> gives for each read (its number).
/// </summary>
internal sealed class ChunkedStream(byte[] data, int failAfter, Func<int, int>? piece = null) : Stream
{
    private int _position;
    private int _reads;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= failAfter)
        {
            throw new IOException("The response ended prematurely.");
        }

        var n = Math.Min(Math.Min(count, piece?.Invoke(_reads++) ?? 3), Math.Min(data.Length, failAfter) - _position);
        Array.Copy(data, _position, buffer, offset, n);
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
