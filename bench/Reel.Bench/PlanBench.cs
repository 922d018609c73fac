using System.Diagnostics;
using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using YamlDotNet.RepresentationModel;
using static Reel.Bench.Bench;

namespace Reel.Bench;

/// <summary><c>plan</c>: Compile + Plan of 2,000 scenes against YamlDotNet parsing the same text.</summary>
internal static class PlanBench
{
    public static void Run(int runs)
    {
        var dir = Path.Combine(Path.GetTempPath(), "reel-bench-plan-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Generator.PlanStoryboard(dir, 2000);
            var text = File.ReadAllText(path);
            var include = File.ReadAllText(Path.Combine(dir, "cast.yaml"));

            var check = Compilation.Compile(path);
            if (!check.Succeeded)
            {
                throw new InvalidOperationException("the generated storyboard does not compile:\n" + string.Join('\n', check.Diagnostics.Take(10)));
            }

            var steps = Planner.Plan(check.Expanded!, NoHistory.Instance).Steps.Length;
            Console.WriteLine($"plan: 2,000 scenes, {steps:N0} steps, {text.Length / 1024.0:N0} KiB of YAML; {runs} runs each after warm-up, medians");

            void Parse()
            {
                new YamlStream().Load(new StringReader(text));
                new YamlStream().Load(new StringReader(include));
            }

            void CompileAndPlan()
            {
                var c = Compilation.Compile(path);
                _ = Planner.Plan(c.Expanded!, NoHistory.Instance);
            }

            // Interleaved so that both see the same machine state. Warmed up until the tiered JIT has settled
            // (on 2 loaded cores, 3 rounds left Compile + Plan partly at tier 0 and measured the JIT, not the code).
            var parse = new List<double>();
            var plan = new List<double>();
            for (var i = 0; i < 15; i++)
            {
                Parse();
                CompileAndPlan();
            }

            var gcPause = TimeSpan.Zero;
            var (gen0, gen1, gen2) = (0, 0, 0);
            for (var i = 0; i < runs; i++)
            {
                parse.Add(Time(Parse));
                var (pause, g0, g1, g2) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                plan.Add(Time(CompileAndPlan));
                gcPause += GC.GetTotalPauseDuration() - pause;
                (gen0, gen1, gen2) = (gen0 + GC.CollectionCount(0) - g0, gen1 + GC.CollectionCount(1) - g1, gen2 + GC.CollectionCount(2) - g2);
            }

            var compileOnly = new List<double>();
            var planOnly = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                Compilation? c = null;
                compileOnly.Add(Time(() => c = Compilation.Compile(path)));
                planOnly.Add(Time(() => Planner.Plan(c!.Expanded!, NoHistory.Instance)));
            }

            var (stages, allocated) = Stages(path, runs);
            stages["Compilation.Compile alone"] = Median(compileOnly);
            stages["Planner.Plan alone"] = Median(planOnly);
            var rows = new List<(string, double)> { ("YamlDotNet parse (floor)", Median(parse)), ("Compile + Plan", Median(plan)) };
            rows.AddRange(stages.Select(kv => ("  " + kv.Key, kv.Value)));
            Table(rows, Median(parse));
            Console.WriteLine($"GC during Compile + Plan, per run: {gcPause.TotalMilliseconds / runs:0.0} ms paused; collections gen0 {gen0 / (double)runs:0.0}, gen1 {gen1 / (double)runs:0.0}, gen2 {gen2 / (double)runs:0.0}");
            Console.WriteLine("allocated per stage (MB): " + string.Join(", ", allocated.Select(kv => $"{kv.Key} {kv.Value / 1e6:0.0}")));
            Console.WriteLine($"ratio plan/parse = {Median(plan) / Median(parse):0.00}x (goal <= 3x)");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Compile + Plan <paramref name="runs"/> times, nothing else: what a profiler attached to it sees is the plan path.</summary>
    public static void Loop(int runs)
    {
        var dir = Path.Combine(Path.GetTempPath(), "reel-bench-plan-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Generator.PlanStoryboard(dir, 2000);
            var process = Process.GetCurrentProcess();
            var (cpu, wall, gcs) = (TimeSpan.Zero, Stopwatch.StartNew(), 0);
            for (var i = 0; i < runs; i++)
            {
                if (i == Math.Min(15, runs / 2))
                {
                    // After the warm-up: what the rest costs, in processor time (steadier than wall time on a loaded machine).
                    process.Refresh();
                    (cpu, gcs) = (process.TotalProcessorTime, GC.CollectionCount(0));
                    wall.Restart();
                }

                var c = Compilation.Compile(path);
                _ = Planner.Plan(c.Expanded!, NoHistory.Instance);
            }

            process.Refresh();
            var timed = runs - Math.Min(15, runs / 2);
            Console.WriteLine($"per run: {(process.TotalProcessorTime - cpu).TotalMilliseconds / timed:0.0} ms processor time, {wall.Elapsed.TotalMilliseconds / timed:0.0} ms wall, {(GC.CollectionCount(0) - gcs) / (double)timed:0.00} GCs");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The same work as Compile + Plan, call for call, split into the pipeline's stages: medians in ms, and bytes allocated by each.</summary>
    private static (Dictionary<string, double> Ms, Dictionary<string, long> Bytes) Stages(string path, int runs)
    {
        var samples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var bytes = new Dictionary<string, long>(StringComparer.Ordinal);
        var sw = new Stopwatch();
        var allocated = 0L;
        var measure = false;
        void Lap(string stage)
        {
            var ms = Bench.Lap(sw);
            var now = GC.GetAllocatedBytesForCurrentThread();
            if (measure)
            {
                (samples.TryGetValue(stage, out var l) ? l : samples[stage] = []).Add(ms);
                bytes[stage] = now - allocated;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread();
            sw.Restart();
        }

        for (var i = 0; i < runs + 3; i++)
        {
            measure = i >= 3;
            allocated = GC.GetAllocatedBytesForCurrentThread();
            sw.Restart();
            var bag = new DiagnosticBag();
            var file = SourceReader.Read(Path.GetFullPath(path), path, bag, SourceLocation.None)!;
            Lap("Read");
            var doc = YamlLoader.Load(file, bag);
            Lap("Load (YamlLoader)");
            SchemaValidator.Validate(doc, bag);
            Lap("Validate (schema proof; NJsonSchema only words errors)");
            var included = Includes.Load(doc, bag);
            Lap("Includes (read, load, validate cast.yaml)");
            var script = ScriptBinder.Bind(doc, included, bag)!;
            Lap("Bind (binder + reference checks)");
            var expanded = Expander.Expand(script, bag)!;
            Lap("Expand (prompts, steps, capability checks)");
            MatrixChecks.ReportIdleAxes(expanded, bag);
            Lap("Idle matrix axes");
            _ = bag.ToImmutable();
            Lap("Diagnostics");
            _ = Planner.Plan(expanded, NoHistory.Instance);
            Lap("Plan (keys)");
        }

        return (samples.ToDictionary(kv => kv.Key, kv => Median(kv.Value), StringComparer.Ordinal), bytes);
    }
}
