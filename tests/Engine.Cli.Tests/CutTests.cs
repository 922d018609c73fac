using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>Cuts with trims, transitions, loudness and output settings, rendered with real ffmpeg.</summary>
public sealed class CutTests
{
    internal const string Script = """
        reel: 1
        defaults: { seconds: 4, size: 1280x720 }
        scenes:
          - id: a
            prompt: A quiet street.
          - id: b
            prompt: A busy street.
          - id: c
            prompt: The street at night.
        cut:
          - id: film
            output: out/film.mp4
            transition: { type: crossfade, seconds: 0.5 }
            loudness: -16
            video: { size: 640x360, fps: 24, crf: 28, preset: veryfast }
            shots:
              - a
              - { shot: b, trim: { in: 0.5, out: 3.5 } }
              - { shot: c, transition: { type: fade, seconds: 1 } }
        """;

    [Fact]
    public void A_cut_with_trims_transitions_and_output_settings_renders_with_ffmpeg_to_the_expected_length()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Script);

        var r = ReelInProcess.Run(dir.Path, "run", "s.yaml");

        Assert.True(r.ExitCode == 0, r.All);
        var info = Ffprobe.Streams(Path.Combine(dir.Path, "out", "film.mp4"));
        var video = Ffprobe.Stream(info, "video");
        Assert.Equal(640, video.GetProperty("width").GetInt32());
        Assert.Equal(360, video.GetProperty("height").GetInt32());
        Assert.Equal("24/1", video.GetProperty("r_frame_rate").GetString());

        // 4 + (3.5 - 0.5) - 0.5 crossfade + 4 - 1 fade = 9.5 s, to the frame.
        Assert.Equal(9.5, Ffprobe.Duration(info, "video"), 1.0 / 24);
        Assert.Equal(Ffprobe.Duration(info, "video"), Ffprobe.Duration(info, "audio"), 1.0 / 24 + 0.03);
    }

    [Fact]
    public void Changing_a_transition_rerenders_only_the_cut()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Script);
        Assert.Equal(0, ReelInProcess.Run(dir.Path, "run", "s.yaml").ExitCode);
        File.WriteAllText(Path.Combine(dir.Path, "s.yaml"), Script.Replace("type: fade, seconds: 1", "type: crossfade, seconds: 1", StringComparison.Ordinal));

        var r = ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json");

        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(r.Stdout);
        var statuses = doc.RootElement.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("status").GetString());
        Assert.Equal("done", statuses["film"]);
        Assert.Equal(["cached"], statuses.Where(kv => kv.Key != "film").Select(kv => kv.Value).Distinct());
    }

    [Fact]
    public void A_missing_ffmpeg_fails_the_cut_with_an_actionable_message()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", CutTests.Script);

        var r = ReelInProcess.Run(dir.Path, ["run", "s.yaml"], new Dictionary<string, string?> { ["REEL_FFMPEG"] = "/nonexistent/ffmpeg" });

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("film", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("apt-get install ffmpeg", r.Stderr, StringComparison.Ordinal);
    }
}
