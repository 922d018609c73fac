using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>Reads a media file's streams with the real ffprobe (CI installs ffmpeg).</summary>
public static class Ffprobe
{
    public static JsonElement Streams(string path)
    {
        var psi = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-v", "error", "-show_streams", "-show_format", "-of", "json", path })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("ffprobe is required for this test (CI installs ffmpeg)");
        var json = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>The first stream of a type (<c>video</c>, <c>audio</c>).</summary>
    public static JsonElement Stream(JsonElement info, string type) =>
        info.GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("codec_type").GetString() == type);

    public static double Duration(JsonElement info, string type) =>
        double.Parse(Stream(info, type).GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
}
