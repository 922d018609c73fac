using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Reel.Engine.Execution;
using Reel.Engine.Projects;
using Reel.Engine.Reporting;

namespace Reel.Cli.Tests;

/// <summary>
/// A normal run's stderr reads as sentences — no .NET category or event id, a retry in one line with
/// the step, its cause, delay and attempt, durations in words — while <c>-v</c> keeps the details; the live footer counts
/// queued, running and done steps with the elapsed time and an ETA, in aligned columns.
/// </summary>
public sealed partial class ReadableLogsTests
{
    private const string Key = "sk-logs-secret-1";

    [Fact]
    public void A_run_with_server_errors_prints_each_retry_as_one_line_naming_the_step_without_categories_or_event_ids()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", "reel: 1\nprovider: openai\ndefaults: { size: 1280x720, seconds: 4 }\nscenes:\n"
            + string.Concat(Enumerable.Range(1, 6).Select(i => $"  - id: shot-{i}\n    prompt: A paper boat, take {i}.\n")));
        using var emulator = Emulator.Start(dir.Path, Key, faults: "500=0.3", seed: 5);

        var plain = ReelInProcess.Run(dir.Path, ["run"], emulator.Environment(Key));
        var verbose = ReelInProcess.Run(dir.Path, ["run", "--force", "shot-1", "-v"], emulator.Environment(Key));

        Assert.True(plain.ExitCode == 0, plain.All);
        Assert.DoesNotMatch(@"\[\d+\]", plain.Stderr);
        Assert.DoesNotContain("Reel.Engine", plain.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("failed (Transient", plain.Stderr, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\d\d:\d\d:\d\d", plain.Stderr);
        var retries = plain.Stderr.Split('\n').Where(l => l.Contains("retrying", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(retries);
        Assert.All(retries, l => Assert.Matches(RetryLine(), l));
        Assert.Contains(retries, l => Regex.IsMatch(l, @"^shot-\d: HTTP 500, retrying in ", RegexOptions.None, TimeSpan.FromSeconds(1)));
        Assert.DoesNotMatch(@"\d+m\d+s|00:00:", plain.All);
        Assert.DoesNotContain(Key, plain.All, StringComparison.Ordinal);

        Assert.True(verbose.ExitCode == 0, verbose.All);
        Assert.Matches(@"(?m)^info: reel\.run\[100\] shot-1: submitted as job video_", verbose.Stderr);
        Assert.DoesNotMatch(@"\d\d:\d\d:\d\d", verbose.Stderr);
    }

    [Fact]
    public void A_plain_warning_has_no_category_or_event_id_and_a_retry_names_its_step_cause_delay_and_attempt()
    {
        using var writer = new StringWriter();
        var lines = new LineLoggerProvider(writer, color: false, detailed: false);
        using var factory = LoggerFactory.Create(b => b.AddProvider(lines).SetMinimumLevel(LogLevel.Trace));
        var run = factory.CreateLogger("reel.run");
        var http = factory.CreateLogger("Reel.Engine.Providers.OpenAi.OpenAiProvider");

        run.Log(LogLevel.Warning, new EventId(111), State("downloaded clips are not verified: {Reason}", ("Reason", "no ffprobe")), null, (s, _) => s.ToString()!);
        run.Log(LogLevel.Information, new EventId(100), State("{Step}: submitted as job {Job}", ("Step", "vault"), ("Job", "video_1")), null, (s, _) => s.ToString()!);
        http.Log(LogLevel.Warning, new EventId(LineLoggerProvider.HttpFailed), State(
            "{Provider} {Method} {Path} failed ({ErrorClass}, HTTP {Status}, request {RequestId}): {Message}",
            ("Provider", "openai"), ("Method", "POST"), ("Path", "/v1/videos"), ("ErrorClass", Engine.Providers.ErrorClass.Transient), ("Status", 500), ("RequestId", "req_1"), ("Message", "boom")), null, (s, _) => s.ToString()!);
        run.Log(LogLevel.Warning, new EventId(LineLoggerProvider.StepRetrying), State(
            "{Step}: transient error ({Error}); retrying in {Delay} (attempt {Attempt} of {MaxAttempts})",
            ("Step", "vault"), ("Error", "openai POST /v1/videos: HTTP 500 Internal Server Error: boom"), ("Delay", TimeSpan.FromMilliseconds(580)), ("Attempt", 2), ("MaxAttempts", 5)), null, (s, _) => s.ToString()!);
        void PollFails(string path)
        {
            http.Log(LogLevel.Warning, new EventId(LineLoggerProvider.HttpFailed), State(
                "{Provider} {Method} {Path} failed ({ErrorClass}, HTTP {Status}, request {RequestId}): {Message}",
                ("Provider", "fal"), ("Method", "GET"), ("Path", path), ("ErrorClass", Engine.Providers.ErrorClass.Transient), ("Status", 503), ("RequestId", null), ("Message", "busy")), null, (s, _) => s.ToString()!);
            http.Log(LogLevel.Information, new EventId(LineLoggerProvider.HttpRetrying), State(
                "{Provider} {Method} {Path}: transient failure on attempt {Attempt}, retrying in {Delay}",
                ("Provider", "fal"), ("Method", "GET"), ("Path", path), ("Attempt", 1), ("Delay", TimeSpan.FromSeconds(125))), null, (s, _) => s.ToString()!);
        }

        // The engine opens a scope per step (Execution/Log.StepScope) around the requests it makes for the step.
        using (run.BeginScope(State("step {Step}", ("Step", "open"))))
        {
            PollFails("/requests/1/status");
        }

        PollFails("/requests");

        Assert.Equal(
            "warning: downloaded clips are not verified: no ffprobe\n"
            + "vault: HTTP 500, retrying in 0.6 s (attempt 2 of 5)\n"
            + "open: HTTP 503, retrying in 2 min 5 s (attempt 2 of 8)\n"
            + "fal: HTTP 503, retrying in 2 min 5 s (attempt 2 of 8)\n",
            writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Verbose_lines_keep_category_and_event_id_with_durations_in_words()
    {
        using var writer = new StringWriter();
        using var lines = new LineLoggerProvider(writer, color: false, detailed: true);

        lines.CreateLogger("reel.run").Log(LogLevel.Warning, new EventId(LineLoggerProvider.StepRetrying), State(
            "{Step}: transient error ({Error}); retrying in {Delay} (attempt {Attempt} of {MaxAttempts})",
            ("Step", "vault"), ("Error", "HTTP 500"), ("Delay", TimeSpan.FromMilliseconds(580)), ("Attempt", 2), ("MaxAttempts", 8)), null, (s, _) => s.ToString()!);

        Assert.Equal("warn: reel.run[103] vault: transient error (HTTP 500); retrying in 0.6 s (attempt 2 of 8)\n", writer.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(0.58, "0.6 s")]
    [InlineData(0, "0 s")]
    [InlineData(4, "4 s")]
    [InlineData(42.4, "42 s")]
    [InlineData(60, "1 min")]
    [InlineData(125, "2 min 5 s")]
    [InlineData(3600, "1 h")]
    [InlineData(3900, "1 h 5 min")]
    public void Durations_read_in_words(double seconds, string text) =>
        Assert.Equal(text, HumanText.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("open", 8, "open")]
    [InlineData("pour[light=dawn,lens=35mm]", 12, "pour[l…35mm]")]
    [InlineData("abcdef", 5, "ab…ef")]
    [InlineData("abcdef", 1, "…")]
    public void Long_ids_are_cut_in_the_middle(string id, int width, string expected)
    {
        Assert.Equal(expected, RunProgress.MiddleTruncate(id, width));
        Assert.True(RunProgress.MiddleTruncate(id, width).Length <= width);
    }

    [Fact]
    public void The_live_footer_counts_queued_running_and_done_with_elapsed_time_and_an_eta_in_aligned_columns()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", "reel: 1\nprovider: openai\ndefaults: { size: 1280x720, seconds: 4 }\nscenes:\n"
            + "  - id: open\n    prompt: A door.\n"
            + "  - id: pour\n    matrix: { light: [dawn, neon], lens: [35mm, 85mm] }\n    prompt: Latte art in {{ light }} light, {{ lens }} lens.\n");
        var plan = Project.Open("s.yaml", new ProjectOptions(), new ProjectHost(new Dictionary<string, string?>(), dir.Path)).Plan().Plan!;
        var time = new ManualTime();
        using var progress = new RunProgress(plan, TextWriter.Null, live: false, () => 80, time);

        progress.OnEvent(new RunEvent("open", RunPhase.Done));
        progress.OnEvent(new RunEvent("pour[light=dawn,lens=35mm]", RunPhase.Running, 40));
        progress.OnEvent(new RunEvent("pour[light=neon,lens=85mm]", RunPhase.Queued, 0));
        time.Advance(TimeSpan.FromSeconds(65));
        var frame = progress.Frame(80, color: false);

        Assert.Equal(3, frame.Count);
        Assert.All(frame, l => Assert.True(l.Length <= 80, l));
        Assert.Equal(frame[0].IndexOf("running", StringComparison.Ordinal), frame[1].IndexOf("queued", StringComparison.Ordinal));
        Assert.Equal(frame[0].IndexOf('%'), frame[1].IndexOf('%'));
        Assert.StartsWith("  pour[light=dawn,lens=35mm]  running", frame[0], StringComparison.Ordinal);
        Assert.Matches(@"^  3 queued · 1 running · 1/5 done · 1 min 5 s elapsed, ~(\d+ min|\d+ s) left · \$0\.00 spent$", frame[2]);

        var narrow = progress.Frame(40, color: false);
        Assert.All(narrow, l => Assert.True(l.Length <= 40, l));
        Assert.Contains("…", narrow[0], StringComparison.Ordinal);
        Assert.Equal(narrow[0].IndexOf('%'), narrow[1].IndexOf('%'));
    }

    private static List<KeyValuePair<string, object?>> State(string template, params (string Key, object? Value)[] values) =>
        [.. values.Select(v => new KeyValuePair<string, object?>(v.Key, v.Value)), new("{OriginalFormat}", template)];

    [GeneratedRegex(@"^shot-\d: .+, retrying in \d+(\.\d)? s \(attempt [2-8] of 8\)$")]
    private static partial Regex RetryLine();

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
