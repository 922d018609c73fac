
namespace Reel.Cli.Tests;

/// <summary>
/// The openai provider against the emulator's realistic mode: H.264 High clips with AAC audio at
/// each model's own frame rate and sample rate, joined by ffmpeg.
/// </summary>
public sealed class RealisticEndToEndTests
{
    private const string Key = "sk-realistic-7";

    private const string Script = """
        reel: 1
        provider: openai
        defaults: { size: 1280x720, seconds: 4 }
        scenes:
          - id: street
            model: sora-2
            prompt: A quiet street at dawn.
          - id: cafe
            model: sora-2-pro
            prompt: A cafe opens its shutters.
        continuations:
          - id: street-more
            from: street
            prompt: A cyclist passes.
            seconds: 4
          - id: cafe-next
            from: cafe
            mode: last-frame
            model: sora-2
            prompt: The first customer walks in.
            seconds: 4
        cut:
          - id: film
            output: out/film.mp4
            transition: { type: crossfade, seconds: 0.5 }
            shots: [street-more, cafe-next]
        """;

    [Fact]
    public void Provider_like_clips_with_mixed_rates_extend_continue_from_the_last_frame_and_cut_with_audio()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Script);
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.02, realistic: true);

        var r = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml"], emulator.Environment(Key), TimeSpan.FromMinutes(4));

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(4, emulator.JobsCreated().Count);

        // The extension is the provider's stitched 8 s clip; the last-frame continuation is the
        // source followed by the new clip, joined by ffmpeg: 4 + 4 s.
        Assert.Equal(8, Ffprobe.Duration(Ffprobe.Streams(Path.Combine(dir.Path, "out", "shots", "street-more.mp4")), "video"), 0.1);
        var next = Ffprobe.Streams(Path.Combine(dir.Path, "out", "shots", "cafe-next.mp4"));
        Assert.Equal(8, Ffprobe.Duration(next, "video"), 0.1);
        Assert.Equal(Ffprobe.Duration(next, "video"), Ffprobe.Duration(next, "audio"), 0.1);

        // The cut: 8 + 8 - 0.5 s crossfade, audio as long as the picture.
        var film = Ffprobe.Streams(Path.Combine(dir.Path, "out", "film.mp4"));
        Assert.Equal(15.5, Ffprobe.Duration(film, "video"), 0.1);
        Assert.Equal(Ffprobe.Duration(film, "video"), Ffprobe.Duration(film, "audio"), 0.1);
    }
}
