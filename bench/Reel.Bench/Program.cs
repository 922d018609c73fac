using System.Diagnostics;
using System.Globalization;
using Reel.Engine.Core;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers.Local;
using Reel.Engine.Reporting;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;
using YamlDotNet.RepresentationModel;

namespace Reel.Bench;

/// <summary>
/// Timed benchmarks, each reported as a ratio against a floor measured in the same run
/// (design.md §9). Usage: <c>dotnet run -c Release --project bench/Reel.Bench -- plan|rerun [--runs N]</c>.
/// </summary>
internal static class Bench
{
    public static async Task<int> Main(string[] args)
    {
        var name = args.FirstOrDefault();
        var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(int.Parse).FirstOrDefault(0);
        switch (name)
        {
            case "plan":
                PlanBench.Run(runs > 0 ? runs : 15);
                return 0;
            case "plan-loop":
                // Diagnostic: Compile + Plan of the `plan` storyboard in a loop, for a sampling profiler.
                PlanBench.Loop(runs > 0 ? runs : 100);
                return 0;
            case "rerun":
                return await RerunBench(runs > 0 ? runs : 10);
            case "poll":
                if (Option(args, "--min-threads", 0, int.Parse) is > 0 and var minThreads)
                {
                    // Diagnostic: rules out thread-pool starvation (the in-process emulator renders synchronously).
                    ThreadPool.SetMinThreads(minThreads, minThreads);
                }

                return await PollBench.RunAsync(
                    Option(args, "--jobs", 20, int.Parse),
                    Option(args, "--speed", 0.25, a => double.Parse(a, CultureInfo.InvariantCulture)),
                    Option(args, "--concurrency", 4, int.Parse));
            case "startup":
                return await StartupBench.RunAsync(runs > 0 ? runs : 10);
            case "cut":
                return await CutBench.RunAsync(runs > 0 ? runs : 3);
            case "download":
                return await DownloadBench.RunAsync(runs > 0 ? runs : 3, Option(args, "--mb", 500L, long.Parse) * 1_000_000);
            case "download-emulator":
                // Child-process mode of `download`: the emulator, serving videos padded to a size.
                return await DownloadBench.ServeAsync(args[1], long.Parse(args[2], CultureInfo.InvariantCulture), double.Parse(args[3], CultureInfo.InvariantCulture), args[4].Length == 0 ? null : args[4]);
            case "makespan":
                return await MakespanBench.RunAsync(
                    runs > 0 ? runs : 1,
                    Option(args, "--speed", 0.25, a => double.Parse(a, CultureInfo.InvariantCulture)),
                    Option(args, "--concurrency", 8, int.Parse));
            case "generate-rerun":
                // Diagnostic: writes the 500-step `rerun` storyboard into a folder, to profile a real `reel run` on it.
                Console.WriteLine(Generator.RerunStoryboard(args[1], 500));
                return 0;
            case "validate-stages":
                // Diagnostic: one cold validate in-process, timed stage by stage (publish the bench with ReadyToRun to see the CLI's figures).
                return ValidateStages(args[1]);
            case "rerun-stages":
                // Child-process mode of `rerun`: one cold rerun in-process, timed stage by stage.
                return await RerunStages(args[1]);
            default:
                Console.Error.WriteLine("usage: Reel.Bench plan|rerun|startup|cut|download|makespan [--runs N] [--mb M] [--speed S] [--concurrency C] | poll [--jobs N] [--speed S] [--concurrency C] [--min-threads T]");
                return 2;
        }
    }

    private static T Option<T>(string[] args, string name, T fallback, Func<string, T> parse) =>
        args.SkipWhile(a => a != name).Skip(1).Select(parse).DefaultIfEmpty(fallback).First();

