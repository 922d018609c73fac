using System.Globalization;
using System.Text.Json;

namespace Reel.Engine.Media.Ffmpeg;

/// <summary>ffprobe's view of a media file: container duration, first video stream, first audio stream.</summary>
/// <param name="Duration">Container duration in seconds.</param>
/// <param name="FrameRate">Average frame rate of the video stream (frames per second).</param>
/// <param name="FrameRateRational">The same as ffmpeg writes it (<c>30000/1001</c>), usable in filter arguments.</param>
public sealed record MediaInfo(
    double Duration,
    int Width,
    int Height,
    double FrameRate,
    string VideoCodec,
    string? Profile,
    string PixelFormat,
    bool HasAudio,
    int? SampleRate,
    int? Channels,
    string? AudioCodec,
    double? VideoDuration,
    double? AudioDuration)
{
    public string FrameRateRational { get; init; } = FrameRate.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Width / height (display aspect of square pixels).</summary>
    public double Aspect => Height == 0 ? 0 : (double)Width / Height;
}

/// <summary>Probing and verifying clips with ffprobe/ffmpeg.</summary>
public static class MediaProbe
{
    /// <summary>Probes a file with <c>ffprobe -show_streams -show_format -of json</c>.</summary>
    /// <exception cref="FfmpegException">ffprobe cannot read the file (message: its stderr).</exception>
    /// <exception cref="InvalidDataException">The file has no video stream.</exception>
    public static async Task<MediaInfo> ProbeAsync(string path, FfmpegPaths tools, CancellationToken cancellationToken = default) =>
        Parse(await ProbeJsonAsync(path, tools, cancellationToken).ConfigureAwait(false), path);

    /// <summary>
    /// ffprobe's JSON for a file, as it printed it: what a caller keeps beside the file's bytes so that the same
    /// bytes are never probed twice (<see cref="FromJson"/> reads it back).
    /// </summary>
    /// <exception cref="FfmpegException">ffprobe cannot read the file (message: its stderr).</exception>
    public static async Task<string> ProbeJsonAsync(string path, FfmpegPaths tools, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var run = await FfmpegTools.FfprobeAsync(tools, ["-v", "error", "-show_streams", "-show_format", "-of", "json", path], cancellationToken)
            .ConfigureAwait(false);
        return run.Stdout;
    }

    /// <summary>The <see cref="MediaInfo"/> of ffprobe's JSON kept from <see cref="ProbeJsonAsync"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON has no video stream.</exception>
    public static MediaInfo FromJson(string json, string path) => Parse(json, path);

    /// <summary>
    /// Checks a clip a provider returned: readable, has video, duration within <paramref name="tolerance"/> seconds of
    /// <paramref name="expectedSeconds"/>, aspect (width/height) within 2 % of <paramref name="expectedAspect"/>, and
    /// every frame decodes without error. Returns null when fine, else the reason (e.g. "duration 7.5 s, expected 8 s").
    /// </summary>
    public static async Task<string?> VerifyAsync(
        string path,
        FfmpegPaths tools,
        double? expectedSeconds = null,
        double? expectedAspect = null,
        double tolerance = 0.25,
        CancellationToken cancellationToken = default) =>
        (await VerifyAndProbeAsync(path, tools, expectedSeconds, expectedAspect, tolerance, cancellationToken).ConfigureAwait(false)).Problem;

