using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Emulator.Tests.Clients;

/// <summary>
/// A one-shot storyboard run by the engine's runner on each remote provider (built by the catalog, as the CLI does)
/// against the emulator in-process, everything on one fake clock.
/// </summary>
public sealed class ProviderRunTests : IDisposable
{
    private const string Secret = "run-test-secret-5c1e";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "reel-provider-run-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

    public ProviderRunTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("fal")]
    [InlineData("veo")]
    [InlineData("veo-vertex")]
    public async Task A_clean_run_logs_no_warning(string provider)
    {
        await using var emulator = await StartAsync(faults: null);
        var logs = new CapturedLogs();

        var result = await RunAsync(provider, emulator, logs);

        Assert.Equal(RunStop.Completed, result.Stop);
        Assert.Equal(StepOutcome.Done, result.Find("shot")!.Outcome);
        Assert.Empty(logs.Lines.Where(l => l.Level >= LogLevel.Warning).Select(l => l.Text));
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("fal")]
    [InlineData("veo")]
    [InlineData("veo-vertex")]
    public async Task A_persistent_503_on_status_polls_fails_the_step_after_at_most_eight_polls(string provider)
    {
        await using var emulator = await StartAsync(faults: "poll503=1");

        var result = await RunAsync(provider, emulator, new CapturedLogs());

        var shot = result.Find("shot")!;
        Assert.Equal(StepOutcome.Failed, shot.Outcome);
        Assert.Contains("503", shot.Error, StringComparison.Ordinal);
        var polls = AuditLines().Where(l => l.Status == 503).ToList();
        Assert.All(polls, p => Assert.True(p.Method is "GET" or "POST"));

        // Vertex's access check asks for a made-up operation by the same route as the polls: it is one more call,
        // sent once. Every other probe is no poll (OpenAI and Gemini list) or names its made-up id.
        var jobPolls = polls.Where(p => !p.Path.Contains("00000000-0000", StringComparison.Ordinal)).ToList();
        Assert.Equal(provider == "veo-vertex" ? 9 : 8, jobPolls.Count);
        Assert.Single(File.ReadAllLines(Path.Combine(_dir, "audit.jsonl")), l => l.Contains("\"job.created\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_download_cut_by_the_connection_resumes_with_a_range_request_and_the_clip_is_whole()
    {
        // With this seed the video's first answer is cut halfway (the emulator announces the length, sends half, drops
        // the connection); the resumed request asks for the rest and gets a 206. The clip then passes verification.
        await using var emulator = await StartAsync(faults: "truncate=0.6", seed: 4);
        var logs = new CapturedLogs();

        var result = await RunAsync("openai", emulator, logs);

        Assert.Equal(StepOutcome.Done, result.Find("shot")!.Outcome);
        var media = AuditLines().Where(l => l.Status is 200 or 206 && l.Method == "GET" && !l.Path.Contains("/operations/", StringComparison.Ordinal) && !l.Path.EndsWith("/status", StringComparison.Ordinal)).ToList();
        Assert.Contains(media, l => l.Status == 206);
    }

    private async Task<EmulatorServer> StartAsync(string? faults, int seed = 0) =>
        await EmulatorServer.StartAsync(
            new EmulatorOptions(Speed: 0.05, Faults: faults, Seed: seed, ApiKey: Secret, AuditPath: Path.Combine(_dir, "audit.jsonl"), DataDirectory: Path.Combine(_dir, "emulator")),
            _time);

    private async Task<RunResult> RunAsync(string providerName, EmulatorServer emulator, CapturedLogs logs)
    {
        var script = Path.Combine(_dir, "storyboard.yaml");
        var model = ProviderCatalog.Find(providerName)!.DefaultModel;
        File.WriteAllText(script, $"""
            reel: 1
            title: Provider run
            provider: {providerName}
            defaults: {"{"} size: 1280x720, seconds: 4 {"}"}
            scenes:
              - id: shot
                prompt: A lighthouse at dawn
                model: {model}
            """);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var root = emulator.BaseAddress.AbsoluteUri.TrimEnd('/');
        var environment = new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = Secret,
            ["OPENAI_BASE_URL"] = root + "/v1",
            ["FAL_KEY"] = Secret,
            ["FAL_BASE_URL"] = root,
            ["GEMINI_API_KEY"] = Secret,
            ["GOOGLE_GEMINI_BASE_URL"] = root,
            ["GOOGLE_CLOUD_ACCESS_TOKEN"] = Secret,
            ["GOOGLE_CLOUD_PROJECT"] = "reel-test",
            ["GOOGLE_VERTEX_BASE_URL"] = root,
        };
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var host = new ProjectHost(environment, _dir)
        {
            Time = _time,
            Loggers = loggers,
            Randomizer = new Random(3).NextDouble,
            Providers = (name, composition) => ProviderCatalog.Create(name, composition with { HttpClients = () => http }),
        };

        var run = Project.Open(script, new ProjectOptions(), host).RunAsync(new RunRequest(new RunOptions(), new PlanOptions()));
        for (var i = 0; i < 20_000 && !run.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(run, Task.Delay(2));
        }

        Assert.True(run.IsCompleted, "the run did not finish");
        var outcome = await run;
        Assert.True(outcome.End == RunEnd.Ran, outcome.Message);
        return outcome.Report!.Result;
    }

    private List<(string Method, string Path, int Status)> AuditLines()
    {
        return [.. File.ReadAllLines(Path.Combine(_dir, "audit.jsonl"))
            .Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!.AsObject())
            .Where(l => l["method"] is not null)
            .Select(l => (l["method"]!.GetValue<string>(), l["path"]!.GetValue<string>(), l["status"]!.GetValue<int>()))];
    }

    /// <summary>Every log line of every category, with its level.</summary>
    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Text)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLogs sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Lines.Enqueue((logLevel, $"{logLevel} {category}: {formatter(state, exception)}"));
        }
    }
}
