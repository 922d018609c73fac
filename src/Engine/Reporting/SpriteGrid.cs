using Reel.Engine.Core;
using Reel.Engine.Media;

namespace Reel.Engine.Reporting;

/// <summary>How a spritesheet lays out its frames: <see cref="Columns"/> × <see cref="Rows"/> tiles, left to right, then top to bottom.</summary>
/// <remarks>A class, not a struct: a nullable struct on the sheet's path was JIT-compiled in every cold process.</remarks>
public sealed record SpriteGrid(int Columns, int Rows)
{
    /// <summary>The grid of the sheets Reel makes (the local renderer's, and those made with ffmpeg): ten frames, five a row.</summary>
    public static SpriteGrid Local { get; } = new(5, 2);

    public int Tiles => Columns * Rows;

    /// <summary>
    /// The grid of the sheet at <paramref name="image"/> for a clip of <paramref name="clip"/>'s aspect ratio: the fewest
    /// tiles (up to 12 a side) whose shape matches the clip's. Providers do not document their layout; the tiles of
    /// every sheet seen have the clip's shape. Grids of one shape (5×2 and 10×4; a square clip's 1×1 and 4×4) cannot
    /// be told apart by size and are read as the fewest tiles. Null when the file is not an image or no grid fits within 10%.
    /// </summary>
    public static SpriteGrid? Of(string image, VideoSize clip)
    {
        int width, height;
        if (ImageSize.Read(image) is { } size)
        {
            (width, height) = size;
        }
        else
        {
            try
            {
                var header = ImageCodec.ReadHeader(image, checkBudget: false);
                (width, height) = (header.Width, header.Height);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        var aspect = clip.Width > 0 && clip.Height > 0 ? (double)clip.Width / clip.Height : 16.0 / 9;
        SpriteGrid? best = null;
        var bestError = double.MaxValue;
        for (var rows = 1; rows <= 12; rows++)
        {
            for (var columns = 1; columns <= 12; columns++)
            {
                var error = Math.Abs(Math.Log((double)width / columns / ((double)height / rows) / aspect));

                // A grid with more tiles wins only when its shape fits clearly better (5×2 and 10×4 fit alike).
                if (error < bestError - 0.02 || (error < bestError + 0.02 && columns * rows < best!.Tiles))
                {
                    (best, bestError) = (new SpriteGrid(columns, rows), Math.Min(error, bestError));
                }
            }
        }

        return bestError < 0.1 ? best : null;
    }
}
