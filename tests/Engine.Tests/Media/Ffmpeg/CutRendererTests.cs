using Reel.Engine.Core;
using Reel.Engine.Media.Ffmpeg;

namespace Reel.Engine.Tests.Media.Ffmpeg;

[Collection(FfmpegCollection.Name)]
public sealed class CutRendererTests(ClipFixture clips)
{
    private static readonly CutOutput Fast = new(Preset: "ultrafast");

    [Fact]
    public async Task Identical_clips_with_hard_cuts_are_joined_by_stream_copy()
    {
        var output = clips.File("copy.mp4");
        var spec = new CutSpec([new(clips.A1), new(clips.A2), new(clips.A1)], [], null, null, Fast);

        var result = await CutRenderer.RenderAsync(spec, output, clips.Tools);

        Assert.Equal(CutMode.StreamCopy, result.Mode);
        var info = await MediaProbe.ProbeAsync(output, clips.Tools);
        Assert.Equal(30 + 45 + 30, await clips.CountFrames(output));
        Assert.InRange(info.VideoDuration!.Value, 3.5 - 1 / 30.0, 3.5 + 1 / 30.0);
        Assert.True(info.HasAudio);
        Assert.Null(await MediaProbe.VerifyAsync(output, clips.Tools, 3.5, 16 / 9.0));
    }

    [Fact]
    public async Task Stream_copy_is_not_used_when_anything_differs()
    {
        var a1 = await MediaProbe.ProbeAsync(clips.A1, clips.Tools);
        var l30 = await MediaProbe.ProbeAsync(clips.Long30, clips.Tools);
        var h24 = await MediaProbe.ProbeAsync(clips.H24, clips.Tools);
        var shots = new CutShot[] { new(clips.A1), new(clips.Long30) };
        Assert.True(CutRenderer.CanStreamCopy(new CutSpec(shots, [], null, null, Fast), [a1, l30]));
        Assert.False(CutRenderer.CanStreamCopy(new CutSpec(shots, [], null, null, Fast), [a1, h24]));
        Assert.False(CutRenderer.CanStreamCopy(new CutSpec([new(clips.A1, TrimIn: 0.1), new(clips.Long30)], [], null, null, Fast), [a1, l30]));
        Assert.False(CutRenderer.CanStreamCopy(new CutSpec(shots, [new(TransitionKind.Fade, 0.2)], null, null, Fast), [a1, l30]));
        Assert.False(CutRenderer.CanStreamCopy(new CutSpec(shots, [], new MusicBed(clips.Music), null, Fast), [a1, l30]));
        Assert.False(CutRenderer.CanStreamCopy(new CutSpec(shots, [], null, -14, Fast), [a1, l30]));
        Assert.False(CutRenderer.CanStreamCopy(new CutSpec(shots, [], null, null, Fast with { FrameRate = 25 }), [a1, l30]));
    }

    [Fact]
    public async Task Mixed_clips_are_normalised_to_the_first_shot_without_drift_or_gaps()
    {
        // 1280x720@24 (44.1k mono) + 720x1280@25 (no audio) + 640x360@30 (48k stereo) → 1280x720@24, AAC 48k stereo.
        var output = clips.File("mixed.mp4");
        var spec = new CutSpec([new(clips.H24), new(clips.P25), new(clips.A1)], [], null, null, Fast);

        var result = await CutRenderer.RenderAsync(spec, output, clips.Tools);

        Assert.Equal(CutMode.ReEncode, result.Mode);
        var expectedFrames = 24 + 29 + 24; // 1.0 s, 1.2 s (28.8 → 29), 1.0 s at 24 fps
        Assert.Equal(expectedFrames, result.Frames);
        Assert.Equal(expectedFrames, await clips.CountFrames(output));
        var info = await MediaProbe.ProbeAsync(output, clips.Tools);
        Assert.Equal((1280, 720, "h264", "yuv420p"), (info.Width, info.Height, info.VideoCodec, info.PixelFormat));
        Assert.Equal(24, info.FrameRate, 3);
        Assert.Equal((48000, 2, "aac"), (info.SampleRate, info.Channels, info.AudioCodec));
        AssertAudioMatchesVideo(info, expectedFrames / 24.0, 24);

        // The silent middle shot got silence of exactly its length; the sine shots have no gaps.
        var silences = await clips.Silences(output);
        var silence = Assert.Single(silences);
        Assert.InRange(silence.Start, 1.0 - 0.05, 1.0 + 0.05);
        Assert.InRange(silence.End, (24 + 29) / 24.0 - 0.05, (24 + 29) / 24.0 + 0.05);
        Assert.Null(await MediaProbe.VerifyAsync(output, clips.Tools, expectedFrames / 24.0, 16 / 9.0, 0.05));
    }

    [Fact]
    public async Task Output_size_and_rate_apply_with_crop_or_pad()
    {
        var output = clips.File("portrait.mp4");
        var spec = new CutSpec([new(clips.A1), new(clips.P25)], [], null, null, new CutOutput(360, 640, 30, Preset: "ultrafast", Fit: "crop"));

        var result = await CutRenderer.RenderAsync(spec, output, clips.Tools);

        var info = await MediaProbe.ProbeAsync(output, clips.Tools);
        Assert.Equal((360, 640), (info.Width, info.Height));
        Assert.Equal(30, info.FrameRate, 3);
        Assert.Equal(30 + 36, await clips.CountFrames(output));
        Assert.Equal(30 + 36, result.Frames);
        AssertAudioMatchesVideo(info, 66 / 30.0, 30);
    }

