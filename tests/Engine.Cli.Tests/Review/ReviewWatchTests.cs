using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Playwright;

namespace Reel.Cli.Tests.Review;

/// <summary><c>reel review --watch</c>: the watch of <c>run --watch</c> while serving the page, which follows its runs (issue 13).</summary>
public sealed class ReviewWatchTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Review_watch_runs_the_script_reruns_a_saved_step_and_the_page_shows_it_and_a_broken_save_goes_on()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("storyboard.yaml", WatchTests.Script);
        await using var review = await ReviewSession.StartAsync(dir.Path, "storyboard.yaml", "--watch");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{review.Port}") };
        var token = "?token=" + review.Token;

        // The watch runs the script first: the page then serves its clips.
        await WatchTests.WaitForAsync(() => WatchTests.Count(review.Stderr, "watching storyboard.yaml") == 1, "the first run");
        Assert.Contains("3 steps: 3 done", review.Stdout, StringComparison.Ordinal);
        var first = SHA256.HashData(await http.GetByteArrayAsync("/files/out/shots/quay.mp4" + token));
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(review.Address.AbsoluteUri);
        await page.EvaluateAsync("() => { window.sameDocument = 'yes'; }");
        var streetClip = SHA256.HashData(await http.GetByteArrayAsync("/files/out/shots/street.mp4" + token));

        var saved = Stopwatch.StartNew();
        File.WriteAllText(script, WatchTests.Script.Replace("The quay at dawn", "The quay at dusk", StringComparison.Ordinal));
        await WatchTests.WaitForAsync(() => WatchTests.Count(review.Stderr, "quay: done") == 2, "the changed step", poll: 10);
        Assert.True(saved.Elapsed < TimeSpan.FromSeconds(2), $"the changed step was done {saved.Elapsed.TotalMilliseconds:0} ms after the save");
        await WatchTests.WaitForAsync(() => WatchTests.Count(review.Stderr, "watching storyboard.yaml") == 2, "the run after the save");
        Assert.Equal(1, WatchTests.Count(review.Stderr, "street: done"));

        // The open page follows the watch's run without a reload: the new prompt, and its clip no longer an earlier one.
        var quayCard = page.Locator("article.card[data-step='quay']");
        await quayCard.Locator(".prompt", new() { HasTextString = "The quay at dusk." }).WaitForAsync(new() { Timeout = 10_000 });
        await quayCard.Locator(".badge.cached").WaitForAsync(new() { Timeout = 10_000 });
        Assert.Equal(0, await quayCard.Locator(".badge.earlier").CountAsync());
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.sameDocument"));

        // The page follows: the new prompt, its new clip, no "earlier clip" left.
        var sheet = await http.GetStringAsync("/sheet" + token);
        var quay = Card(sheet, "quay");
        Assert.Contains("The quay at dusk.", quay, StringComparison.Ordinal);
        Assert.DoesNotContain("earlier clip", quay, StringComparison.Ordinal);
        Assert.NotEqual(first, SHA256.HashData(await http.GetByteArrayAsync("/files/out/shots/quay.mp4" + token)));
        Assert.Equal(streetClip, SHA256.HashData(await http.GetByteArrayAsync("/files/out/shots/street.mp4" + token)));

        // A broken save: the diagnostic is printed, the page says what is wrong, and both go on.
        File.WriteAllText(script, WatchTests.Script.Replace("    prompt: The quay at dawn.\n", "    promt: The quay at dawn.\n", StringComparison.Ordinal));
        await WatchTests.WaitForAsync(() => WatchTests.Count(review.Stderr, "watching storyboard.yaml") == 3, "the broken save");
        Assert.Contains("error RL0110", review.Stderr.ToString(), StringComparison.Ordinal);
        var broken = await http.GetStringAsync("/sheet" + token);
        Assert.Contains("<p class=\"problem\" role=\"alert\">storyboard.yaml(", broken, StringComparison.Ordinal);

        File.WriteAllText(script, WatchTests.Script);
        await WatchTests.WaitForAsync(() => WatchTests.Count(review.Stderr, "watching storyboard.yaml") == 4, "the run after the fix");
        Assert.Contains("The quay at dawn.", Card(await http.GetStringAsync("/sheet" + token), "quay"), StringComparison.Ordinal);
        Assert.Equal(first, SHA256.HashData(await http.GetByteArrayAsync("/files/out/shots/quay.mp4" + token)));
    }

    [Fact]
    public void Review_watch_refuses_a_paid_provider_without_a_cap_before_serving()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", WatchTests.Script);

        var r = ReelInProcess.Run(dir.Path, ["review", "--watch", "--no-open", "--provider", "fal"], null, TimeSpan.FromSeconds(60));

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("refused: --watch on the paid provider 'fal' needs --max-cost", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("review: ", r.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));
    }

    [Fact]
    public void Run_options_without_watch_are_refused()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", WatchTests.Script);

        var r = ReelInProcess.Run(dir.Path, ["review", "--no-open", "--max-cost", "5"], null, TimeSpan.FromSeconds(60));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("add --watch", r.Stderr, StringComparison.Ordinal);
    }

    private static string Card(string sheet, string step)
    {
        var start = sheet.IndexOf($"<article class=\"card\" data-step=\"{step}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no card for {step} in the sheet");
        return sheet[start..sheet.IndexOf("</article>", start, StringComparison.Ordinal)];
    }
}
