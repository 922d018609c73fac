using System.Globalization;
using System.Text;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;
using Reel.Engine.Providers.OpenAi;

namespace Reel.Bench;

/// <summary>
/// `makespan`: 46 steps on the OpenAI emulator (in its own process) — 40 independent 4 s scenes and an 8 s scene
/// extended five times by 4 s — run by the real pipeline at concurrency 8. The floor is the critical-path bound from
/// the emulator's own timing rule (a job is done <c>seconds × speed</c> after it is created): the longer of the chain
/// (8 + 5 × 4 s of render, one after the other) and all the render time spread over the concurrency slots.
/// </summary>
internal static class MakespanBench
{
    public static async Task<int> RunAsync(int runs, double speed, int concurrency)
    {
        var makespans = new List<double>();
        double bound = 0;
        for (var run = 0; run < runs; run++)
        {
            var dir = Path.Combine(Path.GetTempPath(), "reel-bench-makespan-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            var audit = Path.Combine(dir, "audit.jsonl");
            using var emulator = DownloadBench.StartEmulatorProcess(Path.Combine(dir, "emulator"), 0, speed, audit, out var baseAddress);
            try
            {
                var script = WriteStoryboard(dir);
                await WarmAsync(baseAddress);
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
                var provider = new OpenAiProvider(http, new OpenAiOptions(DownloadBench.EmulatorKey, new Uri(baseAddress, "/v1")), new Reel.Engine.Providers.Http.Retries(TimeProvider.System, new Random(1).NextDouble));
                var host = new ProjectHost(new Dictionary<string, string?>(), dir) { Providers = (_, _) => provider, Randomizer = new Random(1).NextDouble };
                var started = DateTimeOffset.UtcNow;
                var timeline = new Timeline();
                var outcome = await Project.Open(script, new ProjectOptions(), host).RunAsync(new RunRequest(new RunOptions(Concurrency: concurrency), new PlanOptions()), timeline);
                var ended = DateTimeOffset.UtcNow;
                var makespan = (ended - started).TotalSeconds;
                var result = outcome.Report?.Result;
                if (outcome.End != RunEnd.Ran || result is null || result.Steps.Any(s => s.Outcome != StepOutcome.Done))
                {
                    Console.Error.WriteLine($"the run did not complete: {outcome.End} {outcome.Message} {result?.Message}");
                    return 1;
                }

                // The emulator's timing rule, applied to what the run asked for.
                var chain = (8 + (5 * 4)) * speed;
                var work = ((40 * 4) + 8 + (5 * 4)) * speed / concurrency;
                bound = Math.Max(chain, work);
                makespans.Add(makespan);

                // Where the chain waits: from one link's completion (created + render) to the next link's creation.
                var lines = PollBench.ReadAudit(audit);
                var created = lines.Where(l => l.Event == "job.created").ToDictionary(l => l.Job!, l => l.Time, StringComparer.Ordinal);
                var chainSteps = new[] { "long", "long-1", "long-2", "long-3", "long-4", "long-5" };
                var gaps = new List<double>();
                for (var i = 1; i < chainSteps.Length; i++)
                {
                    var prev = result.Find(chainSteps[i - 1])!.Job!;
                    var next = result.Find(chainSteps[i])!.Job!;
                    var prevDone = created[prev] + TimeSpan.FromSeconds((i == 1 ? 8 : 4) * speed);
                    gaps.Add((created[next] - prevDone).TotalMilliseconds);
                }

                // Where the chain waits: detection (the source's Downloading event) and the submit path after it.
                var detections = new List<double>();
                for (var i = 1; i < chainSteps.Length; i++)
                {
                    var prev = result.Find(chainSteps[i - 1])!.Job!;
                    var prevDone = created[prev] + TimeSpan.FromSeconds((i == 1 ? 8 : 4) * speed);
                    detections.Add((timeline.At(chainSteps[i - 1], RunPhase.Downloading) - prevDone).TotalMilliseconds);
                }

                static string Ms(IEnumerable<double> values) => string.Join(", ", values.Select(g => g.ToString("N0", CultureInfo.InvariantCulture)));
                var firstCreated = (created.Values.Min() - started).TotalSeconds;
                var lastDoneAt = created[result.Find("long-5")!.Job!] + TimeSpan.FromSeconds(4 * speed);
                var lastDone = (lastDoneAt - started).TotalSeconds;
                Console.WriteLine($"  run {run + 1}: makespan {makespan:N2} s; first job created at {firstCreated:N2} s (run started {(timeline.Started - started).TotalSeconds:N2} s), chain done at the provider at {lastDone:N2} s; chain links submitted {Ms(gaps)} ms after their source completed (detected after {Ms(detections)} ms)");
                if (Environment.GetEnvironmentVariable("REEL_BENCH_TRACE") == "1")
                {
                    // Diagnostic: the run's first requests, from the start of the run.
                    foreach (var l in lines.Take(4))
                    {
                        Console.WriteLine($"      start +{(l.Time - started).TotalMilliseconds,6:N0} {l.Method} {l.Path} {l.Status} {l.Event} {l.Job}");
                    }

                    // Diagnostic: what the emulator saw and the run did around the last link.
                    var from = created[result.Find("long-4")!.Job!] + TimeSpan.FromSeconds(4 * speed);
                    var to = created[result.Find("long-5")!.Job!];
                    foreach (var l in lines.Where(l => l.Time >= from.AddMilliseconds(-100) && l.Time <= to.AddMilliseconds(50)))
                    {
                        Console.WriteLine($"      emu +{(l.Time - from).TotalMilliseconds,6:N0} {l.Method} {l.Path} {l.Status} {l.Event} {l.Job}");
                    }

                    foreach (var (key, t) in timeline.Events.Where(e => e.Value >= from.AddMilliseconds(-100) && e.Value <= to.AddMilliseconds(50)).OrderBy(e => e.Value))
                    {
                        Console.WriteLine($"      run +{(t - from).TotalMilliseconds,6:N0} {key.Item1} {key.Item2}");
                    }
                }

                Console.WriteLine($"    end: detected +{(timeline.At("long-5", RunPhase.Downloading) - lastDoneAt).TotalMilliseconds:N0} ms, clip in and verified +{(timeline.At("long-5", RunPhase.Done) - lastDoneAt).TotalMilliseconds:N0} ms, runner done +{(timeline.FinishedAt - lastDoneAt).TotalMilliseconds:N0} ms, out/ and report +{(ended - lastDoneAt).TotalMilliseconds:N0} ms");
            }
            finally
            {
                emulator.StandardInput.Close();
                await emulator.WaitForExitAsync();
                Directory.Delete(dir, recursive: true);
            }
        }

        var median = Bench.Median(makespans);
        Console.WriteLine($"makespan: 46 steps (40 × 4 s scenes + 8 s scene extended 5 × 4 s), openai emulator in its own process, speed {speed.ToString(CultureInfo.InvariantCulture)}, concurrency {concurrency}; {runs} run(s), median");
        Console.WriteLine("| measurement                                  | seconds | × floor |");
        Console.WriteLine("|----------------------------------------------|--------:|--------:|");
        Console.WriteLine($"| critical-path bound (floor)                  | {bound,7:N2} |    1.00 |");
        Console.WriteLine($"| Reel run, makespan                           | {median,7:N2} | {median / bound,7:N2} |");
        Console.WriteLine($"ratio makespan/bound = {median / bound:0.00}x (goal <= 1.10x)");
        return 0;
    }

    /// <summary>
    /// The emulator is a new process each run, and its first requests pay its own start-up (the JIT of its server,
    /// routes and JSON), which a provider's servers do not: before the clock starts, a separate client (its own
    /// connection: the run's client still connects, and starts, cold) sends the requests a run begins with, without
    /// creating a job — the access check, a status of an unknown video, a create refused for its missing prompt.
    /// </summary>
    private static async Task WarmAsync(Uri baseAddress)
    {
        using var warm = new HttpClient { BaseAddress = new Uri(baseAddress, "/v1/") };
        warm.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DownloadBench.EmulatorKey);
        for (var i = 0; i < 2; i++)
        {
            (await warm.GetAsync("videos?limit=1")).Dispose();
            (await warm.GetAsync("videos/video_warm")).Dispose();
            using var body = new StringContent("{\"model\":\"sora-2\",\"seconds\":\"4\"}", Encoding.UTF8, "application/json");
            (await warm.PostAsync("videos", body)).Dispose();
        }
    }

