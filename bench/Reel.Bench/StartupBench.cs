using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Reel.Bench;

/// <summary>
/// `startup`: cold processes of the CLI as it ships (published with ReadyToRun): <c>reel validate</c>
/// of the hello example and a full no-op <c>reel run</c> of 500 steps with the up-to-date stamp deleted,
/// each against <c>reel --version</c> (process start-up, the floor) interleaved in the same run.
/// </summary>
internal static class StartupBench
{
    public static async Task<int> RunAsync(int runs)
    {
        var root = Bench.RepoRoot();
        var dir = Path.Combine(Path.GetTempPath(), "reel-bench-startup-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var publish = Path.Combine(dir, "reel");
            Console.WriteLine($"publishing the CLI (Release, {RuntimeInformation.RuntimeIdentifier}, ReadyToRun from Engine.Cli.csproj)…");
            var (code, output) = await Bench.Run("dotnet", root, ["publish", Path.Combine(root, "src", "Engine.Cli"), "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", "--nologo", "-v", "q", "-o", publish]);
            if (code != 0)
            {
                Console.Error.WriteLine(output);
                return 1;
            }

            var reel = Path.Combine(publish, OperatingSystem.IsWindows() ? "reel.exe" : "reel");
            var hello = Path.Combine(dir, "hello");
            Directory.CreateDirectory(hello);
            File.Copy(Path.Combine(root, "examples", "hello", "storyboard.yaml"), Path.Combine(hello, "storyboard.yaml"));
            var big = Path.Combine(dir, "rerun");
            var script = Generator.RerunStoryboard(big, 500);
            var stamp = Path.Combine(big, ".reel", "uptodate.tsv");
            (code, output) = await Bench.Run(reel, big, ["run", script]);
            if (code != 0 || !File.Exists(stamp))
            {
                Console.Error.WriteLine(output);
                return 1;
            }

            Console.WriteLine($"startup: {runs} runs of each, interleaved, after one warm-up; medians");
            var version = new List<double>();
            var validate = new List<double>();
            var rerun = new List<double>();
            for (var i = -1; i < runs; i++)
            {
                var v = await Time(reel, hello, ["--version"]);
                var va = await Time(reel, hello, ["validate", "storyboard.yaml"]);
                File.Delete(stamp);
                var r = await Time(reel, big, ["run", script]);
                if (!File.Exists(stamp))
                {
                    throw new InvalidOperationException("the no-op run did not leave its stamp");
                }

                if (i >= 0)
                {
                    version.Add(v);
                    validate.Add(va);
                    rerun.Add(r);
                }
            }

            var floor = Bench.Median(version);
            Bench.Table(
                [
                    ("reel --version (floor)", floor),
                    ("reel validate examples/hello/storyboard.yaml", Bench.Median(validate)),
                    ("reel run, 500 steps, no-op, stamp deleted", Bench.Median(rerun)),
                ],
                floor);
            Console.WriteLine($"ratio validate/version = {Bench.Median(validate) / floor:0.00}x (goal <= 2x); ratio run/version = {Bench.Median(rerun) / floor:0.00}x (goal <= 3x)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double> Time(string reel, string cwd, string[] args)
    {
        var sw = Stopwatch.StartNew();
        var (code, output) = await Bench.Run(reel, cwd, args);
        sw.Stop();
        return code == 0 ? sw.Elapsed.TotalMilliseconds : throw new InvalidOperationException($"reel {string.Join(' ', args)}: exit code {code}\n{output}");
    }
}
