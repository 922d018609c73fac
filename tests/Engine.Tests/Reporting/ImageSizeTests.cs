using Reel.Engine.Media;
using Reel.Engine.Reporting;

namespace Reel.Engine.Tests.Reporting;

/// <summary>The sheet's own header reader says what SkiaSharp says, and leaves to it what it is not sure of.</summary>
public sealed class ImageSizeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reel-image-size-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("png", 1, 1)]
    [InlineData("png", 640, 144)]
    [InlineData("jpg", 1, 1)]
    [InlineData("jpg", 640, 144)]
    [InlineData("jpg", 1600, 900)]
    [InlineData("webp", 1, 1)]
    [InlineData("webp", 640, 144)]
    [InlineData("webp", 1283, 7)]
    public void Size_is_what_SkiaSharp_reads(string format, int width, int height)
    {
        var path = Path.Combine(_dir, $"{width}x{height}.{format}");
        using (var file = File.Create(path))
        {
            var image = new RgbImage(width, height);
            switch (format)
            {
                case "png": ImageCodec.WritePng(image, file); break;
                case "jpg": ImageCodec.WriteJpeg(image, file); break;
                default: ImageCodec.WriteWebp(image, file); break;
            }
        }

        var skia = ImageCodec.ReadHeader(path, checkBudget: false);
        Assert.Equal((skia.Width, skia.Height), ImageSize.Read(path));
        Assert.Equal((width, height), ImageSize.Read(path));
    }

    [Fact]
    public void A_jpeg_with_a_large_segment_before_its_frame_header_is_read_past_it()
    {
        var jpeg = Path.Combine(_dir, "a.jpg");
        using (var file = File.Create(jpeg))
        {
            ImageCodec.WriteJpeg(new RgbImage(320, 90), file);
        }

        // An APP1 segment of 3,000 bytes (as EXIF data would be) right after the start marker.
        var bytes = File.ReadAllBytes(jpeg);
        var app = new byte[3002];
        (app[0], app[1], app[2], app[3]) = (0xFF, 0xE1, 3000 >> 8, 3000 & 0xFF);
        var padded = Path.Combine(_dir, "b.jpg");
        File.WriteAllBytes(padded, [.. bytes[..2], .. app, .. bytes[2..]]);

        Assert.Equal((320, 90), ImageSize.Read(padded));
        var skia = ImageCodec.ReadHeader(padded, checkBudget: false);
        Assert.Equal((skia.Width, skia.Height), ImageSize.Read(padded));
    }

    [Fact]
    public void What_it_is_not_sure_of_is_null()
    {
        var text = Path.Combine(_dir, "text.jpg");
        File.WriteAllText(text, "hello");
        var empty = Path.Combine(_dir, "empty.png");
        File.WriteAllBytes(empty, []);
        var noPixels = Path.Combine(_dir, "zero.png");
        File.WriteAllBytes(noPixels, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 0, 0, 0, 0, 5]);
        var truncated = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(truncated, [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A]);

        Assert.Null(ImageSize.Read(text));
        Assert.Null(ImageSize.Read(empty));
        Assert.Null(ImageSize.Read(noPixels));
        Assert.Null(ImageSize.Read(truncated));
        Assert.Null(ImageSize.Read(Path.Combine(_dir, "missing.png")));
    }
}