    /// <summary>
    /// <see cref="VerifyAsync"/>, also returning ffprobe's JSON of the file when it could be probed (kept by the caller
    /// beside the bytes, so a later cut does not probe them again).
    /// </summary>
    public static async Task<(string? Problem, string? ProbeJson)> VerifyAndProbeAsync(
        string path,
        FfmpegPaths tools,
        double? expectedSeconds = null,
        double? expectedAspect = null,
        double tolerance = 0.25,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (!File.Exists(path))
        {
            return ("file does not exist", null);
        }

        if (new FileInfo(path).Length == 0)
        {
            return ("file is empty", null);
        }

        MediaInfo info;
        string json;
        try
        {
            json = await ProbeJsonAsync(path, tools, cancellationToken).ConfigureAwait(false);
            info = Parse(json, path);
        }
        catch (FfmpegException e)
        {
            return ("not a readable video: " + FirstLine(e.StderrTail), null);
        }
        catch (InvalidDataException e)
        {
            return (e.Message, null);
        }

        if (expectedSeconds is { } seconds)
        {
            var actual = info.VideoDuration ?? info.Duration;
            if (Math.Abs(actual - seconds) > tolerance)
            {
                return ($"duration {Num(actual)} s, expected {Num(seconds)} s", json);
            }
        }

        if (expectedAspect is { } aspect && aspect > 0 && Math.Abs(info.Aspect / aspect - 1) > 0.02)
        {
            return ($"aspect {Num(info.Aspect)} ({info.Width}x{info.Height}), expected {Num(aspect)}", json);
        }

        var decode = await FfmpegTools.RunAsync(tools.Ffmpeg, ["-hide_banner", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"], cancellationToken)
            .ConfigureAwait(false);
        if (decode.ExitCode != 0 || decode.Stderr.Trim().Length > 0)
        {
            return ("does not decode: " + FirstLine(decode.Stderr.Trim().Length > 0 ? decode.Stderr : $"ffmpeg exit {decode.ExitCode}"), json);
        }

        return (null, json);
    }

    internal static MediaInfo Parse(string json, string path)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        JsonElement? video = null;
        JsonElement? audio = null;
        if (root.TryGetProperty("streams", out var streams))
        {
            foreach (var s in streams.EnumerateArray())
            {
                var type = Str(s, "codec_type");
                var attached = s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var ap) && ap.GetInt32() == 1;
                if (type == "video" && video is null && !attached)
                {
                    video = s;
                }
                else if (type == "audio" && audio is null)
                {
                    audio = s;
                }
            }
        }

        if (video is not { } v)
        {
            throw new InvalidDataException($"no video stream in {Path.GetFileName(path)}");
        }

        var rate = Str(v, "avg_frame_rate");
        if (Rational(rate) is not > 0)
        {
            rate = Str(v, "r_frame_rate");
        }

        var fps = Rational(rate) ?? 0;
        var videoDuration = Dbl(v, "duration");
        var audioDuration = audio is { } a0 ? Dbl(a0, "duration") : null;
        var duration = root.TryGetProperty("format", out var format) ? Dbl(format, "duration") : null;
        duration ??= Math.Max(videoDuration ?? 0, audioDuration ?? 0);
        return new MediaInfo(
            duration.Value,
            v.TryGetProperty("width", out var w) ? w.GetInt32() : 0,
            v.TryGetProperty("height", out var h) ? h.GetInt32() : 0,
            fps,
            Str(v, "codec_name") ?? "",
            Str(v, "profile"),
            Str(v, "pix_fmt") ?? "",
            audio is not null,
            audio is { } a1 && Str(a1, "sample_rate") is { } sr ? int.Parse(sr, CultureInfo.InvariantCulture) : null,
            audio is { } a2 && a2.TryGetProperty("channels", out var ch) ? ch.GetInt32() : null,
            audio is { } a3 ? Str(a3, "codec_name") : null,
            videoDuration,
            audioDuration)
        {
            FrameRateRational = rate is not null && fps > 0 ? rate : "25/1",
        };
    }

    internal static double? Rational(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var parts = text.Split('/');
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        if (parts.Length == 1)
        {
            return n;
        }

        return double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d != 0 ? n / d : null;
    }

    internal static string Num(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? text;

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) ? (p.ValueKind == JsonValueKind.String ? p.GetString() : p.ToString()) : null;

    private static double? Dbl(JsonElement e, string name) =>
        Str(e, name) is { } s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
