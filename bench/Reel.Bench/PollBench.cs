using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Reel.Emulator;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;
using Reel.Engine.Prompts;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Bench;

/// <summary>
/// <c>poll</c>: completion-detection latency and requests per job, with the real pipeline
/// (Compile → Plan → Runner → OpenAiProvider over HTTP) against the in-process emulator.
/// The emulator's own timing is the reference: a job completes at its <c>job.created</c> audit
/// time + seconds × speed; the runner detects it when it emits <see cref="RunPhase.Downloading"/>.
/// </summary>
internal static class PollBench
{
    private static readonly int[] SecondsCycle = [4, 8, 12];

    public static async Task<int> RunAsync(int jobs, double speed, int concurrency)
    {
        var dir = Path.Combine(Path.GetTempPath(), "reel-bench-poll-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var audit = Path.Combine(dir, "audit.jsonl");
        try
        {
            var path = WriteStoryboard(dir, jobs);
            await using var server = await EmulatorServer.StartAsync(new EmulatorOptions(Port: 0, Speed: speed, AuditPath: audit, DataDirectory: Path.Combine(dir, "emulator")));
            var timing = new TimingHandler();
            using var http = new HttpClient(timing) { Timeout = TimeSpan.FromMinutes(10) };
            var provider = new OpenAiProvider(http, new OpenAiOptions("sk-bench", new Uri(server.BaseAddress, "/v1")), new Reel.Engine.Providers.Http.Retries(TimeProvider.System, new Random(1).NextDouble));
            var host = new ProjectHost(new Dictionary<string, string?>(), dir) { Providers = (_, _) => provider, Randomizer = new Random(1).NextDouble };
            var project = Project.Open(path, new ProjectOptions(), host);
            var detected = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var observer = new DownloadWatch(detected);

            var started = DateTimeOffset.UtcNow;
            var outcome = await project.RunAsync(new RunRequest(new RunOptions(Concurrency: concurrency), new PlanOptions()), observer);
            if (outcome.End != RunEnd.Ran)
            {
                throw new InvalidOperationException($"the generated storyboard does not run: {outcome.End} {outcome.Message} " + string.Join('\n', outcome.Planned?.Compilation.Diagnostics.Take(10) ?? []));
            }

            var (plan, result) = (observer.Plan!, outcome.Report!.Result);
            var secondsOf = plan.Steps.ToDictionary(s => s.Id.Text, s => ((ClipStep)s.Request).Seconds, StringComparer.Ordinal);
            var wall = DateTimeOffset.UtcNow - started;
            if (result.Stop != RunStop.Completed || result.Steps.Any(s => s.Outcome != StepOutcome.Done))
            {
                Console.Error.WriteLine($"run did not complete: {result.Stop} {result.Message}");
                foreach (var s in result.Steps.Where(s => s.Outcome != StepOutcome.Done))
                {
                    Console.Error.WriteLine($"  {s.Id}: {s.Outcome} {s.Error}");
                }

                return 1;
            }

            await server.DisposeAsync();
            var lines = ReadAudit(audit);
            var created = lines.Where(l => l.Event == "job.created").ToDictionary(l => l.Job!, l => l.Time, StringComparer.Ordinal);
            var requests = lines.Where(l => l.Event is null).ToList();

            // Per job: latency, its poll hint, and the requests that name it.
            var rows = new List<(string Step, int Seconds, double RenderMs, double HintMs, double LatencyMs, int Polls)>();
            var firstPoll = new List<double>();
            var gapOverHint = new List<double>();
            var outliers = new List<string>();
            var waitPart = new List<double>();
            var rttPart = new List<double>();
            var clientPart = new List<double>();
            foreach (var step in result.Steps)
            {
                var job = step.Job!;
                var seconds = secondsOf[step.Id];
                var render = TimeSpan.FromSeconds(seconds * speed);
                var completedAt = created[job] + render;
                var latency = (detected[step.Id] - completedAt).TotalMilliseconds;
                var hint = Math.Clamp(render.TotalMilliseconds / 20, 20, 5000); // OpenAiApi.Videos.cs PollAfter
                var pollTimes = requests.Where(r => r.Method == "GET" && r.Path == "/v1/videos/" + job).Select(r => r.Time).Order().ToList();
                var polls = pollTimes.Count;
                firstPoll.Add((pollTimes[0] - created[job]).TotalMilliseconds);
                gapOverHint.AddRange(pollTimes.Zip(pollTimes.Skip(1), (a, b) => (b - a).TotalMilliseconds / hint));
                var last = timing.Sent.Where(x => x.Path.EndsWith("/videos/" + job, StringComparison.Ordinal)).MaxBy(x => x.At);
                waitPart.Add((last.At - completedAt).TotalMilliseconds);
                rttPart.Add((last.Received - last.At).TotalMilliseconds);
                clientPart.Add((detected[step.Id] - last.Received).TotalMilliseconds);
                if (latency > 2 * hint)
                {
                    outliers.Add($"  outlier {step.Id} ({seconds} s, hint {hint:N0} ms): detected {latency:N0} ms after completion; its last status polls answered at "
                        + string.Join(", ", pollTimes.TakeLast(3).Select(t => $"{(t - completedAt).TotalMilliseconds:+0;-0}")) + " ms; the client sent the last two at "
                        + string.Join(", ", timing.Sent.Where(x => x.Path.EndsWith("/videos/" + job, StringComparison.Ordinal)).Select(x => x.At).Order().TakeLast(2).Select(t => $"{(t - completedAt).TotalMilliseconds:+0;-0}"))
                        + $" ms; its response was back at {(last.Received - completedAt).TotalMilliseconds:+0;-0} ms");
                }

                rows.Add((step.Id, seconds, render.TotalMilliseconds, hint, latency, polls));
            }

            int Count(Func<AuditLine, bool> p) => requests.Count(p);
            var creates = Count(r => r.Method == "POST" && r.Path == "/v1/videos");
            var statusPolls = Count(r => r.Method == "GET" && r.Path.StartsWith("/v1/videos/", StringComparison.Ordinal) && !r.Path.EndsWith("/content", StringComparison.Ordinal));
            var downloads = Count(r => r.Method == "GET" && r.Path.EndsWith("/content", StringComparison.Ordinal));
            var lists = Count(r => r.Method == "GET" && r.Path == "/v1/videos");
            var other = requests.Count - creates - statusPolls - downloads - lists;
            var non2xx = Count(r => r.Status is < 200 or >= 300);

            Console.WriteLine($"poll: {jobs} generate jobs (openai sora-2 1280x720, seconds 4/8/12) through Compile → Plan → Runner → OpenAiProvider → in-process emulator");
            Console.WriteLine($"  speed {speed.ToString(CultureInfo.InvariantCulture)} (an 8 s clip renders in {8 * speed:0.##} s), concurrency {concurrency}, poll hint = render time / 20 (20 ms..5 s); wall {wall.TotalSeconds:N1} s");
            Console.WriteLine();
            Console.WriteLine($"| {"detection latency (detected − completed)",-44} | {"median",8} | {"p90",8} | {"max",8} |");
            Console.WriteLine($"|{new string('-', 46)}|{new string('-', 9)}:|{new string('-', 9)}:|{new string('-', 9)}:|");
            Row("ms", rows.Select(r => r.LatencyMs).ToList(), "N0");
            Row("× the job's poll hint (floor: ≤ 1)", rows.Select(r => r.LatencyMs / r.HintMs).ToList(), "0.00");
            Row("× the job's render time", rows.Select(r => r.LatencyMs / r.RenderMs).ToList(), "0.000");
            Row("· completion → completing poll sent (ms)", waitPart, "N0");
            Row("· that poll's round trip (ms)", rttPart, "N0");
            Row("· response received → Downloading event (ms)", clientPart, "N0");
            foreach (var s in SecondsCycle)
            {
                var g = rows.Where(r => r.Seconds == s).ToList();
                if (g.Count > 0)
                {
                    Row($"ms, {s} s clips (n={g.Count}, hint {g[0].HintMs:N0} ms)", g.Select(r => r.LatencyMs).ToList(), "N0");
                }
            }

            Console.WriteLine();
            Console.WriteLine($"| {"requests (from the emulator's audit)",-44} | {"total",8} | {"per job",8} |");
            Console.WriteLine($"|{new string('-', 46)}|{new string('-', 9)}:|{new string('-', 9)}:|");
            void Req(string name, int n) => Console.WriteLine($"| {name,-44} | {n,8} | {(double)n / jobs,8:0.00} |");
            Req("POST /v1/videos (create)", creates);
            Req("GET /v1/videos/{id} (status polls)", statusPolls);
            Req("GET /v1/videos/{id}/content (downloads)", downloads);
            Req("GET /v1/videos (list: preflight/recovery)", lists);
            if (other > 0)
            {
                Req("other", other);
            }

            Req("all", requests.Count);
            Console.WriteLine($"  non-2xx responses: {non2xx}");
            Console.WriteLine($"  first status poll after job.created: median {Median(firstPoll):N0} ms, max {firstPoll.Max():N0} ms; interval between polls ÷ hint: median {Median(gapOverHint):0.00}, p90 {Percentile(gapOverHint.Order().ToList(), 0.9):0.00}");
            outliers.ForEach(Console.WriteLine);
            var ideal = rows.Select(r => Math.Ceiling(r.RenderMs / r.HintMs) + 1).Average();
            Console.WriteLine($"  status polls per job: median {Median(rows.Select(r => (double)r.Polls).ToList()):0.#}, max {rows.Max(r => r.Polls)}; following the hint from creation would take ≈ {ideal:0.#} (render/hint + 1)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string WriteStoryboard(string dir, int jobs)
    {
        var s = new StringBuilder();
        s.Append("reel: 1\ntitle: Poll benchmark\nprovider: openai\n");
        s.Append("defaults:\n  model: sora-2\n  size: 1280x720\n  seconds: 8\n");
        s.Append("scenes:\n");
        for (var i = 0; i < jobs; i++)
        {
            s.Append(CultureInfo.InvariantCulture, $"  - id: shot-{i:000}\n    prompt: shot {i}, a tram passes in the rain\n    seconds: {SecondsCycle[i % SecondsCycle.Length]}\n");
        }

        var path = Path.Combine(dir, "storyboard.yaml");
        File.WriteAllText(path, s.ToString());
        return path;
    }

    /// <summary>Timestamps every request as the client sends it, to tell client-side from server-side delay.</summary>
    private sealed class TimingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public ConcurrentBag<(string Path, DateTimeOffset At, DateTimeOffset Received)> Sent { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var at = DateTimeOffset.UtcNow;
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            Sent.Add((request.RequestUri!.AbsolutePath, at, DateTimeOffset.UtcNow));
            return response;
        }
    }

    internal sealed record AuditLine(DateTimeOffset Time, string? Event, string? Job, string Method, string Path, int Status);

    internal static List<AuditLine> ReadAudit(string path)
    {
        var list = new List<AuditLine>();
        foreach (var line in File.ReadLines(path))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            string? S(string n) => r.TryGetProperty(n, out var v) ? v.GetString() : null;
            list.Add(new AuditLine(
                DateTimeOffset.Parse(S("time")!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                S("event"),
                S("job"),
                S("method") ?? "",
                S("path") ?? "",
                r.TryGetProperty("status", out var st) ? st.GetInt32() : 0));
        }

        return list;
    }

    private static void Row(string name, List<double> xs, string format)
    {
        var s = xs.Order().ToList();
        Console.WriteLine($"| {name,-44} | {Median(s).ToString(format, CultureInfo.InvariantCulture),8} | {Percentile(s, 0.9).ToString(format, CultureInfo.InvariantCulture),8} | {s[^1].ToString(format, CultureInfo.InvariantCulture),8} |");
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }

    /// <summary>Nearest-rank percentile of an ascending list.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>Notes when each step's clip starts downloading: the moment Reel saw the job finished.</summary>
internal sealed class DownloadWatch(ConcurrentDictionary<string, DateTimeOffset> detected) : IRunObserver
{
    public Plan? Plan { get; private set; }

    public void Starting(PlanOutcome planned, IReadOnlyList<string> warnings) => Plan = planned.Plan;

    public void Waiting(string message)
    {
    }

    public void OnEvent(RunEvent e)
    {
        if (e.Phase == RunPhase.Downloading)
        {
            detected.TryAdd(e.StepId, DateTimeOffset.UtcNow);
        }
    }

    public void Finished()
    {
    }
}
