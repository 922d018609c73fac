using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Reporting;

namespace Reel.Engine.Tests.Reporting;

/// <summary>The grid of a spritesheet, read from its size and the clip's shape (issue 13's hover-scrub).</summary>
public sealed class SpriteGridTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reel-sprites-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(128, 72, 5, 2, 1280, 720)] // the local renderer's 10 tiles, five a row
    [InlineData(72, 128, 5, 2, 720, 1280)] // portrait
    [InlineData(160, 90, 5, 2, 1920, 1080)] // made with ffmpeg
    [InlineData(128, 72, 3, 1, 1280, 720)] // a three-frame clip
    [InlineData(160, 90, 1, 1, 1280, 720)]
    [InlineData(100, 100, 4, 3, 512, 512)]
    public void Grid_is_the_fewest_tiles_shaped_like_the_clip(int tileWidth, int tileHeight, int columns, int rows, int clipWidth, int clipHeight)
    {
        var path = Jpeg(tileWidth * columns, tileHeight * rows);

        Assert.Equal(new SpriteGrid(columns, rows), SpriteGrid.Of(path, new VideoSize(clipWidth, clipHeight)));
    }

    [Fact]
    public void Grids_of_the_same_shape_are_read_as_the_fewest_tiles()
    {
        // 10×4 tiles make the shape of 5×2: the size alone cannot tell them apart, and Reel's own sheets are 5×2.
        Assert.Equal(new SpriteGrid(5, 2), SpriteGrid.Of(Jpeg(1280, 288), new VideoSize(1280, 720)));
    }

    [Fact]
    public void A_file_that_is_not_an_image_or_fits_no_grid_has_none()
    {
        var text = Path.Combine(_dir, "not-an-image.jpg");
        File.WriteAllText(text, "hello");

        Assert.Null(SpriteGrid.Of(text, new VideoSize(1280, 720)));
        Assert.Null(SpriteGrid.Of(Path.Combine(_dir, "missing.jpg"), new VideoSize(1280, 720)));
        Assert.Null(SpriteGrid.Of(Jpeg(2000, 20), new VideoSize(720, 1280)));
    }

    private string Jpeg(int width, int height)
    {
        var path = Path.Combine(_dir, $"{width}x{height}.jpg");
        using var file = File.Create(path);
        ImageCodec.WriteJpeg(new RgbImage(width, height), file);
        return path;
    }
}
