using System.Runtime.InteropServices;
using SkiaSharp;

namespace Reel.Engine.Media;

/// <summary>SkiaSharp is used only to decode and encode image files; all pixel work is done in integers here.</summary>
internal static class ImageCodec
{
    public static RgbImage Decode(string path)
    {
        using var codec = SKCodec.Create(path)
            ?? throw new InvalidDataException($"{path} is not an image Reel can read (PNG, JPEG or WebP expected)");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = SKBitmap.Decode(codec, info)
            ?? throw new InvalidDataException($"{path} could not be decoded as an image");
        var rgba = bitmap.GetPixelSpan();
        var image = new RgbImage(info.Width, info.Height);
        var rowBytes = bitmap.RowBytes;
        for (var y = 0; y < info.Height; y++)
        {
            for (var x = 0; x < info.Width; x++)
            {
                var s = (y * rowBytes) + (x * 4);
                var d = ((y * info.Width) + x) * 3;
                var a = rgba[s + 3];

                // Transparent areas are composited over black.
                image.Pixels[d] = (byte)((rgba[s] * a) / 255);
                image.Pixels[d + 1] = (byte)((rgba[s + 1] * a) / 255);
                image.Pixels[d + 2] = (byte)((rgba[s + 2] * a) / 255);
            }
        }

        return image;
    }

    public static void WritePng(RgbImage image, Stream output) =>
        Encode(image, output, pixmap => pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, 6)));

    /// <summary>Lossless WebP: exact, and the same bytes on every CPU.</summary>
    public static void WriteWebp(RgbImage image, Stream output) =>
        Encode(image, output, pixmap => pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 75)));

    public static void WriteJpeg(RgbImage image, Stream output) =>
        Encode(image, output, pixmap => pixmap.Encode(new SKJpegEncoderOptions(85, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore)));

    private static void Encode(RgbImage image, Stream output, Func<SKPixmap, SKData?> encode)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < image.Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = image.Pixels[i];
            rgba[j + 1] = image.Pixels[i + 1];
            rgba[j + 2] = image.Pixels[i + 2];
            rgba[j + 3] = 255;
        }

        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), image.Width * 4);
            using var data = encode(pixmap) ?? throw new InvalidOperationException("SkiaSharp failed to encode the image");
            data.SaveTo(output);
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>Lays frames out in a grid, at most five per row.</summary>
    public static RgbImage Grid(IReadOnlyList<RgbImage> tiles)
    {
        var cols = Math.Min(5, tiles.Count);
        var rows = (tiles.Count + cols - 1) / cols;
        var tw = tiles[0].Width;
        var th = tiles[0].Height;
        var sheet = new RgbImage(tw * cols, th * rows);
        for (var i = 0; i < tiles.Count; i++)
        {
            sheet.Blit(tiles[i], (i % cols) * tw, (i / cols) * th);
        }

        return sheet;
    }

    /// <summary>Which frames a spritesheet shows: up to ten, evenly spread, first and last included.</summary>
    public static int[] SpriteIndices(int frames)
    {
        var n = Math.Min(frames, 10);
        var indices = new int[n];
        for (var k = 0; k < n; k++)
        {
            indices[k] = n == 1 ? 0 : (int)((long)k * (frames - 1) / (n - 1));
        }

        return indices;
    }
}
