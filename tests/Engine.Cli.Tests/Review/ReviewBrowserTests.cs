using Microsoft.Playwright;

namespace Reel.Cli.Tests.Review;

/// <summary>The contact sheet and the review page in a real browser (issue 13).</summary>
public sealed class ReviewBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Key = "review-browser-secret-5d1e";

    [Fact]
    public async Task Report_groups_takes_under_their_scene_marks_the_pick_and_plays_inline()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", ReviewScripts.Local.Replace("    pick: 1\n", "    pick: 3\n", StringComparison.Ordinal));
        var run = await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml"]);
        Assert.True(run.ExitCode == 0, run.All);

        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(Path.Combine(dir.Path, "out", "report.html")).AbsoluteUri);

        var street = page.Locator("section.group[data-source='street']");
        Assert.Equal(1, await street.CountAsync());
        Assert.Equal(3, await street.Locator("article.card").CountAsync());
        Assert.Equal(2, await page.Locator("section.group[data-source='quay'] article.card").CountAsync());
        Assert.Equal(["street#3"], await page.Locator("article.card.picked").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.step)"));
        await AssertEveryStepHasALoadedThumbnailAsync(page, ReviewScripts.LocalSteps);

        await page.GetByRole(AriaRole.Button, new() { Name = "Play street#2", Exact = true }).ClickAsync();
        var video = page.Locator("article.card[data-step='street#2'] video");
        Assert.True(await video.IsVisibleAsync());
        var duration = await video.EvaluateAsync<double>("v => v.readyState >= 1 ? v.duration : new Promise(r => { v.addEventListener('loadedmetadata', () => r(v.duration)); v.addEventListener('error', () => r(-1)); setTimeout(() => r(-2), 10000); })");
        Assert.InRange(duration, 1.5, 2.5);
    }

    [Theory]
    [InlineData("fal")]
    [InlineData("veo")]
    public async Task Every_step_has_a_thumbnail_made_locally_when_the_provider_serves_none(string provider)
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", """
            reel: 1
            defaults: { seconds: 4 }
            scenes:
              - id: street
                prompt: A rainy street at night.
                takes: 2
              - id: quay
                prompt: The quay at dawn.
            cut:
              - id: film
                output: out/film.mp4
                shots: [street, quay]
            """);
        using var emulator = Emulator.Start(dir.Path, Key);
        var run = await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml", "--provider", provider, "--max-cost", "20"], emulator.Environment(provider, Key));
        Assert.True(run.ExitCode == 0, run.All);

        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(Path.Combine(dir.Path, "out", "report.html")).AbsoluteUri);
        await AssertEveryStepHasALoadedThumbnailAsync(page, ["street#1", "street#2", "quay", "film"]);
        await AssertEveryStepHasASpritesheetAsync(page, ["street#1", "street#2", "quay", "film"]);
        Assert.DoesNotContain(Key, await page.ContentAsync(), StringComparison.Ordinal);

        // Kept in the store by clip: a second run makes none again.
        var index = Path.Combine(dir.Path, ".reel", "derived", "thumbnails");
        var made = Directory.GetFiles(index).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.InRange(made.Count, 2, 4); // one per distinct clip (two takes may come back identical)
        var again = await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml", "--provider", provider, "--only", "quay", "--max-cost", "20"], emulator.Environment(provider, Key));
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(made, Directory.GetFiles(index).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    [Fact]
    public async Task Pick_button_writes_one_line_of_the_script_and_the_page_marks_the_take_without_a_reload()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("storyboard.yaml", ReviewScripts.Local);
        Assert.Equal(0, (await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml"])).ExitCode);
        var before = File.ReadAllLines(script);

        await using var review = await ReviewSession.StartAsync(dir.Path);
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(review.Address.AbsoluteUri);
        Assert.Equal(["street#1"], await page.Locator("article.card.picked").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.step)"));
        await AssertEveryStepHasALoadedThumbnailAsync(page, ReviewScripts.LocalSteps);
        await page.EvaluateAsync("() => { window.sameDocument = 'yes'; }");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pick street#2", Exact = true }).ClickAsync();

        await page.Locator("article.card.picked[data-step='street#2']").WaitForAsync(new() { Timeout = 10_000 });
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.sameDocument"));
        Assert.Equal(["street#2"], await page.Locator("article.card.picked").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.step)"));
        var after = File.ReadAllLines(script);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.Equal([("    pick: 1", "    pick: 2")], changed.Select(i => (before[i], after[i])));
    }

    [Fact]
    public async Task Hovering_across_a_thumbnail_scrubs_through_the_spritesheet_in_the_report_and_the_review_page()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", ReviewScripts.Local);
        var run = await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml"]);
        Assert.True(run.ExitCode == 0, run.All);

        // The local provider serves a sheet for every clip (kept in the lock); the cut's is made with ffmpeg.
        var lockText = File.ReadAllText(Path.Combine(dir.Path, "storyboard.lock.yaml"));
        Assert.Equal(5, lockText.Split('\n').Count(l => l.TrimStart().StartsWith("spritesheet: ", StringComparison.Ordinal)));
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, ".reel", "derived", "spritesheets")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "shots", "street_take1.sprites.jpg")));

        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(Path.Combine(dir.Path, "out", "report.html")).AbsoluteUri);
        await AssertEveryStepHasASpritesheetAsync(page, ReviewScripts.LocalSteps);
        await AssertHoverScrubsAsync(page, "street#2");
        await AssertHoverScrubsAsync(page, "film");

        await using var review = await ReviewSession.StartAsync(dir.Path);
        var live = await chromium.Browser.NewPageAsync();
        await live.GotoAsync(review.Address.AbsoluteUri);
        await AssertEveryStepHasASpritesheetAsync(live, ReviewScripts.LocalSteps);
        await AssertHoverScrubsAsync(live, "quay[light=dusk]");
    }

    /// <summary>Two mouse positions across the thumbnail show two different tiles of the sheet (5×2: the first and the eighth).</summary>
    private static async Task AssertHoverScrubsAsync(IPage page, string step)
    {
        var media = page.Locator($"article.card[data-step='{step}'] .media");
        await media.ScrollIntoViewIfNeededAsync();
        var box = (await media.BoundingBoxAsync())!;
        var scrub = media.Locator(".scrub");
        var positions = new List<string>();
        foreach (var at in new[] { 0.05f, 0.75f })
        {
            await page.Mouse.MoveAsync(box.X + (box.Width * at), box.Y + (box.Height / 2));
            Assert.True(await scrub.IsVisibleAsync(), $"no scrub over {step}");
            positions.Add(await scrub.EvaluateAsync<string>("s => getComputedStyle(s).backgroundPosition"));
        }

        Assert.Equal(["0% 0%", "50% 100%"], positions);
        await page.Mouse.MoveAsync(0, 0);
        Assert.False(await scrub.IsVisibleAsync());
    }

    private static async Task AssertEveryStepHasASpritesheetAsync(IPage page, string[] steps)
    {
        foreach (var step in steps)
        {
            var media = page.Locator($"article.card[data-step='{step}'] .media");
            Assert.Equal("5x2", await media.EvaluateAsync<string>("m => m.dataset.spriteColumns + 'x' + m.dataset.spriteRows"));
            var width = await media.EvaluateAsync<int>("m => new Promise(r => { var i = new Image(); i.onload = () => r(i.naturalWidth); i.onerror = () => r(0); i.src = m.dataset.sprite; setTimeout(() => r(-1), 10000); })");
            Assert.True(width > 0, $"the spritesheet of {step} did not load");
        }
    }

    private static async Task AssertEveryStepHasALoadedThumbnailAsync(IPage page, string[] steps)
    {
        foreach (var step in steps)
        {
            var img = page.Locator($"article.card[data-step='{step}'] img.thumb");
            Assert.True(await img.CountAsync() == 1, $"{step} has no <img> thumbnail");
            await img.ScrollIntoViewIfNeededAsync(); // thumbnails load lazily
            var width = await img.EvaluateAsync<int>("i => i.complete ? i.naturalWidth : new Promise(r => { i.onload = () => r(i.naturalWidth); i.onerror = () => r(0); setTimeout(() => r(-1), 10000); })");
            Assert.True(width > 0, $"the thumbnail of {step} did not load");
        }
    }
}
