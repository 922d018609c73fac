using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Scripts;
using SkiaSharp;

namespace Reel.Engine.Tests.Media;

public sealed class Mp4ClipTests
{
    private static string Clip(TempDir dir, string name, int w, int h, double seconds, ulong seed = 1)
    {
        var path = dir.File(name);
        using var f = File.Create(path);
        LocalRenderer.WriteClip(new ClipSpec(name, "caption", new VideoSize(w, h), seconds, seed), f);
        return path;
    }

    private static string Concat(TempDir dir, IReadOnlyList<string> inputs, VideoSize? target = null)
    {
        var path = dir.File($"joined-{Guid.NewGuid():N}.mp4");
        using (var f = File.Create(path))
        {
            Mp4Clip.Concat(inputs, f, target);
        }

        return path;
    }

    private static List<byte[]> Samples(string path)
    {
        using var s = File.OpenRead(path);
        var track = Mp4Reader.Read(s, path);
        return Enumerable.Range(0, track.Count).Select(i => Mp4Reader.ReadSample(s, track, i)).ToList();
    }

    [Fact]
    public void Concat_of_same_size_clips_copies_samples_and_sums_durations()
    {
        using var dir = new TempDir();
        var a = Clip(dir, "a.mp4", 1280, 720, 3, seed: 1);
        var b = Clip(dir, "b.mp4", 1280, 720, 5, seed: 2);
        var joined = Concat(dir, [a, b]);

        var info = Mp4Clip.Probe(joined);
        Assert.Equal(8, info.Seconds, 3);
        Assert.Equal(Mp4Clip.Probe(a).Frames + Mp4Clip.Probe(b).Frames, info.Frames);
        Assert.Equal(Mp4Clip.Probe(a).Width, info.Width);

        // Copied, not re-encoded: pixel data is byte-identical (only idr_pic_id may be renumbered).
        var expected = Samples(a).Concat(Samples(b)).ToList();
        var actual = Samples(joined);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            Assert.True(expected[i].AsSpan(7).SequenceEqual(actual[i].AsSpan(7)), $"sample {i} differs");
        }