    private static async Task<int> RerunBench(int runs)
    {
        var root = RepoRoot();
        var reel = await BuildCli(root);
        var dir = Path.Combine(Path.GetTempPath(), "reel-bench-rerun-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Generator.RerunStoryboard(dir, 500);
            var first = Stopwatch.StartNew();
            var (code, output) = await Reel(reel, dir, ["run", path]);
            first.Stop();
            if (code != 0)
            {
                Console.Error.WriteLine(output);
                return 1;
            }

            Console.WriteLine($"rerun: 500 steps (local provider, 128x72, 1 s); first run filled lock and store in {first.Elapsed.TotalSeconds:N1} s; {runs} runs each, medians");
            Console.WriteLine("  " + Summary(output));

            var version = new List<double>();
            var rerun = new List<double>();
            await Reel(reel, dir, ["--version"]);
            await Reel(reel, dir, ["run", path]);
            for (var i = 0; i < runs; i++)
            {
                version.Add(await TimeAsync(() => Reel(reel, dir, ["--version"]), expectSuccess: true));
                rerun.Add(await TimeAsync(() => Reel(reel, dir, ["run", path]), expectSuccess: true));
            }

            var (_, last) = await Reel(reel, dir, ["run", path]);
            Console.WriteLine("  " + Summary(last));

            // Where a rerun's time goes: the same stages in a fresh (cold) process, timed one by one.
            var self = Environment.ProcessPath!;
            var selfArgs = self.EndsWith("dotnet", StringComparison.Ordinal) || self.EndsWith("dotnet.exe", StringComparison.Ordinal)
                ? new[] { typeof(Bench).Assembly.Location, "rerun-stages", path }
                : ["rerun-stages", path];
            var stageRuns = new List<Dictionary<string, double>>();
            for (var i = 0; i < Math.Min(runs, 5); i++)
            {
                var (stageCode, stageOut) = await Run(self, dir, selfArgs);
                if (stageCode != 0)
                {
                    Console.Error.WriteLine(stageOut);
                    return 1;
                }

                stageRuns.Add(stageOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => l.Split('\t'))
                    .Where(p => p.Length == 2)
                    .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal));
            }

            var rows = new List<(string, double)> { ("reel --version (floor)", Median(version)), ("reel run (no-op rerun)", Median(rerun)) };
            rows.AddRange(stageRuns[0].Keys.Select(k => ("  in-process, cold: " + k, Median(stageRuns.Select(r => r[k]).ToList()))));
            Table(rows, Median(version));
            Console.WriteLine($"ratio rerun/version = {Median(rerun) / Median(version):0.00}x (target <= 2x)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>What <c>reel validate</c> does, stage by stage, printed as <c>stage\tms</c>.</summary>
    private static int ValidateStages(string path)
    {
        var total = Stopwatch.StartNew();
        var sw = Stopwatch.StartNew();
        void Lap(string stage)
        {
            Console.WriteLine($"{stage}\t{sw.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)}\tjit {System.Runtime.JitInfo.GetCompiledMethodCount()} methods, {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:0} ms");
            sw.Restart();
        }

        var bag = new DiagnosticBag();
        var file = new SourceFile(Path.GetFullPath(path), path, File.ReadAllText(path));
        Lap("read");
        var doc = YamlLoader.Load(file, bag);
        Lap("load YAML");
        _ = SchemaResource.Proof;
        Lap("compile the schema proof");
        SchemaValidator.Validate(doc, bag);
        Lap("validate");
        var script = ScriptBinder.Bind(doc, Includes.Load(doc, bag), bag)!;
        Lap("bind");
        var expanded = Expander.Expand(script, bag);
        Lap("expand");
        _ = Compilation.Compile(path);
        Lap("compile again, warm");
        Console.WriteLine($"total\t{total.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)}\t{expanded?.Steps.Length}");
        return 0;
    }

    /// <summary>What <c>reel run</c> does on a no-op rerun, stage by stage, printed as <c>stage\tms</c>.</summary>
    private static async Task<int> RerunStages(string path)
    {
        var total = Stopwatch.StartNew();
        var sw = Stopwatch.StartNew();
        void Lap(string stage)
        {
            Console.WriteLine($"{stage}\t{sw.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)}");
            sw.Restart();
        }

        var file = new SourceFile(Path.GetFullPath(path), path, File.ReadAllText(path));
        var doc = YamlLoader.Load(file, new DiagnosticBag());
        Lap("Compile: load YAML");
        SchemaValidator.Validate(doc, new DiagnosticBag());
        Lap("Compile: validate (incl. loading the schema)");
        var bound = ScriptBinder.Bind(doc, Includes.Load(doc, new DiagnosticBag()), new DiagnosticBag())!;
        Lap("Compile: bind");
        _ = Expander.Expand(bound, new DiagnosticBag())!;
        Lap("Compile: expand (Scriban)");
        var compilation = Compilation.Compile(path);
        Lap("Compile again, warm (what a long-lived process would pay)");
        var workspace = new Workspace(path);
        var scriptLock = workspace.ReadLock(new DiagnosticBag(), Environment.CurrentDirectory)!;
        Lap("Read lock");
        var store = workspace.OpenStore(new Dictionary<string, string?>());
        var plan = Planner.Plan(compilation.Expanded!, new LockHistory(scriptLock, store));
        Lap("Plan (with lock + store)");
        using var journal = Journal.Open(workspace.JournalPath, TimeProvider.System);
        var provider = new LocalProvider(workspace.LocalProviderDirectory, TimeProvider.System);
        Lap("Open journal + provider");
        var runner = new Runner(provider, store, journal, workspace.LockPath, scriptLock, TimeProvider.System, Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal));
        var result = await runner.RunAsync(plan, new RunOptions(4, null, false, false, false));
        Lap("Execute (all cached)");
        _ = Assembler.Assemble(plan, result, workspace, store, runner.Lock, pruneLock: true);
        Lap("Assemble (out/, report, lock)");
        Console.WriteLine($"total\t{total.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)}");
        return 0;
    }