    /// <summary>When the run started, when each step first reached each phase, and when the runner finished.</summary>
    private sealed class Timeline : IRunObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, RunPhase), DateTimeOffset> _first = new();

        public DateTimeOffset Started { get; private set; }

        public DateTimeOffset FinishedAt { get; private set; }

        public IReadOnlyDictionary<(string, RunPhase), DateTimeOffset> Events => _first;

        public DateTimeOffset At(string step, RunPhase phase) => _first.TryGetValue((step, phase), out var t) ? t : DateTimeOffset.MinValue;

        public void Starting(PlanOutcome planned, IReadOnlyList<string> warnings) => Started = DateTimeOffset.UtcNow;

        public void Waiting(string message)
        {
        }

        public void OnEvent(RunEvent e) => _first.TryAdd((e.StepId, e.Phase), DateTimeOffset.UtcNow);

        public void Finished() => FinishedAt = DateTimeOffset.UtcNow;
    }

    private static string WriteStoryboard(string dir)
    {
        var s = new StringBuilder("reel: 1\ntitle: Makespan\nprovider: openai\ndefaults: { model: sora-2, size: 1280x720, seconds: 4 }\nscenes:\n");
        s.Append("  - { id: long, prompt: \"A long take of the harbour\", seconds: 8 }\n");
        for (var i = 0; i < 40; i++)
        {
            s.Append(CultureInfo.InvariantCulture, $"  - {{ id: s{i}, prompt: \"Scene {i} of the market\" }}\n");
        }

        s.Append("continuations:\n");
        for (var i = 1; i <= 5; i++)
        {
            var from = i == 1 ? "long" : $"long-{i - 1}";
            s.Append(CultureInfo.InvariantCulture, $"  - {{ id: long-{i}, from: {from}, prompt: \"The harbour, part {i + 1}\", mode: extend, seconds: 4 }}\n");
        }

        var path = Path.Combine(dir, "storyboard.yaml");
        File.WriteAllText(path, s.ToString());
        return path;
    }
}
