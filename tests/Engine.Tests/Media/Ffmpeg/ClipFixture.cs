using System.Globalization;
using System.Text.RegularExpressions;
using Reel.Engine.Media.Ffmpeg;

namespace Reel.Engine.Tests.Media.Ffmpeg;

/// <summary>Short synthetic clips made once with ffmpeg's lavfi sources, shared by the ffmpeg tests.</summary>
public sealed class ClipFixture : IDisposable
{
    private readonly TempDir dir = new();

    public ClipFixture()
    {
        Tools = FfmpegTools.Locate(ProcessEnvironment());
        var jobs = new List<Task>
        {
            // Identical encodings (stream-copy candidates): 640x360 @30, AAC 48 kHz stereo.
            Make(A1 = dir.File("a1.mp4"), "testsrc2=s=640x360:r=30", 1.0, "sine=f=880:r=48000", stereo: true),
            Make(A2 = dir.File("a2.mp4"), "testsrc2=s=640x360:r=30", 1.5, "sine=f=660:r=48000", stereo: true),

            // Mixed: 1280x720 @24 with 44.1 kHz mono, 720x1280 @25 without audio, 640x360 @30 with a long GOP for seeking.
            Make(H24 = dir.File("h24.mp4"), "testsrc2=s=1280x720:r=24", 1.0, "sine=f=440:r=44100", stereo: false),
            Make(P25 = dir.File("p25.mp4"), "smptebars=s=720x1280:r=25", 1.2, null, stereo: false),
            Make(Long30 = dir.File("long30.mp4"), "testsrc2=s=640x360:r=30", 3.0, "sine=f=500:r=48000", stereo: true, gop: 12),
            MakeMusic(Music = dir.File("music.m4a")),
        };
        Task.WaitAll(jobs);
    }

    public FfmpegPaths Tools { get; }

    public string A1 { get; }

    public string A2 { get; }

    public string H24 { get; }

    public string P25 { get; }

    public string Long30 { get; }

    public string Music { get; }

    public string File(string name) => dir.File(name);

    public void Dispose() => dir.Dispose();

    /// <summary>Runs ffmpeg (quiet) and returns its stderr; throws on failure.</summary>
    public async Task<string> Ffmpeg(params string[] args) =>
        (await FfmpegTools.RunCheckedAsync(Tools.Ffmpeg, ["-hide_banner", "-nostdin", .. args])).Stderr;

    /// <summary>Decoded video frame count (ffprobe -count_frames).</summary>
    public async Task<int> CountFrames(string path)
    {
        var run = await FfmpegTools.RunCheckedAsync(Tools.Ffprobe, ["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path]);
        return int.Parse(run.Stdout.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Silent intervals (start, end) found by silencedetect at -50 dB, at least 50 ms long.</summary>
    public async Task<List<(double Start, double End)>> Silences(string path)
    {
        var err = await Ffmpeg("-v", "info", "-nostats", "-i", path, "-map", "0:a:0", "-af", "silencedetect=noise=-50dB:d=0.05", "-f", "null", "-");
        var starts = Regex.Matches(err, @"silence_start: (-?[\d.]+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        var ends = Regex.Matches(err, @"silence_end: ([\d.]+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        return starts.Select((s, i) => (s, i < ends.Count ? ends[i] : double.PositiveInfinity)).ToList();
    }

    /// <summary>Integrated loudness (LUFS) measured by the ebur128 filter.</summary>
    public async Task<double> IntegratedLoudness(string path)
    {
        var err = await Ffmpeg("-v", "info", "-nostats", "-i", path, "-map", "0:a:0", "-af", "aresample=48000,ebur128=peak=none", "-f", "null", "-");
        var m = Regex.Matches(err, @"I:\s+(-?[\d.]+) LUFS");
        Assert.True(m.Count > 0, "no ebur128 summary: " + err);
        return double.Parse(m[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Raw RGB24 bytes of a picture or of frame <paramref name="index"/> of a clip (by decode order of output frames).</summary>
    public async Task<byte[]> Rgb(string path, int? index = null)
    {
        var raw = dir.File($"{Guid.NewGuid():N}.rgb");
        var args = new List<string> { "-v", "error", "-i", path };
        if (index is { } n)
        {
            args.AddRange(["-vf", $"select=eq(n\\,{n})", "-fps_mode", "passthrough"]);
        }

        args.AddRange(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", raw]);
        await Ffmpeg([.. args]);
        var bytes = await System.IO.File.ReadAllBytesAsync(raw);
        System.IO.File.Delete(raw);
        return bytes;
    }

    public static double MeanAbsDiff(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        long sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }

        return (double)sum / a.Length;
    }

    private Task Make(string path, string video, double seconds, string? audio, bool stereo, int gop = 250)
    {
        var d = seconds.ToString(CultureInfo.InvariantCulture);
        var args = new List<string> { "-v", "error", "-f", "lavfi", "-i", $"{video}:d={d}" };
        if (audio is not null)
        {
            args.AddRange(["-f", "lavfi", "-i", $"{audio}:d={d}"]);
        }

        args.AddRange(["-c:v", "libx264", "-preset", "ultrafast", "-g", gop.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p"]);
        if (audio is not null)
        {
            args.AddRange(["-c:a", "aac", "-ac", stereo ? "2" : "1"]);
        }

        args.AddRange(["-t", d, "-y", path]);
        return Ffmpeg([.. args]);
    }

    private Task MakeMusic(string path) =>
        Ffmpeg("-v", "error", "-f", "lavfi", "-i", "sine=f=220:r=44100:d=0.7", "-c:a", "aac", "-ac", "2", "-y", path);

    /// <summary>The process environment, where the test machine's ffmpeg is found.</summary>
    private static Dictionary<string, string?> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
}

[CollectionDefinition(Name)]
public sealed class FfmpegCollection : ICollectionFixture<ClipFixture>
{
    public const string Name = "ffmpeg clips";
}