    private static string Summary(string output) =>
        output.Split('\n').LastOrDefault(l => l.Contains(" steps: ", StringComparison.Ordinal))?.Trim() ?? "";

    private static async Task<string> BuildCli(string root)
    {
        var project = Path.Combine(root, "src", "Engine.Cli");
        Console.WriteLine("building the CLI (Release)…");
        var (code, output) = await Run("dotnet", root, ["build", "-c", "Release", "--nologo", "-v", "q", project]);
        if (code != 0)
        {
            throw new InvalidOperationException("dotnet build failed:\n" + output);
        }

        var dll = Path.Combine(project, "bin", "Release", "net10.0", "reel.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("reel.dll not found after the build", dll);
    }

    private static Task<(int Code, string Output)> Reel(string dll, string cwd, string[] args) =>
        Run("dotnet", cwd, [dll, .. args]);

    internal static async Task<(int Code, string Output)> Run(string file, string cwd, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<double> TimeAsync(Func<Task<(int Code, string Output)>> action, bool expectSuccess)
    {
        var sw = Stopwatch.StartNew();
        var (code, output) = await action();
        sw.Stop();
        if (expectSuccess && code != 0)
        {
            throw new InvalidOperationException($"exit code {code}:\n{output}");
        }

        return sw.Elapsed.TotalMilliseconds;
    }

    internal static double Lap(Stopwatch sw)
    {
        var ms = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        return ms;
    }

    internal static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    internal static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }

    internal static void Table(IEnumerable<(string Name, double Ms)> rows, double floor)
    {
        Console.WriteLine($"| {"measurement",-60} | {"median ms",10} | {"× floor",8} |");
        Console.WriteLine($"|{new string('-', 62)}|{new string('-', 12)}:|{new string('-', 9)}:|");
        foreach (var (name, ms) in rows)
        {
            Console.WriteLine($"| {name,-60} | {ms,10:N1} | {ms / floor,8:0.00} |");
        }
    }

    internal static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Pipeline.sln not found above the current directory");
    }
}
