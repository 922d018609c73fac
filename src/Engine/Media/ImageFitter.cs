using Reel.Engine.Core;

namespace Reel.Engine.Media;

/// <summary>Fits a reference image to a clip size before upload, since providers reject mismatched sizes.</summary>
public static class ImageFitter
{
    /// <summary>Writes <paramref name="imagePath"/> as a PNG of exactly <paramref name="size"/>: cover-cropped, or letterboxed with <see cref="ImageFit.Pad"/>.</summary>
    public static void Fit(string imagePath, VideoSize size, ImageFit fit, Stream pngOutput)
    {
        var image = ImageCodec.Decode(imagePath);
        var fitted = fit == ImageFit.Pad
            ? Resampler.Letterbox(image, size.Width, size.Height)
            : Resampler.Cover(image, size.Width, size.Height);
        ImageCodec.WritePng(fitted, pngOutput);
    }
}