    [Fact]
    public async Task Trims_cut_each_shot_to_the_frame()
    {
        var output = clips.File("trims.mp4");
        var spec = new CutSpec(
            [new(clips.A2, TrimIn: 0.5, TrimOut: 1.2), new(clips.Long30, TrimIn: 2.2)],
            [],
            null,
            null,
            Fast);

        var result = await CutRenderer.RenderAsync(spec, output, clips.Tools);

        Assert.Equal(CutMode.ReEncode, result.Mode);
        Assert.Equal(21 + 24, await clips.CountFrames(output));
        var info = await MediaProbe.ProbeAsync(output, clips.Tools);
        AssertAudioMatchesVideo(info, 1.5, 30);
        Assert.Empty(await clips.Silences(output));

        // The cut's first frame is source frame 15 (0.5 s), not frame 0.
        var first = await clips.Rgb(output, 0);
        Assert.True(ClipFixture.MeanAbsDiff(first, await clips.Rgb(clips.A2, 15)) < 3);
        Assert.True(ClipFixture.MeanAbsDiff(first, await clips.Rgb(clips.A2, 0)) > 3);
    }

    [Fact]
    public async Task Fades_and_crossfades_shorten_the_cut_by_their_overlap()
    {
        var output = clips.File("xfade.mp4");
        var spec = new CutSpec(
            [new(clips.A1), new(clips.A2), new(clips.Long30, TrimOut: 1.0), new(clips.A1)],
            [new(TransitionKind.Crossfade, 0.5), new(TransitionKind.Cut, 0), new(TransitionKind.Fade, 0.2)],
            null,
            null,
            Fast);

        var result = await CutRenderer.RenderAsync(spec, output, clips.Tools);

        var expectedFrames = 30 + 45 + 30 + 30 - 15 - 6;
        Assert.Equal(expectedFrames, result.Frames);
        Assert.Equal(expectedFrames, await clips.CountFrames(output));
        var info = await MediaProbe.ProbeAsync(output, clips.Tools);
        AssertAudioMatchesVideo(info, expectedFrames / 30.0, 30);
        Assert.Empty(await clips.Silences(output));
    }

    [Fact]
    public async Task Music_bed_fills_the_cut_and_loudness_is_normalised()
    {
        var output = clips.File("music.mp4");
        var spec = new CutSpec([new(clips.P25), new(clips.A1)], [new(TransitionKind.Crossfade, 0.2)], new MusicBed(clips.Music, -12), -16, Fast);

        var result = await CutRenderer.RenderAsync(spec, output, clips.Tools);

        var expectedFrames = 30 + 25 - 5;
        Assert.Equal(expectedFrames, await clips.CountFrames(output));
        var info = await MediaProbe.ProbeAsync(output, clips.Tools);
        AssertAudioMatchesVideo(info, expectedFrames / 25.0, 25);

        // The silent first shot now carries the (looped, 0.7 s) music: no silence anywhere.
        Assert.Empty(await clips.Silences(output));
        Assert.InRange(await clips.IntegratedLoudness(output), -16 - 1.5, -16 + 1.5);
        Assert.Equal(CutMode.ReEncode, result.Mode);
    }

    [Fact]
    public async Task Bad_specs_are_refused_with_a_reason()
    {
        var e1 = await Assert.ThrowsAsync<ArgumentException>(() =>
            CutRenderer.RenderAsync(new CutSpec([new(clips.A1, TrimIn: 0.8, TrimOut: 0.5)], [], null, null, Fast), clips.File("bad1.mp4"), clips.Tools));
        Assert.Contains("trim out", e1.Message, StringComparison.Ordinal);
        var e2 = await Assert.ThrowsAsync<ArgumentException>(() =>
            CutRenderer.RenderAsync(new CutSpec([new(clips.A1), new(clips.A1)], [new(TransitionKind.Fade, 2)], null, null, Fast), clips.File("bad2.mp4"), clips.Tools));
        Assert.Contains("longer than the shots", e2.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(clips.File("bad2.mp4")));
    }

    [Theory]
    [InlineData(24.0, "24/1")]
    [InlineData(29.97, "30000/1001")]
    [InlineData(23.976, "24000/1001")]
    [InlineData(12.5, "12500/1000")]
    public void Frame_rates_become_ffmpeg_rationals(double fps, string expected) =>
        Assert.Equal(expected, CutRenderer.RateText(fps));

    [Fact]
    public async Task Cancelling_kills_ffmpeg_and_leaves_no_output()
    {
        var output = clips.File("cancelled.mp4");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        var spec = new CutSpec(
            [new(clips.Long30), new(clips.Long30), new(clips.Long30), new(clips.Long30)],
            [],
            null,
            null,
            new CutOutput(1920, 1080, 60, Crf: 10, Preset: "veryslow"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CutRenderer.RenderAsync(spec, output, clips.Tools, cts.Token));

        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, ".cancelled.mp4*"));
    }

    private static void AssertAudioMatchesVideo(MediaInfo info, double expectedSeconds, double fps)
    {
        Assert.NotNull(info.VideoDuration);
        Assert.NotNull(info.AudioDuration);
        Assert.InRange(info.VideoDuration!.Value, expectedSeconds - 1 / fps - 1e-3, expectedSeconds + 1 / fps + 1e-3);
        var tolerance = Math.Max(1 / fps, 1024 / 48000.0) + 1e-3;
        Assert.InRange(info.AudioDuration!.Value, info.VideoDuration.Value - tolerance, info.VideoDuration.Value + tolerance);
    }
}
