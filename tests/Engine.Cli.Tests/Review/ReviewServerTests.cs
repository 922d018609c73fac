using System.Net;
using System.Text;

namespace Reel.Cli.Tests.Review;

/// <summary><c>reel review</c>'s server over HTTP: the token, the Host check, only listed files, picks, events.</summary>
public sealed class ReviewServerTests
{
    [Fact]
    public async Task Requests_without_the_token_or_from_a_foreign_host_get_403_and_unlisted_paths_404()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", ReviewScripts.Local);
        Assert.Equal(0, (await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml"])).ExitCode);
        File.CreateSymbolicLink(Path.Combine(dir.Path, "out", "shots", "escape.mp4"), "/etc/passwd");
        await using var review = await ReviewSession.StartAsync(dir.Path);
        Assert.Matches(@"^review: http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{48}$", review.Stdout.Split('\n')[0]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{review.Port}") };
        var token = "?token=" + review.Token;

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/" + token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/files/out/shots/street_take2.mp4" + token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/?token=" + new string('0', 48))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/files/out/shots/street_take2.mp4")).StatusCode);

        using (var rebound = new HttpRequestMessage(HttpMethod.Get, "/" + token))
        {
            rebound.Headers.Host = $"attacker.example:{review.Port}";
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(rebound)).StatusCode);
        }

        using (var localhost = new HttpRequestMessage(HttpMethod.Get, "/" + token))
        {
            localhost.Headers.Host = $"localhost:{review.Port}";
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(localhost)).StatusCode);
        }

        foreach (var path in new[] { "/..%2f..%2fetc/passwd", "/files/..%2f..%2fetc%2fpasswd", "/files/out%2fshots%2fstreet_take2.mp4", "/files/out/shots/escape.mp4", "/files/storyboard.yaml", "/files/.reel/state.db" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{review.Port}{path}{token}", UriKind.Absolute));
            var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_pick_needs_the_token_in_a_header_and_a_step_that_exists()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("storyboard.yaml", ReviewScripts.Local);
        await using var review = await ReviewSession.StartAsync(dir.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{review.Port}") };

        Assert.Equal(HttpStatusCode.Forbidden, (await PickAsync(http, "street#2", header: null, query: review.Token)).StatusCode);
        foreach (var missing in new[] { "nowhere#2", "street#4", "quay[light=dawn]" })
        {
            var refused = await PickAsync(http, missing, review.Token);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        Assert.Equal(ReviewScripts.Local, File.ReadAllText(script));
        var picked = await PickAsync(http, "street#3", review.Token);
        Assert.Equal(HttpStatusCode.OK, picked.StatusCode);
        Assert.Equal(ReviewScripts.Local.Replace("    pick: 1\n", "    pick: 3\n", StringComparison.Ordinal), File.ReadAllText(script));
    }

    [Fact]
    public async Task The_page_is_told_when_the_lock_changes()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", ReviewScripts.Local);
        await using var review = await ReviewSession.StartAsync(dir.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{review.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        using var events = await http.GetAsync("/events?token=" + review.Token, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        Assert.Equal(": reel review", await reader.ReadLineAsync());

        // A run in another terminal writes the lock and the store.
        var run = await ReelInProcess.RunAsync(dir.Path, ["run", "storyboard.yaml", "--only", "quay"]);
        Assert.True(run.ExitCode == 0, run.All);

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? line;
        do
        {
            line = await reader.ReadLineAsync(wait.Token);
        }
        while (line is not null && line != "event: changed");

        Assert.Equal("event: changed", line);
        var sheet = await http.GetStringAsync("/sheet?token=" + review.Token);
        Assert.Contains("/files/out/shots/quay_light-dawn.mp4?token=", sheet, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PickAsync(HttpClient http, string step, string? header, string? query = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pick" + (query is null ? "" : "?token=" + query))
        {
            Content = new StringContent($"{{\"step\":\"{step}\"}}", Encoding.UTF8, "application/json"),
        };
        if (header is not null)
        {
            request.Headers.Add("X-Reel-Token", header);
        }

        return await http.SendAsync(request);
    }
}
