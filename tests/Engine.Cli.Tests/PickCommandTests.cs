namespace Reel.Cli.Tests;

/// <summary><c>reel pick</c>: one line of the script changes, and a take that does not exist changes nothing.</summary>
public sealed class PickCommandTests
{
    private const string Script = """
        reel: 1
        defaults: { size: 128x72, seconds: 2 }
        scenes:
          # The opening, three ways.
          - id: open
            prompt: Dawn over the harbour.
            takes: 3
          - id: quay
            prompt: The quay.
        """;

    [Fact]
    public void Pick_writes_the_take_into_the_script_and_the_next_plan_uses_it()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("storyboard.yaml", Script);

        var r = ReelInProcess.Run(dir.Path, "pick", "storyboard.yaml", "open#2");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("open: picked take 2 (open#2)\n", r.Stdout);
        Assert.Equal(Script.Replace("  - id: open\n", "  - id: open\n    pick: 2\n", StringComparison.Ordinal), File.ReadAllText(path));
        Assert.Equal(0, ReelInProcess.Run(dir.Path, "validate", "storyboard.yaml").ExitCode);
    }

    [Theory]
    [InlineData("open#4", "error: 'open' has 3 takes; pick one of open#1 to open#3")]
    [InlineData("quay#1", "error: 'quay' has one take; there is nothing to pick")]
    [InlineData("opn#2", "error: no step 'opn' in storyboard.yaml (did you mean 'open'?)")]
    [InlineData("open", "error: 'open' names no take; write the step and the take number, e.g. open#2")]
    [InlineData("open#99999999999", "error: 'open#99999999999' names no take")]
    public void A_take_that_does_not_exist_is_refused_and_nothing_changes(string take, string message)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("storyboard.yaml", Script);

        var r = ReelInProcess.Run(dir.Path, "pick", "storyboard.yaml", take);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.Equal(Script, File.ReadAllText(path));
    }
}
