using System.Globalization;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace Reel.Engine.Media;

/// <summary>What an image file's header says: its format and size, read without decoding a pixel.</summary>
internal sealed record ImageHeader(string Format, int Width, int Height)
{
    public long Pixels => (long)Width * Height;
}

/// <summary>
/// SkiaSharp is used only to decode and encode image files; all pixel work is done in integers here. Every
/// image is judged by its header before a pixel is decoded: a few bytes of PNG can claim 65535×65535 pixels
/// (a decompression bomb), so an image over the pixel budget is refused, not decoded.
/// </summary>
internal static class ImageCodec
{
    /// <summary>The most pixels Reel decodes from one image (an 8K frame, 7680×4320, is 33.2 million).</summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>The longest side Reel decodes.</summary>
    public const int MaxSide = 16_384;

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Reads the header of an image file; <see cref="InvalidDataException"/> says what is wrong with it. With
    /// <paramref name="checkBudget"/>, an image over the budget is refused too (<see cref="BudgetProblem"/>).
    /// </summary>
    public static ImageHeader ReadHeader(string path, bool checkBudget = true)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, Path.GetFileName(path), checkBudget);
    }

    /// <summary>Reads the header of the image in <paramref name="stream"/> (named <paramref name="name"/> in errors).</summary>
    public static ImageHeader ReadHeader(Stream stream, string name, bool checkBudget = true)
    {
        if (stream.CanSeek && stream.Length == 0)
        {
            throw new InvalidDataException($"'{name}' is empty, not an image");
        }

        // SkiaSharp refuses a PNG that claims no pixels without saying why (and closes the stream): look first.
        var claimed = stream.CanSeek ? PngSize(stream) : null;
        using var codec = SKCodec.Create(stream, out var result);
        if (codec is null && claimed is { } size)
        {
            throw new InvalidDataException($"'{name}' claims to be {size.Width}x{size.Height} pixels; an image needs at least one");
        }

        if (codec is null)
        {
            throw new InvalidDataException(result == SKCodecResult.IncompleteInput
                ? $"'{name}' is a truncated image: its header is incomplete"
                : $"'{name}' is not an image Reel can read (PNG, JPEG or WebP expected)");
        }

        var format = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Png => "PNG",
            SKEncodedImageFormat.Jpeg => "JPEG",
            SKEncodedImageFormat.Webp => "WebP",
            _ => null,
        } ?? throw new InvalidDataException($"'{name}' is a {codec.EncodedFormat.ToString().ToUpperInvariant()} image; Reel reads PNG, JPEG or WebP");
        var header = new ImageHeader(format, codec.Info.Width, codec.Info.Height);
        if (header.Width <= 0 || header.Height <= 0)
        {
            throw new InvalidDataException($"'{name}' claims to be {header.Width}x{header.Height} pixels; an image needs at least one");
        }

        if (checkBudget)
        {
            CheckBudget(header, name);
        }

        return header;
    }

    /// <summary>The size a PNG's header claims when it claims no pixels (the IHDR chunk right after the signature), else null.</summary>
    private static (int Width, int Height)? PngSize(Stream stream)
    {
        Span<byte> head = stackalloc byte[24];
        var start = stream.Position;
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        if (read < head.Length
            || !head[..8].SequenceEqual(PngSignature) || !head[12..16].SequenceEqual("IHDR"u8))
        {
            return null;
        }

        var width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head[16..20]);
        var height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head[20..24]);
        return width <= 0 || height <= 0 ? (width, height) : null;
    }

    /// <summary>Why an image of this size is not decoded (no pixels, or more than the budget), or null.</summary>
    public static string? BudgetProblem(ImageHeader header, string name)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.Width <= 0 || header.Height <= 0)
        {
            return $"'{name}' claims to be {header.Width}x{header.Height} pixels; an image needs at least one";
        }

        return header.Pixels > MaxPixels || header.Width > MaxSide || header.Height > MaxSide
            ? string.Create(CultureInfo.InvariantCulture, $"'{name}' is {header.Width}x{header.Height} pixels ({header.Pixels / 1e6:0.#} megapixels), over Reel's budget of {MaxPixels / 1_000_000} megapixels and {MaxSide} pixels a side; scale it down (providers take at most a video frame's size)")
            : null;
    }

    /// <summary>Refuses an image with no pixels or more than the budget, before anything is allocated for it.</summary>
    public static void CheckBudget(ImageHeader header, string name)
    {
        if (BudgetProblem(header, name) is { } problem)
        {
            throw new InvalidDataException(problem);
        }
    }

    /// <summary>Decodes an image whose header passed <see cref="ReadHeader(string)"/>; a damaged body is an <see cref="InvalidDataException"/>.</summary>
    public static RgbImage Decode(string path)
    {
        var name = Path.GetFileName(path);
        using var stream = File.OpenRead(path);
        using var codec = SKCodec.Create(stream)
            ?? throw new InvalidDataException($"'{name}' is not an image Reel can read (PNG, JPEG or WebP expected)");
        CheckBudget(new ImageHeader(codec.EncodedFormat.ToString(), codec.Info.Width, codec.Info.Height), name);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var decoded = codec.GetPixels(info, bitmap.GetPixels());
        if (decoded is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new InvalidDataException($"'{name}' could not be decoded as an image ({decoded})");
        }

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
