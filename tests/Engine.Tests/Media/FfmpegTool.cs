using System.Diagnostics;
using System.Text.Json;

namespace Reel.Engine.Tests.Media;

/// <summary>Runs ffprobe/ffmpeg for cross-checks. CI installs ffmpeg; a missing binary fails loudly rather than skipping.</summary>
internal static class FfmpegTool
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {tool}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{tool}' is not installed or not on PATH; these tests need ffmpeg/ffprobe (e.g. apt-get install -y ffmpeg)", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>ffprobe's view of the first video stream: width, height, decoded frame count, duration.</summary>
    public static (int Width, int Height, int Frames, double Duration, string Codec, string Profile) Probe(string path)
    {
        var (code, stdout, stderr) = Run("ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", path);
        Assert.True(code == 0, $"ffprobe failed ({code}): {stderr}");
        Assert.True(stderr.Length == 0, $"ffprobe reported errors: {stderr}");
        using var doc = JsonDocument.Parse(stdout);
        var stream = doc.RootElement.GetProperty("streams").EnumerateArray().First(s => s.GetProperty("codec_type").GetString() == "video");
        var duration = double.Parse(doc.RootElement.GetProperty("format").GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        return (
            stream.GetProperty("width").GetInt32(),
            stream.GetProperty("height").GetInt32(),
            int.Parse(stream.GetProperty("nb_read_frames").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            duration,
            stream.GetProperty("codec_name").GetString()!,
            stream.GetProperty("profile").GetString()!);
    }

    /// <summary>Decodes every frame; returns ffmpeg's error output (empty when the file is clean).</summary>
    public static string DecodeErrors(string path)
    {
        var (code, _, stderr) = Run("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-");
        return code == 0 ? stderr : $"exit {code}: {stderr}";
    }

    /// <summary>The last frame as raw RGB24 decoded by ffmpeg.</summary>
    public static byte[] LastFrameRgb(string path, int frameIndex)
    {
        var output = Path.Combine(Path.GetTempPath(), $"reel-ff-{Guid.NewGuid():N}.rgb");
        try
        {
            var (code, _, stderr) = Run("ffmpeg", "-v", "error", "-i", path, "-vf", $"select=eq(n\\,{frameIndex})", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", output);
            Assert.True(code == 0, $"ffmpeg failed: {stderr}");
            return File.ReadAllBytes(output);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
