using Reel.Engine.Core;
using Reel.Engine.Media;
using SkiaSharp;

namespace Reel.Emulator.Rendering;

/// <summary>A decoded input image, saved where the renderer can use it as a first frame.</summary>
internal sealed record SavedImage(string Path, int Width, int Height, string Sha);

/// <summary>A readable input MP4, saved to disk.</summary>
internal sealed record SavedVideo(string Path, VideoSize Size, int Seconds, string Sha);

/// <summary>
/// Inputs that arrive as bytes (a <c>data:</c> URI or raw base64, as Runway and Kling take them), decoded and saved
/// under a family's uploads folder. The emulator never fetches from the network. Errors are
/// <see cref="FormatException"/>s whose message the family puts in its own error shape.
/// </summary>
internal static class InputMedia
{
    /// <summary>The bytes of a <c>data:&lt;type&gt;;base64,…</c> URI, or of raw base64 when <paramref name="rawBase64"/>.</summary>
    public static byte[] Decode(string text, bool rawBase64)
    {
        if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !text[..comma].EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException("a data URI must be base64 (data:<type>;base64,<data>)");
            }

            return Convert.FromBase64String(text[(comma + 1)..]);
        }

        if (!rawBase64)
        {
            throw new FormatException("the emulator reads data URIs and its own upload URIs only; it never fetches from the network");
        }

        return Convert.FromBase64String(text);
    }

    /// <summary>Decodes and saves a PNG, JPEG or WebP image.</summary>
    public static SavedImage SaveImage(byte[] bytes, string folder)
    {
        using var codec = SKCodec.Create(new MemoryStream(bytes)) ?? throw new FormatException("not a PNG, JPEG or WebP image");
        var extension = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Png => ".png",
            SKEncodedImageFormat.Jpeg => ".jpg",
            SKEncodedImageFormat.Webp => ".webp",
            _ => throw new FormatException("not a PNG, JPEG or WebP image"),
        };
        var sha = JobHost.Sha256(bytes);
        var path = Path.Combine(folder, "img_" + sha[..24] + extension);
        if (!File.Exists(path))
        {
            File.WriteAllBytes(path, bytes);
        }

        return new SavedImage(path, codec.Info.Width, codec.Info.Height, sha);
    }

    /// <summary>Saves and probes an MP4.</summary>
    public static SavedVideo SaveVideo(byte[] bytes, string folder)
    {
        var sha = JobHost.Sha256(bytes);
        var path = Path.Combine(folder, "vid_" + sha[..24] + ".mp4");
        if (!File.Exists(path))
        {
            File.WriteAllBytes(path, bytes);
        }

        return Probe(path, sha);
    }

    /// <summary>Probes an MP4 on disk; a file that is not one is a <see cref="FormatException"/>.</summary>
    public static SavedVideo Probe(string path, string sha)
    {
        try
        {
            var info = Mp4Clip.Probe(path);
            return new SavedVideo(path, new VideoSize(info.Width, info.Height), Math.Max(1, (int)Math.Round(info.Seconds)), sha);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new FormatException("not a readable MP4 video", ex);
        }
    }
}
