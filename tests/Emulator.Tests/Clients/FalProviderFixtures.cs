using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Fal;
using Reel.Engine.Providers.Http;
using Reel.Engine.Scripts;

namespace Reel.Emulator.Tests.Clients;

/// <summary>
/// A real-time emulator (fast renders) with a <see cref="FalProvider"/> pointed at it through a <see cref="FalWireRecorder"/>,
/// plus a scratch directory for input images and clips.
/// </summary>
internal sealed class FalProviderFixture : IAsyncDisposable
{
    public const string Key = "fal-key-7c41d9e2b05f";

    private FalProviderFixture(EmulatorServer server, string directory, FalWireRecorder recorder, HttpClient http, FalProvider provider, FakeTimeProvider? clock)
    {
        Clock = clock;
        Server = server;
        Directory = directory;
        Recorder = recorder;
        Http = http;
        Provider = provider;
    }

    public EmulatorServer Server { get; }

    /// <summary>The emulator's clock when it was started on a fake one (the provider always runs on real time).</summary>
    public FakeTimeProvider? Clock { get; }

    public string Directory { get; }

    public FalWireRecorder Recorder { get; }

    public HttpClient Http { get; }

    public FalProvider Provider { get; }

    public string AuditPath => Path.Combine(Directory, "audit.jsonl");

    /// <param name="faults">The emulator's fault profile.</param>
    /// <param name="seed">The emulator's fault seed.</param>
    /// <param name="clientKey">The key the provider sends (the emulator accepts only <see cref="Key"/>).</param>
    /// <param name="mediaHost">When set, the emulator is reached under this host name for everything but the API roots, so its media URLs are on another origin.</param>
    /// <param name="fakeClock">Runs the emulator on a fake clock that <see cref="WaitAsync"/> moves a second per poll.</param>
    public static async Task<FalProviderFixture> StartAsync(string? faults = null, int seed = 0, string clientKey = Key, string? mediaHost = null, bool fakeClock = false)
    {
        var clock = fakeClock ? new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero)) : null;
        var directory = Path.Combine(Path.GetTempPath(), "reel-fal-client-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        var server = await EmulatorServer.StartAsync(new EmulatorOptions(
            Speed: 0.01,
            Faults: faults,
            Seed: seed,
            ApiKey: Key,
            AuditPath: Path.Combine(directory, "audit.jsonl"),
            DataDirectory: Path.Combine(directory, "data")), clock);
        var recorder = new FalWireRecorder(server.BaseAddress, mediaHost) { InnerHandler = new SocketsHttpHandler() };
        var http = new HttpClient(recorder) { Timeout = TimeSpan.FromSeconds(30) };
        var provider = new FalProvider(http, new FalOptions(clientKey, server.BaseAddress, server.BaseAddress), new Retries(TimeProvider.System, new Random(7).NextDouble));
        return new FalProviderFixture(server, directory, recorder, http, provider, clock);
    }

    /// <summary>Polls until the job ends (succeeded or failed), or fails the test after 30 s.</summary>
    public async Task<JobStatus> WaitAsync(string jobId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = await Provider.GetAsync(jobId);
            Assert.Equal(jobId, status.JobId);
            if (status.State is JobState.Succeeded or JobState.Failed)
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{jobId} still {status.State} after 30 s");
            if (Clock is not null)
            {
                Clock.Advance(TimeSpan.FromSeconds(1));
            }
            else
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Submits, waits for success and downloads the video to a file.</summary>
    public async Task<(string JobId, string Path, ClipInfo Clip)> RunAsync(JobRequest request)
    {
        var submitted = await Provider.SubmitAsync(request);
        Assert.Equal(JobState.Queued, submitted.State);
        var done = await WaitAsync(submitted.JobId);
        Assert.True(done.State == JobState.Succeeded, $"{submitted.JobId}: {done.State} {done.Error?.Message}");
        var path = await DownloadAsync(submitted.JobId);
        return (submitted.JobId, path, Mp4Clip.Probe(path));
    }

    public async Task<string> DownloadAsync(string jobId)
    {
        var path = Path.Combine(Directory, "out-" + Guid.NewGuid().ToString("N")[..8] + ".mp4");
        await using (var file = File.Create(path))
        {
            await Provider.DownloadAsync(jobId, ContentVariant.Video, file);
        }

        return path;
    }

    /// <summary>A PNG of one flat colour.</summary>
    public string Png(int width, int height, string name)
    {
        var path = Path.Combine(Directory, name + ".png");
        File.WriteAllBytes(path, EmulatorHarness.Png(width, height));
        return path;
    }

    /// <summary>A small local clip (a character's source video).</summary>
    public string Mp4(string name, int seconds = 4)
    {
        var path = Path.Combine(Directory, name + ".mp4");
        using var file = File.Create(path);
        LocalRenderer.WriteClip(new ClipSpec(name, "character source", new VideoSize(1280, 720), seconds, 7), file);
        return path;
    }

    public List<JsonObject> AuditLines() =>
        File.Exists(AuditPath)
            ? [.. File.ReadAllLines(AuditPath).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())]
            : [];

    public List<JsonObject> JobsCreated() => [.. AuditLines().Where(l => l["event"]?.GetValue<string>() == "job.created")];

    public static GenerateRequest Generate(string prompt, string? model = "veo3.1", int width = 1280, int height = 720, int seconds = 4, string step = "shot") =>
        new(step, prompt, model, new VideoSize(width, height), seconds);

    public static StepOption Text(string name, string value, OptionKind kind = OptionKind.Text) => new(name, kind, value, []);

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

/// <summary>One request as the provider sent it (after it added its credentials).</summary>
internal sealed record FalWireRequest(string Method, Uri Url, string? Authorization, string? Body, string Accept = "")
{
    public JsonObject Json => JsonNode.Parse(Body!)!.AsObject();
}

/// <summary>
/// Records every request the provider sends. With a media host, requests to the emulator's address carry that host in
/// <c>Host</c>, so the emulator hands out file URLs on it; requests to the media host are sent on to the emulator.
/// </summary>
internal sealed class FalWireRecorder(Uri emulator, string? mediaHost) : DelegatingHandler
{
    private readonly ConcurrentQueue<FalWireRequest> _requests = new();

    public IReadOnlyList<FalWireRequest> Requests => [.. _requests];

    /// <summary>The JSON bodies of the submits (POSTs to <c>fal-ai/…</c>), in order.</summary>
    public IReadOnlyList<FalWireRequest> Submits =>
        [.. _requests.Where(r => r.Method == "POST" && r.Url.AbsolutePath.StartsWith("/fal-ai/", StringComparison.Ordinal))];

    public Uri? MediaRoot => mediaHost is null ? null : new UriBuilder(emulator) { Host = mediaHost }.Uri;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        _requests.Enqueue(new FalWireRequest(request.Method.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), body, request.Headers.Accept.ToString()));
        if (mediaHost is not null)
        {
            if (request.RequestUri!.Host == mediaHost)
            {
                request.RequestUri = new UriBuilder(request.RequestUri) { Host = emulator.Host }.Uri;
            }
            else
            {
                request.Headers.Host = $"{mediaHost}:{emulator.Port}";
            }
        }

        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Shorthands for the recorder's view of a submit.</summary>
internal static class FalWireRequestExtensions
{
    public static string? Text(this JsonObject body, string name) => body[name]?.GetValue<string>();

    public static ImmutableArray<string> Keys(this JsonObject body) => [.. body.Select(p => p.Key).Order(StringComparer.Ordinal)];
}
