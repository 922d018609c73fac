using Reel.Engine.Media;

namespace Reel.Cli.Tests;

/// <summary>
/// A scene's <c>shots:</c> end to end: <c>examples/market-shots</c> on <c>kling</c> against the emulator, which checks
/// <c>multi_shot</c>/<c>multi_prompt</c> as Kling documents them; a changed shot renders only its own scene again; and a
/// provider without multi-shot refuses the script before anything is spent. A character on <c>kling-v3-omni</c> travels as
/// a frame of its video: no registration job, one omni-video task.
/// </summary>
public sealed class KlingShotsAndCharactersEndToEndTests
{
    private const string Key = "kling-multishot-e2e-secret-7c1e";

    private static string[] Run(params string[] extra) => ["run", "storyboard.yaml", "--provider", "kling", .. extra];

    [Fact]
    public void The_multi_shot_scene_renders_as_one_kling_task_and_a_changed_shot_renders_only_its_scene_again()
    {
        using var dir = TempDirectory.OfExample("market-shots");
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = emulator.Environment("kling", Key);

        var first = ReelInProcess.Run(dir.Path, Run(), env, TimeSpan.FromMinutes(3));

        Assert.True(first.ExitCode == 0, first.All);
        Assert.Equal(2, emulator.JobsCreated().Count);
        Assert.Equal(8 + 5, Mp4Clip.Probe(Path.Combine(dir.Path, "out", "market-shots.mp4")).Seconds, 1);

        var script = Path.Combine(dir.Path, "storyboard.yaml");
        File.WriteAllText(script, File.ReadAllText(script).Replace("smiles as steam rises", "laughs as steam rises", StringComparison.Ordinal));
        var again = ReelInProcess.Run(dir.Path, Run(), env, TimeSpan.FromMinutes(3));

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(3, emulator.JobsCreated().Count);
    }

    [Fact]
    public void A_provider_without_multi_shot_refuses_the_script_at_the_shots_line()
    {
        using var dir = TempDirectory.OfExample("market-shots");

        var r = ReelInProcess.Run(dir.Path, "validate", "storyboard.yaml", "--provider", "runway");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("storyboard.yaml(33,5): error RL0412: provider 'runway' cannot render several shots in one clip", r.All, StringComparison.Ordinal);
        Assert.Contains("kling: kling-v3", r.All, StringComparison.Ordinal);
    }

    [Fact]
    public void A_character_on_kling_omni_is_one_omni_video_task_with_a_frame_of_its_video_and_no_registration()
    {
        using var dir = TempDirectory.OfExample("morning-shift");
        dir.Write("characters.yaml", """
            reel: 1
            provider: kling
            characters:
              mira:
                name: Mira
                video: assets/mira.mp4
            scenes:
              - id: open
                model: kling-v3-omni
                seconds: 5
                characters: [mira]
                prompt: Mira unlocks the cafe door at dawn.
            """);
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = emulator.Environment("kling", Key);

        var plan = ReelInProcess.Run(dir.Path, ["plan", "characters.yaml"], env);
        var r = ReelInProcess.Run(dir.Path, ["run", "characters.yaml"], env, TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        Assert.DoesNotContain("@mira", plan.All, StringComparison.Ordinal);
        var job = Assert.Single(emulator.JobsCreated());
        Assert.Equal("generate", job.GetProperty("kind").GetString());
        Assert.Equal(5, Mp4Clip.Probe(Path.Combine(dir.Path, "out", "shots", "open.mp4")).Seconds, 1);

        // The character's clip is an input by content: another clip of her renders the scene again.
        Assert.Contains("0 to run", ReelInProcess.Run(dir.Path, ["plan", "characters.yaml"], env).All, StringComparison.Ordinal);
        File.Copy(Path.Combine(dir.Path, "out", "shots", "open.mp4"), Path.Combine(dir.Path, "assets", "mira.mp4"), overwrite: true);
        Assert.Contains("1 to run", ReelInProcess.Run(dir.Path, ["plan", "characters.yaml"], env).All, StringComparison.Ordinal);
    }
}
