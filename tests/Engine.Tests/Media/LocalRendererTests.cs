using System.Diagnostics;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Scripts;
using SkiaSharp;

namespace Reel.Engine.Tests.Media;

public sealed class LocalRendererTests
{
    private static ClipSpec Spec(int w = 1280, int h = 720, double seconds = 8, ulong seed = 42, string? image = null) =>
        new("open#2", "sora-2 - A lighthouse keeper climbs the stairs at dawn, rain on the glass", new VideoSize(w, h), seconds, seed, image);

    private static byte[] Render(ClipSpec spec)
    {
        using var ms = new MemoryStream();
        LocalRenderer.WriteClip(spec, ms);
        return ms.ToArray();
    }

    private static string RenderTo(TempDir dir, string name, ClipSpec spec)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, Render(spec));
        return path;
    }

    [Fact]
    public void Clip_is_identical_for_identical_requests()
    {
        Assert.Equal(Render(Spec()), Render(Spec()));
    }

    [Fact]
    public void Clip_differs_when_the_seed_differs()
    {
        Assert.NotEqual(Render(Spec(seed: 1)), Render(Spec(seed: 2)));
    }

    [Fact]
    public void Eight_second_720p_clip_is_small_and_fast()
    {
        var sw = Stopwatch.StartNew();
        var bytes = Render(Spec());
        sw.Stop();
        Assert.True(bytes.Length < 4 * 1024 * 1024, $"clip is {bytes.Length} bytes");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"rendering took {sw.Elapsed}");
    }

    [Theory]
    [InlineData(1280, 720, 8)]
    [InlineData(720, 1280, 4)]
    [InlineData(1792, 1024, 12)]
    [InlineData(100, 100, 1)]
    public void Clip_has_the_requested_aspect_and_duration(int w, int h, int seconds)
    {
        using var dir = new TempDir();
        var path = RenderTo(dir, "clip.mp4", Spec(w, h, seconds));
        var info = Mp4Clip.Probe(path);
        Assert.True(info.IsLocalEncoding);
        Assert.Equal(seconds, info.Seconds, 3);
        Assert.Equal(seconds * LocalRenderer.FramesPerSecond, info.Frames);
        Assert.Equal(LocalRenderer.FramesPerSecond, info.FramesPerSecond, 3);
        Assert.True(info.Width % 2 == 0 && info.Height % 2 == 0);
        Assert.True(info.Width >= 64 && info.Height >= 64);
        Assert.True(Math.Abs(((double)info.Width / info.Height) - ((double)w / h)) < 0.03, $"{info.Width}x{info.Height} for {w}x{h}");
    }

    [Theory]
    [InlineData(1280, 720, 8)]
    [InlineData(720, 1280, 3)]
    [InlineData(1792, 1024, 5)]
    public void Ffprobe_agrees_on_size_duration_and_frame_count(int w, int h, int seconds)
    {
        using var dir = new TempDir();
        var path = RenderTo(dir, "clip.mp4", Spec(w, h, seconds));
        var info = Mp4Clip.Probe(path);
        var ff = FfmpegTool.Probe(path);
        Assert.Equal("h264", ff.Codec);
        Assert.Contains("Baseline", ff.Profile, StringComparison.Ordinal);
        Assert.Equal(info.Width, ff.Width);
        Assert.Equal(info.Height, ff.Height);
        Assert.Equal(info.Frames, ff.Frames);
        Assert.Equal(seconds, ff.Duration, 2);
    }

    [Fact]
    public void Ffmpeg_decodes_every_frame_without_errors()
    {
        using var dir = new TempDir();
        var path = RenderTo(dir, "clip.mp4", Spec(854, 480, 6, seed: 7));
        Assert.Equal("", FfmpegTool.DecodeErrors(path));
    }

    [Fact]
    public void Ffmpeg_decodes_the_same_pixels_as_the_built_in_reader()
    {
        using var dir = new TempDir();
        var path = RenderTo(dir, "clip.mp4", Spec(640, 360, 2));
        var info = Mp4Clip.Probe(path);
        using var png = new MemoryStream();
        Mp4Clip.WriteLastFrame(path, png);
        using var ours = SKBitmap.Decode(png.ToArray());
        var theirs = FfmpegTool.LastFrameRgb(path, info.Frames - 1);
        Assert.Equal(info.Width * info.Height * 3, theirs.Length);

        // Chroma upsampling differs between converters, so compare with a tolerance.
        long totalDiff = 0;
        for (var y = 0; y < info.Height; y++)
        {
            for (var x = 0; x < info.Width; x++)
            {
                var c = ours.GetPixel(x, y);
                var i = ((y * info.Width) + x) * 3;
                totalDiff += Math.Abs(c.Red - theirs[i]) + Math.Abs(c.Green - theirs[i + 1]) + Math.Abs(c.Blue - theirs[i + 2]);
            }
        }

        var mean = (double)totalDiff / (info.Width * info.Height * 3);
        Assert.True(mean < 6, $"mean channel difference {mean}");
    }

    [Fact]
    public void First_frame_image_is_shown_at_the_start()
    {
        using var dir = new TempDir();
        var imagePath = dir.File("first.png");
        using (var bmp = new SKBitmap(400, 300))
        {
            bmp.Erase(new SKColor(0, 200, 0));
            using var f = File.Create(imagePath);
            bmp.Encode(f, SKEncodedImageFormat.Png, 100);
        }

        var path = RenderTo(dir, "clip.mp4", Spec(1280, 720, 3, image: imagePath));
        using var stream = File.OpenRead(path);
        var track = Mp4Reader.Read(stream, path);
        var first = Mp4Clip.DecodeFrame(stream, path, track, 0);
        var last = Mp4Clip.DecodeFrame(stream, path, track, track.Count - 1);

        // Sample a pixel away from text: left edge, upper third.
        var i = ((first.Height / 3 * first.Width) + 2) * 3;
        Assert.True(first.Pixels[i + 1] > 150 && first.Pixels[i] < 60, "first frame shows the image");
        Assert.False(last.Pixels[i + 1] > 150 && last.Pixels[i] < 60, "later frames show the background");
    }

    [Fact]
    public void Thumbnail_and_spritesheet_are_deterministic_images()
    {
        using var a = new MemoryStream();
        using var b = new MemoryStream();
        LocalRenderer.WriteThumbnail(Spec(), a);
        LocalRenderer.WriteThumbnail(Spec(), b);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(a.ToArray(), 8, 4));

        using var s1 = new MemoryStream();
        using var s2 = new MemoryStream();
        LocalRenderer.WriteSpritesheet(Spec(), s1);
        LocalRenderer.WriteSpritesheet(Spec(), s2);
        Assert.Equal(s1.ToArray(), s2.ToArray());
        using var sheet = SKBitmap.Decode(s1.ToArray());
        Assert.Equal(256 * 5, sheet.Width);
        Assert.Equal(144 * 2, sheet.Height);
    }

    [Fact]
    public void Thumbnail_matches_the_decoded_middle_frame()
    {
        using var dir = new TempDir();
        var path = RenderTo(dir, "clip.mp4", Spec());
        using var thumb = new MemoryStream();
        LocalRenderer.WriteThumbnail(Spec(), thumb);
        using var fromClip = new MemoryStream();
        using (var stream = File.OpenRead(path))
        {
            Mp4Clip.WriteThumbnail(stream, path, fromClip);
        }

        Assert.Equal(thumb.ToArray(), fromClip.ToArray());
    }
}
