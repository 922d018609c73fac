using Reel.Engine.Media;

namespace Reel.Cli.Tests;

/// <summary>
/// A scene's <c>shots:</c> end to end: <c>examples/market-shots</c> on <c>kling</c> against the emulator, which checks
/// <c>multi_shot</c>/<c>multi_prompt</c> as Kling documents them; a changed shot renders only its own scene again; and a
/// provider without multi-shot refuses the script before anything is spent.
/// </summary>
public sealed class KlingMultiShotEndToEndTests
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
}
