using System.Diagnostics;
using System.Globalization;
using Reel.Emulator;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Storage;

namespace Reel.Bench;

/// <summary>
/// `download`: one 500 MB clip from the emulator's OpenAI content route, in its own process (so its memory is not
/// counted), streamed into the store by the path a run takes (<see cref="OpenAiProvider.DownloadAsync"/> into an
/// <see cref="ObjectWriter"/>, committed under its hash); floor: <c>curl</c> writing the same route to a file on the
/// same file system, interleaved. RSS growth is the peak resident set during the download (sampled every 5 ms, and
/// the kernel's high-water mark after clearing it) minus the resident set before.
/// </summary>
internal static class DownloadBench
{
    private const string Key = "sk-bench-download";

    public static async Task<int> RunAsync(int runs, long bytes)
    {
        var dir = Path.Combine(Path.GetTempPath(), "reel-bench-download-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        using var emulator = StartEmulatorProcess(dir, bytes, out var baseAddress);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            var provider = new OpenAiProvider(http, new OpenAiOptions(Key, new Uri(baseAddress, "/v1")), new Retries(TimeProvider.System, new Random(1).NextDouble));
            var job = await provider.SubmitAsync(new GenerateRequest("clip", "A long take of the sea", "sora-2", new VideoSize(1280, 720), 4));
            while ((await provider.GetAsync(job.JobId)).State != JobState.Succeeded)
            {
                await Task.Delay(50);
            }

            var url = new Uri(baseAddress, $"/v1/videos/{job.JobId}/content").AbsoluteUri;
            var curlOut = Path.Combine(dir, "curl.mp4");
            await Curl(url, curlOut); // warm-up: the emulator pads the clip to size once
            Console.WriteLine($"download: {bytes / 1e6:N0} MB from the emulator's content route (separate process); {runs} runs each, interleaved, medians");

            var curlMs = new List<double>();
            var reelMs = new List<double>();
            var growth = new List<double>();
            var store = new ObjectStore(Path.Combine(dir, "store"));
            for (var i = -1; i < runs; i++)
            {
                File.Delete(curlOut);
                var c = await TimeAsync(() => Curl(url, curlOut));
                if (new FileInfo(curlOut).Length != bytes)
                {
                    throw new InvalidOperationException("curl fetched a different length");
                }

                DeleteObjects(store);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var before = Rss("VmRSS");
                ClearHighWaterMark();
                var peak = before;
                using var stop = new CancellationTokenSource();
                var sampler = Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        peak = Math.Max(peak, Rss("VmRSS"));
                        await Task.Delay(5);
                    }
                });
                StoredObject? stored = null;
                var r = await TimeAsync(async () =>
                {
                    var writer = store.CreateWriter();
                    await using (writer)
                    {
                        await provider.DownloadAsync(job.JobId, ContentVariant.Video, writer);
                        stored = await writer.CommitAsync();
                    }
                });
                await stop.CancelAsync();
                await sampler;
                peak = Math.Max(peak, Rss("VmHWM"));
                if (stored!.Length != bytes)
                {
                    throw new InvalidOperationException("Reel stored a different length");
                }

                if (i >= 0)
                {
                    curlMs.Add(c);
                    reelMs.Add(r);
                    growth.Add((peak - before) / 1024.0);
                }
            }

            var floor = Bench.Median(curlMs);
            var reel = Bench.Median(reelMs);
            Console.WriteLine("| measurement                                  |     median | vs floor |");
            Console.WriteLine("|----------------------------------------------|-----------:|---------:|");
            Console.WriteLine($"| curl -o file (floor)                         | {Mbps(bytes, floor),7} MB/s |     1.00 |");
            Console.WriteLine($"| Reel download into the store                 | {Mbps(bytes, reel),7} MB/s | {(floor / reel).ToString("0.00", CultureInfo.InvariantCulture),8} |");
            Console.WriteLine($"| Reel RSS growth while downloading            | {Bench.Median(growth),7:N1} MB | (max {growth.Max():N1} MB) |");
            Console.WriteLine($"throughput Reel/curl = {floor / reel:0.00}x (goal >= 0.8x); RSS growth median {Bench.Median(growth):N1} MB, max {growth.Max():N1} MB (goal <= 64 MB)");
            return 0;
        }
        finally
        {
            emulator.StandardInput.Close();
            await emulator.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Child-process mode: the emulator (videos padded to <paramref name="bytes"/> when positive) until stdin closes.</summary>
    public static async Task<int> ServeAsync(string dataDirectory, long bytes, double speed = 0.001, string? audit = null)
    {
        // The emulator renders a clip, thumbnail or spritesheet synchronously on the request's thread the first time it is
        // fetched; with only as many pool threads as cores, a create or poll then waits for the pool to grow (≈ 0.5 s per
        // thread). A provider's API does not stall on its renders, so the harness's emulator gets threads to spare.
        ThreadPool.SetMinThreads(64, 64);
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions(Speed: speed, ApiKey: Key, AuditPath: audit, DataDirectory: dataDirectory) { VideoBytes = bytes > 0 ? bytes : null });
        Console.WriteLine(server.BaseAddress.AbsoluteUri);
        await Console.In.ReadToEndAsync();
        return 0;
    }

    /// <summary>The API key the child emulator requires.</summary>
    public const string EmulatorKey = Key;

    private static Process StartEmulatorProcess(string dir, long bytes, out Uri baseAddress) =>
        StartEmulatorProcess(Path.Combine(dir, "emulator"), bytes, 0.001, null, out baseAddress);

    /// <summary>Starts the emulator in a child process of this benchmark (so its rendering and memory are its own).</summary>
    public static Process StartEmulatorProcess(string dataDirectory, long bytes, double speed, string? audit, out Uri baseAddress)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(DownloadBench).Assembly.Location);
        }

        foreach (var a in new[] { "download-emulator", dataDirectory, bytes.ToString(CultureInfo.InvariantCulture), speed.ToString(CultureInfo.InvariantCulture), audit ?? "" })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        baseAddress = new Uri(process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the emulator did not start"));
        return process;
    }

    private static async Task Curl(string url, string output)
    {
        var psi = new ProcessStartInfo("curl") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-sS", "-f", "-H", "Authorization: Bearer " + Key, "-o", output, url })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("curl failed: " + err);
        }
    }

    private static void DeleteObjects(ObjectStore store)
    {
        if (Directory.Exists(store.ObjectsDirectory))
        {
            foreach (var f in Directory.EnumerateFiles(store.ObjectsDirectory, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(f, FileAttributes.Normal);
                File.Delete(f);
            }
        }
    }

    /// <summary>A line of /proc/self/status in KiB (VmRSS: now, VmHWM: peak since the last clear).</summary>
    private static long Rss(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length + 1).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static void ClearHighWaterMark()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
            // Not permitted here: the sampled peak still counts.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Mbps(long bytes, double ms) => (bytes / 1e6 / (ms / 1000)).ToString("N0", CultureInfo.InvariantCulture);

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        return sw.Elapsed.TotalMilliseconds;
    }
}
