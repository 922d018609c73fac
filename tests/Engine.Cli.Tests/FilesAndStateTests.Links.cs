namespace Reel.Cli.Tests;

/// <summary>Links in the folders Reel writes, <c>out/</c> and <c>.reel/</c>, at any depth.</summary>
public sealed partial class FilesAndStateTests
{
    [Theory]
    [InlineData("out")]
    [InlineData(".reel")]
    public void Out_or_reel_as_a_link_outside_the_project_is_refused_and_nothing_is_written_there(string name)
    {
        using var outside = new TempDirectory();
        using var dir = new TempDirectory();
        File.CreateSymbolicLink(Path.Combine(dir.Path, name), outside.Path);
        dir.Write("storyboard.yaml", TwoScenes);

        var run = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        var plan = ReelInProcess.Run(dir.Path, "plan", "storyboard.yaml");

        // A cut's output in out/ is refused at its line already; .reel is judged before the plan reads it.
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(
            name == "out" ? "storyboard.yaml(10,13): error RL0301: path 'out/film.mp4' leads through a link outside" : "error RL0301: '.reel' beside the script is a link to",
            run.Stderr,
            StringComparison.Ordinal);
        Assert.Equal(2, plan.ExitCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
        Assert.DoesNotContain("internal error", run.All + plan.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("out/shots")]
    [InlineData(".reel/objects")]
    [InlineData(".reel/objects/sha256")]
    public void Links_inside_out_or_reel_are_refused(string name)
    {
        using var outside = new TempDirectory();
        using var dir = new TempDirectory();
        var link = Path.Combine(dir.Path, name);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, outside.Path);
        dir.Write("storyboard.yaml", TwoScenes);

        var run = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        var plan = ReelInProcess.Run(dir.Path, "plan", "storyboard.yaml");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error RL0301: '{name}' is a link to '{outside.Path}', outside the project", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, plan.ExitCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
        Assert.DoesNotContain("internal error", run.All + plan.All, StringComparison.Ordinal);
    }
}
