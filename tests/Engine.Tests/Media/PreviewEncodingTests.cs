using Reel.Engine.Core;
using Reel.Engine.Media;

namespace Reel.Engine.Tests.Media;

/// <summary>
/// Local previews stay small without losing exact decoding: P pictures code only the macroblocks that change,
/// and both ffmpeg and the built-in decoder reconstruct exactly the encoded samples.
/// </summary>
public sealed class PreviewEncodingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string LongPrompt =
        "35mm film, warm dawn light, shallow depth of field, soft grain, muted teal and orange palette. "
        + "Wide establishing shot of Lisbon. Mira, a barista in her 30s with short silver hair and a green apron, "
        + "unlocks the door of a tiny coffee shop and flips the sign to OPEN.";

    private static ClipSpec Spec(int w, int h, double seconds, string caption = "sora-2 - " + LongPrompt, ulong seed = 42) =>
        new("open#2", caption, new VideoSize(w, h), seconds, seed);

    private static byte[] Render(ClipSpec spec)
    {
        using var ms = new MemoryStream();
        LocalRenderer.WriteClip(spec, ms);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(1280, 720)]
    [InlineData(720, 1280)]
    [InlineData(1920, 1080)]
    public void A_four_second_preview_is_at_most_150_KB(int w, int h)
    {
        var bytes = Render(Spec(w, h, 4));
        output.WriteLine($"a 4 s {w}x{h} preview: {bytes.Length:N0} bytes (all-I_PCM encoding before: 1,335,054 bytes at 1280x720)");
        Assert.True(bytes.Length <= 150 * 1024, $"a 4 s {w}x{h} preview is {bytes.Length:N0} bytes");
    }

    [Fact]
    public void Only_the_first_picture_of_a_short_clip_is_an_idr_and_a_long_clip_has_one_every_ten_seconds()
    {
        using var dir = new TempDir();
        var path = dir.File("clip.mp4");
        File.WriteAllBytes(path, Render(Spec(1280, 720, 24)));
        using var stream = File.OpenRead(path);
        var track = Mp4Reader.Read(stream, path);
        var idrs = Enumerable.Range(0, track.Count).Where(i => H264Format.IsIdr(Mp4Reader.ReadSample(stream, track, i))).ToList();
        Assert.Equal([0, 60, 120], idrs);
    }

    [Theory]
    [InlineData(1280, 720, 4)]
    [InlineData(854, 480, 3)] // 256x142: the bottom macroblock row is cropped
    [InlineData(720, 1280, 2)]
    public void Ffmpeg_and_the_built_in_decoder_reconstruct_exactly_the_same_samples(int w, int h, int seconds)
    {
        using var dir = new TempDir();
        var path = dir.File("clip.mp4");
        File.WriteAllBytes(path, Render(Spec(w, h, seconds, seed: (ulong)w)));
        Assert.Equal("", FfmpegTool.DecodeErrors(path));

        var raw = dir.File("clip.yuv");
        var (code, _, stderr) = FfmpegTool.Run("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", raw);
        Assert.True(code == 0, $"ffmpeg failed: {stderr}");
        var theirs = File.ReadAllBytes(raw);

        using var stream = File.OpenRead(path);
        var track = Mp4Reader.Read(stream, path);
        var decoder = new H264Decoder(track.LocalFormat(path), track.NalLengthSize);
        var ours = new MemoryStream();
        for (var i = 0; i < track.Count; i++)
        {
            var frame = decoder.Decode(Mp4Reader.ReadSample(stream, track, i));
            ours.Write(frame.Y);
            ours.Write(frame.U);
            ours.Write(frame.V);
        }

        Assert.Equal(track.Count * track.Info.Width * track.Info.Height * 3 / 2, theirs.Length);
        Assert.True(ours.ToArray().AsSpan().SequenceEqual(theirs), "ffmpeg's samples differ from the built-in decoder's");
    }

    [Fact]
    public void The_built_in_decoder_gives_back_exactly_what_was_painted()
    {
        var spec = Spec(640, 360, 2);
        using var dir = new TempDir();
        var path = dir.File("clip.mp4");
        File.WriteAllBytes(path, Render(spec));
        using var stream = File.OpenRead(path);
        var track = Mp4Reader.Read(stream, path);
        var decoder = new H264Decoder(track.LocalFormat(path), track.NalLengthSize);
        for (var i = 0; i < track.Count; i++)
        {
            var decoded = decoder.Decode(Mp4Reader.ReadSample(stream, track, i)).ToRgb();
            var painted = LocalRenderer.AsDecoded(LocalRenderer.Paint(spec, i));
            Assert.True(decoded.Pixels.AsSpan().SequenceEqual(painted.Pixels), $"frame {i} differs");
        }
    }

    [Fact]
    public void Joining_clips_without_re_encoding_keeps_them_decodable_and_marks_only_idr_pictures_as_sync_samples()
    {
        using var dir = new TempDir();
        var a = dir.File("a.mp4");
        var b = dir.File("b.mp4");
        File.WriteAllBytes(a, Render(Spec(1280, 720, 2, seed: 1)));
        File.WriteAllBytes(b, Render(Spec(1280, 720, 3, seed: 2)));
        var joined = dir.File("joined.mp4");
        using (var output = File.Create(joined))
        {
            Mp4Clip.Concat([a, b], output);
        }

        Assert.Null(Mp4Clip.Verify(joined));
        Assert.Equal("", FfmpegTool.DecodeErrors(joined));
        var (code, stdout, stderr) = FfmpegTool.Run("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=flags", "-of", "csv=p=0", joined);
        Assert.True(code == 0, stderr);
        var keyframes = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((f, i) => (f, i)).Where(x => x.f.StartsWith('K')).Select(x => x.i);
        Assert.Equal([0, 12], keyframes);
    }

    [Fact]
    public void A_caption_longer_than_the_lines_shown_scrolls_from_its_start_to_its_end()
    {
        var spec = Spec(1280, 720, 4);
        var frames = 4 * LocalRenderer.FramesPerSecond;
        var first = string.Join(" ", LocalRenderer.VisibleCaption(spec, 0));
        var last = string.Join(" ", LocalRenderer.VisibleCaption(spec, frames - 1));
        Assert.StartsWith("sora-2 - 35mm film", first, StringComparison.Ordinal);
        Assert.EndsWith("flips the sign to OPEN.", last, StringComparison.Ordinal);
        var changes = Enumerable.Range(1, frames - 1).Count(i => !LocalRenderer.VisibleCaption(spec, i).SequenceEqual(LocalRenderer.VisibleCaption(spec, i - 1)));
        Assert.InRange(changes, 1, 3); // at most once a second
    }

    [Fact]
    public void A_short_caption_does_not_move()
    {
        var spec = Spec(1280, 720, 4, "local - A paper boat.");
        Assert.Equal(["local - A paper boat."], LocalRenderer.VisibleCaption(spec, 0));
        Assert.Equal(["local - A paper boat."], LocalRenderer.VisibleCaption(spec, 23));
    }
}