        var ff = FfmpegTool.Probe(joined);
        Assert.Equal(info.Frames, ff.Frames);
        Assert.Equal(8, ff.Duration, 2);
        Assert.Equal("", FfmpegTool.DecodeErrors(joined));
    }

    [Fact]
    public void Concat_is_deterministic()
    {
        using var dir = new TempDir();
        var a = Clip(dir, "a.mp4", 640, 360, 1);
        var b = Clip(dir, "b.mp4", 360, 640, 1);
        Assert.Equal(File.ReadAllBytes(Concat(dir, [a, b])), File.ReadAllBytes(Concat(dir, [a, b])));
    }

    [Fact]
    public void Concat_of_mixed_sizes_reencodes_to_the_first_clip_size()
    {
        using var dir = new TempDir();
        var a = Clip(dir, "a.mp4", 1280, 720, 2);
        var b = Clip(dir, "b.mp4", 720, 1280, 3);
        var joined = Concat(dir, [a, b]);

        var first = Mp4Clip.Probe(a);
        var info = Mp4Clip.Probe(joined);
        Assert.Equal((first.Width, first.Height), (info.Width, info.Height));
        Assert.Equal(5, info.Seconds, 3);
        Assert.True(info.IsLocalEncoding);

        var ff = FfmpegTool.Probe(joined);
        Assert.Equal((info.Width, info.Height, info.Frames), (ff.Width, ff.Height, ff.Frames));
        Assert.Equal("", FfmpegTool.DecodeErrors(joined));

        // The portrait clip is letterboxed: the left edge of its frames is black.
        using var s = File.OpenRead(joined);
        var track = Mp4Reader.Read(s, joined);
        var last = Mp4Clip.DecodeFrame(s, joined, track, track.Count - 1);
        var i = ((last.Height / 2 * last.Width) + 1) * 3;
        Assert.True(last.Pixels[i] < 8 && last.Pixels[i + 1] < 8 && last.Pixels[i + 2] < 8);
    }

    [Fact]
    public void Concat_reencodes_to_an_explicit_target()
    {
        using var dir = new TempDir();
        var a = Clip(dir, "a.mp4", 1280, 720, 1);
        var b = Clip(dir, "b.mp4", 1280, 720, 1);
        var joined = Concat(dir, [a, b], new VideoSize(320, 240));
        var info = Mp4Clip.Probe(joined);
        Assert.Equal((320, 240), (info.Width, info.Height));
        Assert.Equal(2, info.Seconds, 3);
        Assert.Equal("", FfmpegTool.DecodeErrors(joined));
    }

    [Fact]
    public void Last_frame_png_equals_the_decoded_last_frame()
    {
        using var dir = new TempDir();
        var path = Clip(dir, "a.mp4", 1280, 720, 2);
        using var png = new MemoryStream();
        Mp4Clip.WriteLastFrame(path, png);

        using var s = File.OpenRead(path);
        var track = Mp4Reader.Read(s, path);
        var decoded = Mp4Clip.DecodeFrame(s, path, track, track.Count - 1);

        using var bmp = SKBitmap.Decode(png.ToArray());
        Assert.Equal((decoded.Width, decoded.Height), (bmp.Width, bmp.Height));
        for (var y = 0; y < bmp.Height; y++)
        {
            for (var x = 0; x < bmp.Width; x++)
            {
                var c = bmp.GetPixel(x, y);
                var i = ((y * bmp.Width) + x) * 3;
                Assert.Equal((decoded.Pixels[i], decoded.Pixels[i + 1], decoded.Pixels[i + 2]), (c.Red, c.Green, c.Blue));
            }
        }

        // The last frame has a full progress bar.
        var bar = bmp.GetPixel(bmp.Width - 2, bmp.Height - 2);
        Assert.True(bar.Red > 200 && bar.Green > 150, $"progress bar colour {bar}");
    }

    [Fact]
    public void Last_frame_can_be_fitted_to_a_size()
    {
        using var dir = new TempDir();
        var path = Clip(dir, "a.mp4", 1280, 720, 1);
        using var png = new MemoryStream();
        Mp4Clip.WriteLastFrame(path, png, new VideoSize(1024, 1792));
        using var bmp = SKBitmap.Decode(png.ToArray());
        Assert.Equal((1024, 1792), (bmp.Width, bmp.Height));
    }

    [Fact]
    public void Probe_rejects_a_file_that_is_not_an_mp4()
    {
        using var dir = new TempDir();
        var path = dir.File("notes.mp4");
        File.WriteAllText(path, "this is not a video at all");
        var e = Assert.Throws<InvalidDataException>(() => Mp4Clip.Probe(path));
        Assert.Contains("not an MP4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_rejects_a_truncated_mp4()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(Clip(dir, "a.mp4", 640, 360, 1));
        var path = dir.File("cut.mp4");
        File.WriteAllBytes(path, bytes.AsSpan(0, 300).ToArray());
        Assert.Throws<InvalidDataException>(() => Mp4Clip.Probe(path));
    }

    [Fact]
    public void Probe_reads_a_foreign_mp4_but_marks_it_not_local()
    {
        using var dir = new TempDir();
        var path = dir.File("x264.mp4");
        var (code, _, err) = FfmpegTool.Run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", path);
        Assert.True(code == 0, err);
        var info = Mp4Clip.Probe(path);
        Assert.Equal((320, 240, 20), (info.Width, info.Height, info.Frames));
        Assert.Equal(2, info.Seconds, 2);
        Assert.False(info.IsLocalEncoding);

        using var png = new MemoryStream();
        var e = Assert.Throws<InvalidDataException>(() => Mp4Clip.WriteLastFrame(path, png));
        Assert.Contains("local renderer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaping_inserts_emulation_prevention_bytes_and_round_trips()
    {
        byte[] raw = [0x65, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0];
        var escaped = Nal.Escape(raw);
        for (var i = 2; i < escaped.Length; i++)
        {
            Assert.False(escaped[i - 2] == 0 && escaped[i - 1] == 0 && escaped[i] <= 2, $"start code emulation at {i}");
        }

        Assert.Equal(raw, Nal.Unescape(escaped));
    }

    [Fact]
    public void Black_and_dark_frames_survive_the_round_trip()
    {
        // Dark pixels give runs of low sample values: the case that needs emulation prevention.
        var rgb = new RgbImage(48, 34);
        rgb.Fill(10, 10, 20, 10, 255, 255, 255);
        var yuv = YuvFrame.FromRgb(rgb);
        var format = H264Format.Create(48, 34);
        var sample = format.EncodePicture(yuv, 0);
        var back = format.DecodePicture(sample, 4);
        Assert.Equal(yuv.Y, back.Y);
        Assert.Equal(yuv.U, back.U);
        Assert.Equal(yuv.V, back.V);
    }
}
