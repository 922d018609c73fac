using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Core;
using Reel.Engine.Execution;
using Reel.Engine.Media;
using Reel.Engine.Prompts;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Media;

public sealed class ImageCodecTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(20000, 20000)]
    [InlineData(65535, 65535)]
    [InlineData(16385, 10)]
    public void ReadHeader_refuses_an_image_over_the_pixel_budget(int width, int height)
    {
        var path = _dir.File("bomb.png");
        File.WriteAllBytes(path, BombImages.Png(width, height));

        var ex = Assert.Throws<InvalidDataException>(() => ImageCodec.ReadHeader(path));

        Assert.Contains($"is {width}x{height} pixels", ex.Message, StringComparison.Ordinal);
        Assert.Contains("over Reel's budget of 40 megapixels", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new ImageHeader("PNG", width, height), ImageCodec.ReadHeader(path, checkBudget: false));
    }

    [Fact]
    public void Decode_of_a_bomb_fails_before_allocating_its_pixels()
    {
        var path = _dir.File("bomb.png");
        File.WriteAllBytes(path, BombImages.Png(20000, 20000));

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => ImageCodec.Decode(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Decoding it would take 2.8 GB (RGBA plus RGB); refusing it takes a few kilobytes.
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Images_without_pixels_or_not_images_at_all_are_named_as_such()
    {
        var zero = _dir.File("zero.png");
        File.WriteAllBytes(zero, BombImages.Png(0, 0));
        var empty = _dir.File("empty.png");
        File.WriteAllBytes(empty, []);
        var text = _dir.File("text.png");
        File.WriteAllText(text, "not an image at all\n");
        var truncated = _dir.File("truncated.png");
        File.WriteAllBytes(truncated, BombImages.Png(64, 64)[..20]);

        Assert.Equal("'zero.png' claims to be 0x0 pixels; an image needs at least one", Assert.Throws<InvalidDataException>(() => ImageCodec.ReadHeader(zero)).Message);
        Assert.Equal("'empty.png' is empty, not an image", Assert.Throws<InvalidDataException>(() => ImageCodec.ReadHeader(empty)).Message);
        Assert.Equal("'text.png' is not an image Reel can read (PNG, JPEG or WebP expected)", Assert.Throws<InvalidDataException>(() => ImageCodec.ReadHeader(text)).Message);
        Assert.Equal("'truncated.png' is a truncated image: its header is incomplete", Assert.Throws<InvalidDataException>(() => ImageCodec.ReadHeader(truncated)).Message);
    }

    [Fact]
    public void A_real_image_within_the_budget_passes_and_decodes()
    {
        var path = _dir.File("ok.png");
        using (var png = File.Create(path))
        {
            ImageCodec.WritePng(new RgbImage(64, 36), png);
        }

        Assert.Equal(new ImageHeader("PNG", 64, 36), ImageCodec.ReadHeader(path));
        Assert.Equal(64, ImageCodec.Decode(path).Width);
    }

    [Fact]
    public async Task At_run_time_a_bomb_fails_its_own_step_and_does_not_end_the_run()
    {
        // Validate refuses the file; one swapped in after validation must still fail only its step.
        var path = _dir.File("bomb.png");
        File.WriteAllBytes(path, BombImages.Png(65535, 65535));
        var workshop = new MediaWorkshop(new ObjectStore(_dir.File("store")), new Dictionary<string, string?>(), NullLogger.Instance);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() =>
            workshop.FitImageAsync(new InputFile("image", path, new string('0', 64)), new VideoSize(1280, 720), ImageFit.Cover, CancellationToken.None));

        Assert.True(FailurePolicy.FailsTheStep(ex));
        Assert.Contains("65535x65535 pixels", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_dir.File("store"), "*", SearchOption.AllDirectories));
    }
}
