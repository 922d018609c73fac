using System.Text.RegularExpressions;

namespace Reel.Cli.Tests.Review;

/// <summary>The static contact sheet: the whole storyboard after partial runs, and one report per script.</summary>
public sealed partial class ReportTests
{
    [Fact]
    public async Task Report_after_run_only_still_shows_every_step()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("storyboard.yaml", ReviewScripts.Local);
        Assert.Equal(0, (await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml"])).ExitCode);
        File.WriteAllText(script, ReviewScripts.Local.Replace("The quay", "The old quay", StringComparison.Ordinal));

        var run = await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml", "--only", "quay[light=dusk]"]);

        Assert.True(run.ExitCode == 0, run.All);
        var report = File.ReadAllText(Path.Combine(dir.Path, "out", "report.html"));
        Assert.Equal(ReviewScripts.LocalSteps.Order(StringComparer.Ordinal), Steps(report).Order(StringComparer.Ordinal));
        Assert.Equal(ReviewScripts.LocalSteps.Length, ThumbnailCount().Matches(report).Count);
        Assert.Contains("data-step=\"quay[light=dusk]\"><div class=\"media\" data-sprite=", report, StringComparison.Ordinal);
        // The dawn cell's prompt changed and was not run: its earlier clip is shown, and said to be earlier.
        Assert.Matches("data-step=\"quay\\[light=dawn\\]\">.*?<h3>quay\\[light=dawn\\] <span class=\"badge not-run\">not run</span> <span class=\"badge earlier\"", report);
    }

    [Fact]
    public async Task Report_after_ctrl_c_still_shows_every_step_with_its_latest_clip()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("storyboard.yaml", ReviewScripts.Local);
        Assert.Equal(0, (await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml"])).ExitCode);
        File.WriteAllText(script, ReviewScripts.Local.Replace("A rainy", "A dry", StringComparison.Ordinal).Replace("The quay", "The old quay", StringComparison.Ordinal));

        using var ctrlC = new CancellationTokenSource();
        await ctrlC.CancelAsync();
        var run = await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml"], cancellationToken: ctrlC.Token);

        Assert.True(run.ExitCode == 130, run.All);
        var report = File.ReadAllText(Path.Combine(dir.Path, "out", "report.html"));
        Assert.Equal(ReviewScripts.LocalSteps.Order(StringComparer.Ordinal), Steps(report).Order(StringComparer.Ordinal));
        Assert.Equal(ReviewScripts.LocalSteps.Length, ThumbnailCount().Matches(report).Count);
        Assert.Equal(ReviewScripts.LocalSteps.Length, Regex.Matches(report, "<span class=\"badge skipped\">skipped</span> (<span class=\"badge pick\">picked</span> )?<span class=\"badge earlier\"").Count);
    }

    [Fact]
    public async Task Two_scripts_in_one_folder_each_get_a_report_named_after_them()
    {
        using var dir = new TempDirectory();
        dir.Write("trailer.yaml", ReviewScripts.Local);
        dir.Write("teaser.yaml", ReviewScripts.Local.Replace("out/film.mp4", "out/teaser.mp4", StringComparison.Ordinal));

        var trailer = await ReelInProcess.RunAsync(dir.Path, ["run", "trailer.yaml"]);
        var teaser = await ReelInProcess.RunAsync(dir.Path, ["run", "teaser.yaml"]);

        Assert.True(trailer.ExitCode == 0, trailer.All);
        Assert.True(teaser.ExitCode == 0, teaser.All);
        Assert.Contains("report: out/trailer.html", trailer.Stdout, StringComparison.Ordinal);
        Assert.Contains("trailer.yaml", File.ReadAllText(Path.Combine(dir.Path, "out", "trailer.html")), StringComparison.Ordinal);
        Assert.Contains("teaser.yaml", File.ReadAllText(Path.Combine(dir.Path, "out", "teaser.html")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out", "report.html")));
    }

    private static IEnumerable<string> Steps(string report) =>
        Regex.Matches(report, "<article class=\"card[^\"]*\" data-step=\"([^\"]+)\"").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value));

    [GeneratedRegex("<img class=\"thumb\"")]
    private static partial Regex ThumbnailCount();
}
