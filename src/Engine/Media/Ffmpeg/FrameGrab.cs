using System.Globalization;
using Reel.Engine.Core;

namespace Reel.Engine.Media.Ffmpeg;

/// <summary>How a picture is fitted to a target size.</summary>
public enum FitMode
{
    /// <summary>Scale to fill, crop the overflow (centre).</summary>
    Cover,

    /// <summary>Scale to fit inside, letterbox/pillarbox with black.</summary>
    Pad,
}

/// <summary>Frame extraction from any clip ffmpeg can decode.</summary>
public static class FrameGrab
{
    /// <summary>
    /// Writes the clip's exact last decoded frame as an RGB PNG, optionally fitted to <paramref name="fitTo"/>.
    /// Decodes only the last second (seek to the keyframe before it, then every frame to the end, keeping the last).
    /// </summary>
    /// <exception cref="FfmpegException">ffmpeg failed.</exception>
    /// <exception cref="InvalidDataException">No frame could be decoded.</exception>
    public static async Task LastFrameAsync(
        string mp4,
        string pngOut,
        FfmpegPaths tools,
        VideoSize? fitTo = null,
        FitMode fit = FitMode.Cover,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var info = await MediaProbe.ProbeAsync(mp4, tools, cancellationToken).ConfigureAwait(false);
        var videoEnd = info.VideoDuration ?? info.Duration;
        await WriteThroughTempAsync(mp4, pngOut, async temp =>
        {
            // Seek close to the end first (cheap); if that yields nothing (odd timestamps), decode the whole clip.
            var starts = videoEnd > 1.5 ? new double?[] { videoEnd - 1.0, null } : new double?[] { null };
            foreach (var start in starts)
            {
                var args = new List<string> { "-v", "error" };
                if (start is { } s)
                {
                    args.AddRange(["-ss", s.ToString("0.######", CultureInfo.InvariantCulture)]);
                }

                args.AddRange(["-i", mp4, "-map", "0:v:0", "-an", "-sn", "-dn"]);
                var filter = fitTo is { } size ? FitFilter(size, fit) + "," : "";
                args.AddRange(["-vf", filter + "format=rgb24", "-fps_mode", "passthrough", "-c:v", "png", "-compression_level", "1"]);
                args.AddRange(["-f", "image2", "-update", "1", "-y", temp]);
                await FfmpegTools.FfmpegAsync(tools, args, cancellationToken).ConfigureAwait(false);
                if (File.Exists(temp) && new FileInfo(temp).Length > 0)
                {
                    break;
                }
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Writes the clip's first video frame as a PNG, fitted to <paramref name="fitTo"/> when given.</summary>
    public static async Task FirstFrameAsync(
        string mp4,
        string pngOut,
        FfmpegPaths tools,
        VideoSize? fitTo = null,
        FitMode fit = FitMode.Cover,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var filter = fitTo is { } size ? FitFilter(size, fit) + "," : "";
        await WriteThroughTempAsync(mp4, pngOut, temp => FfmpegTools.FfmpegAsync(tools, ["-v", "error", "-i", mp4, "-map", "0:v:0", "-an", "-sn", "-dn", "-frames:v", "1",
            "-vf", filter + "format=rgb24", "-c:v", "png", "-compression_level", "1", "-f", "image2", "-y", temp], cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a JPEG grid of <paramref name="columns"/> × <paramref name="rows"/> frames spread evenly over the clip, each
    /// padded to <paramref name="tile"/>, left to right then top to bottom (a short clip leaves the last tiles black).
    /// </summary>
    public static async Task SpritesheetAsync(
        string mp4,
        string jpgOut,
        FfmpegPaths tools,
        VideoSize tile,
        int columns,
        int rows,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var info = await MediaProbe.ProbeAsync(mp4, tools, cancellationToken).ConfigureAwait(false);
        var seconds = info.VideoDuration ?? info.Duration;
        var rate = (columns * rows / Math.Max(seconds, 0.05)).ToString("0.######", CultureInfo.InvariantCulture);
        var grid = string.Create(CultureInfo.InvariantCulture, $"tile={columns}x{rows}");
        await WriteThroughTempAsync(mp4, jpgOut, temp => FfmpegTools.FfmpegAsync(tools, ["-v", "error", "-i", mp4, "-map", "0:v:0", "-an", "-sn", "-dn",
            "-vf", $"fps={rate},{FitFilter(tile, FitMode.Pad)},{grid}", "-frames:v", "1", "-q:v", "4", "-f", "image2", "-y", temp], cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="write"/> into a hidden temporary file beside <paramref name="output"/> (same extension, so
    /// ffmpeg picks the format), then renames it into place; nothing written means no frame could be decoded.
    /// </summary>
    private static async Task WriteThroughTempAsync(string mp4, string output, Func<string, Task> write)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".";
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.partial{Path.GetExtension(output)}");
        try
        {
            await write(temp).ConfigureAwait(false);
            if (!File.Exists(temp) || new FileInfo(temp).Length == 0)
            {
                throw new InvalidDataException($"no video frame could be decoded from {Path.GetFileName(mp4)}");
            }

            File.Move(temp, output, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The ffmpeg filter chain that fits a picture to <paramref name="size"/> (square pixels).</summary>
    internal static string FitFilter(VideoSize size, FitMode fit)
    {
        var w = size.Width.ToString(CultureInfo.InvariantCulture);
        var h = size.Height.ToString(CultureInfo.InvariantCulture);
        return fit == FitMode.Cover
            ? $"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1"
            : $"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1";
    }
}
