using System.Diagnostics;
using System.Globalization;
using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Storage;

namespace Reel.Bench;

/// <summary>
/// `cut`: joining ten 8 s provider-like clips (H.264 High + AAC) by stream copy and by one
/// re-encode through <see cref="CutRenderer"/>, each against ffmpeg's own concat of the same
/// files in the same run (the floor). Reel's stream copy reads the clips' ffprobe facts kept in the store, as a run does.
/// </summary>
internal static class CutBench
{
    public static async Task<int> RunAsync(int runs)
    {
        var tools = FfmpegTools.Locate(ProcessEnvironment());
        var dir = Path.Combine(Path.GetTempPath(), "reel-bench-cut-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var clips = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                var clip = Path.Combine(dir, $"clip{i}.mp4");
                await Ffmpeg(tools, [
                    "-f", "lavfi", "-i", $"testsrc2=size=1280x720:rate=30:duration=8",
                    "-f", "lavfi", "-i", $"sine=frequency={220 + (i * 40)}:sample_rate=48000:duration=8",
                    "-c:v", "libx264", "-profile:v", "high", "-preset", "superfast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-ac", "2", "-shortest", clip]);
                clips.Add(clip);
            }

            var list = Path.Combine(dir, "list.txt");
            await File.WriteAllLinesAsync(list, clips.Select(c => $"file '{c}'"));

            // As in a run: each clip went into the store and was verified when it was downloaded, which kept
            // ffprobe's facts beside it (untimed here, as it is part of the download). The timed cut reads them back.
            var store = new ObjectStore(Path.Combine(dir, "store"));
            var shas = new List<string>();
            foreach (var clip in clips)
            {
                var sha = (await store.PutFileAsync(clip)).Sha256;
                store.WriteFact(sha, "ffprobe.json", await MediaProbe.ProbeJsonAsync(store.PathOf(sha), tools));
                shas.Add(sha);
            }

            CutSpec CopySpec() => new(
                shas.Select(sha => new CutShot(store.PathOf(sha)) { Info = MediaProbe.FromJson(store.ReadFact(sha, "ffprobe.json")!, store.PathOf(sha)) }).ToList(),
                [], null, null, new CutOutput());
            // Trims that keep each whole clip force the normalise-and-encode path with hard cuts,
            // the same content ffmpeg's own re-encoding concat produces.
            var encodeShots = clips.Select(c => new CutShot(c, 0, 8)).ToList();
            var encodeSpec = new CutSpec(encodeShots, [], null, null, new CutOutput(Crf: 23, Preset: "veryfast"));

            var floorCopy = new List<double>();
            var reelCopy = new List<double>();
            var floorEncode = new List<double>();
            var reelEncode = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                floorCopy.Add(await Time(() => Ffmpeg(tools, ["-f", "concat", "-safe", "0", "-i", list, "-c", "copy", Out(dir, "ff-copy")])));
                reelCopy.Add(await Time(async () =>
                {
                    var r = await CutRenderer.RenderAsync(CopySpec(), Out(dir, "reel-copy"), tools);
                    Check(r.Mode == CutMode.StreamCopy, "expected stream copy");
                }));
                floorEncode.Add(await Time(() => Ffmpeg(tools, ["-f", "concat", "-safe", "0", "-i", list, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000", "-ac", "2", Out(dir, "ff-encode")])));
                reelEncode.Add(await Time(async () =>
                {
                    var r = await CutRenderer.RenderAsync(encodeSpec, Out(dir, "reel-encode"), tools);
                    Check(r.Mode == CutMode.ReEncode, "expected re-encode");
                }));
            }

            Console.WriteLine($"cut: ten 8 s 1280x720 30 fps H.264 High + AAC clips; {runs} runs each, medians");
            Console.WriteLine("| measurement                                  | median ms | × its floor |");
            Console.WriteLine("|----------------------------------------------|----------:|------------:|");
            Row("ffmpeg concat demuxer, -c copy (floor)", Median(floorCopy), 1);
            Row("Reel cut, stream copy", Median(reelCopy), Median(reelCopy) / Median(floorCopy));
            Row("ffmpeg concat demuxer, re-encode (floor)", Median(floorEncode), 1);
            Row("Reel cut, normalise + re-encode", Median(reelEncode), Median(reelEncode) / Median(floorEncode));
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Out(string dir, string name) => Path.Combine(dir, name + "-" + Guid.NewGuid().ToString("N")[..6] + ".mp4");

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException(what);
        }
    }

    private static void Row(string name, double ms, double ratio) =>
        Console.WriteLine($"| {name,-44} | {ms.ToString("N1", CultureInfo.InvariantCulture),9} | {ratio.ToString("0.00", CultureInfo.InvariantCulture),11} |");

    private static async Task<double> Time(Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }

    private static async Task Ffmpeg(FfmpegPaths tools, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(tools.Ffmpeg) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("ffmpeg failed: " + err);
        }
    }

    /// <summary>The process environment, where the test machine's ffmpeg is found.</summary>
    private static Dictionary<string, string?> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
}
