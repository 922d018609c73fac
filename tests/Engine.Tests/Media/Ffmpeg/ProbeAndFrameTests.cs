using Reel.Engine.Core;
using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Media.Ffmpeg;

[Collection(FfmpegCollection.Name)]
public sealed class ProbeAndFrameTests(ClipFixture clips)
{
    [Fact]
    public async Task Probe_reads_video_and_audio_streams()
    {
        var h = await MediaProbe.ProbeAsync(clips.H24, clips.Tools);
        Assert.Equal((1280, 720, "h264", "yuv420p", true, 44100, 1, "aac"), (h.Width, h.Height, h.VideoCodec, h.PixelFormat, h.HasAudio, h.SampleRate, h.Channels, h.AudioCodec));
        Assert.Equal(24, h.FrameRate, 3);
        Assert.Equal(1.0, h.VideoDuration!.Value, 2);
        Assert.NotNull(h.Profile);

        var p = await MediaProbe.ProbeAsync(clips.P25, clips.Tools);
        Assert.Equal((720, 1280, false, null, null), (p.Width, p.Height, p.HasAudio, p.SampleRate, p.AudioDuration));
        Assert.Equal(1.2, p.Duration, 2);
    }

    [Theory]
    [InlineData("long30")] // 3 s, keyframe every 12 frames: seeks near the end
    [InlineData("p25")] // 1.2 s: decodes from the start
    public async Task Last_frame_is_the_last_decoded_frame(string name)
    {
        var clip = name == "long30" ? clips.Long30 : clips.P25;
        var png = clips.File($"last-{name}.png");

        await FrameGrab.LastFrameAsync(clip, png, clips.Tools);

        var frames = await clips.CountFrames(clip);
        var mine = await clips.Rgb(png);
        Assert.True(ClipFixture.MeanAbsDiff(mine, await clips.Rgb(clip, frames - 1)) < 0.5);
        if (name == "long30")
        {
            Assert.True(ClipFixture.MeanAbsDiff(mine, await clips.Rgb(clip, frames - 2)) > 0.5, "frames must differ for the test to mean anything");
        }
    }

    [Fact]
    public async Task Last_frame_is_fitted_to_the_requested_size()
    {
        var cover = clips.File("last-cover.png");
        var pad = clips.File("last-pad.png");
        await FrameGrab.LastFrameAsync(clips.Long30, cover, clips.Tools, new VideoSize(360, 640), FitMode.Cover);
        await FrameGrab.LastFrameAsync(clips.Long30, pad, clips.Tools, new VideoSize(360, 640), FitMode.Pad);

        var c = await MediaProbe.ProbeAsync(cover, clips.Tools);
        var p = await MediaProbe.ProbeAsync(pad, clips.Tools);
        Assert.Equal((360, 640), (c.Width, c.Height));
        Assert.Equal((360, 640), (p.Width, p.Height));

        // Pad letterboxes: the top row is black; cover fills it with picture.
        var padRgb = await clips.Rgb(pad);
        var coverRgb = await clips.Rgb(cover);
        Assert.True(padRgb.Take(360 * 3).All(b => b < 20));
        Assert.False(coverRgb.Take(360 * 3).All(b => b < 20));
    }

    [Fact]
    public async Task Verify_gives_the_reason_a_clip_is_unusable()
    {
        Assert.Null(await MediaProbe.VerifyAsync(clips.Long30, clips.Tools, 3, 16 / 9.0));
        Assert.Equal("duration 3 s, expected 8 s", await MediaProbe.VerifyAsync(clips.Long30, clips.Tools, 8));
        Assert.StartsWith("aspect 1.778 (640x360), expected 0.56", await MediaProbe.VerifyAsync(clips.Long30, clips.Tools, 3, 9 / 16.0), StringComparison.Ordinal);
        Assert.Equal("file does not exist", await MediaProbe.VerifyAsync(clips.File("nope.mp4"), clips.Tools));

        // Truncated with the index at the end: unreadable.
        var bytes = await File.ReadAllBytesAsync(clips.Long30);
        var noIndex = clips.File("truncated-noindex.mp4");
        await File.WriteAllBytesAsync(noIndex, bytes[..(bytes.Length / 2)]);
        var reason = await MediaProbe.VerifyAsync(noIndex, clips.Tools, 3);
        Assert.StartsWith("not a readable video: ", reason, StringComparison.Ordinal);
        Assert.Contains("moov", reason, StringComparison.Ordinal);

        // Truncated with the index first: readable header, frames missing.
        var faststart = clips.File("faststart.mp4");
        await clips.Ffmpeg("-v", "error", "-i", clips.Long30, "-c", "copy", "-movflags", "+faststart", "-y", faststart);
        var fsBytes = await File.ReadAllBytesAsync(faststart);
        var cut = clips.File("truncated-faststart.mp4");
        await File.WriteAllBytesAsync(cut, fsBytes[..(fsBytes.Length * 2 / 3)]);
        var reason2 = await MediaProbe.VerifyAsync(cut, clips.Tools, 3);
        Assert.StartsWith("does not decode: ", reason2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ffmpeg_failures_carry_the_end_of_stderr()
    {
        var text = clips.File("not-a-video.mp4");
        await File.WriteAllTextAsync(text, "hello");
        var e = await Assert.ThrowsAsync<FfmpegException>(() => MediaProbe.ProbeAsync(text, clips.Tools));
        Assert.Contains("Invalid data", e.Message, StringComparison.Ordinal);
        Assert.Equal("ffprobe", e.Tool);
    }

    [Fact]
    public async Task Missing_ffmpeg_gives_an_actionable_message()
    {
        var environment = new Dictionary<string, string?> { [FfmpegTools.FfmpegVariable] = "/nonexistent/ffmpeg", ["PATH"] = "/usr/bin:/bin" };
        var e = Assert.Throws<FfmpegMissingException>(() => FfmpegTools.Locate(environment));
        Assert.Contains("ffmpeg is needed to cut clips from real providers", e.Message, StringComparison.Ordinal);
        Assert.Contains("sudo apt-get install ffmpeg", e.Message, StringComparison.Ordinal);
        Assert.Contains("brew install ffmpeg", e.Message, StringComparison.Ordinal);
        Assert.Contains("REEL_FFMPEG=/nonexistent/ffmpeg", e.Message, StringComparison.Ordinal);
        Assert.Contains("ffmpeg was not found on PATH", Assert.Throws<FfmpegMissingException>(() => FfmpegTools.Locate(new Dictionary<string, string?> { ["PATH"] = "/nonexistent" })).Message, StringComparison.Ordinal);

        var missing = new FfmpegPaths("/nonexistent/ffmpeg", "/nonexistent/ffprobe");
        var e2 = await Assert.ThrowsAsync<FfmpegMissingException>(() => MediaProbe.ProbeAsync(clips.A1, missing));
        Assert.Contains("sudo apt-get install ffmpeg", e2.Message, StringComparison.Ordinal);
    }
}
