using System.Net;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Rendering;

public sealed class RenderAheadTests
{
    [Fact]
    public async Task A_jobs_clip_thumbnail_and_spritesheet_are_rendered_while_it_runs_before_anything_is_downloaded()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var created = await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = "A fox", ["size"] = "1280x720", ["seconds"] = "4" });
        var id = created.Json!["id"]!.GetValue<string>();
        var assets = Path.Combine(emulator.Directory, "data", "assets");
        string[] files = [Path.Combine(assets, id + ".mp4"), Path.Combine(assets, id + ".webp"), Path.Combine(assets, id + ".jpg")];

        // The fake clock never moves: the job is still queued, and nothing has asked for its content.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!files.All(File.Exists) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.All(files, f => Assert.True(File.Exists(f), $"{Path.GetFileName(f)} was not rendered ahead"));
        var written = File.GetLastWriteTimeUtc(files[0]);

        emulator.Advance(5);
        var download = await emulator.Http.GetAsync($"videos/{id}/content");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(files[0]), await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(written, File.GetLastWriteTimeUtc(files[0]));
    }

    [Fact]
    public async Task Downloads_racing_the_background_render_all_get_the_one_clip()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var created = await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = "A heron", ["size"] = "1280x720", ["seconds"] = "8" });
        var id = created.Json!["id"]!.GetValue<string>();
        emulator.Advance(10);

        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => emulator.Http.GetAsync($"videos/{id}/content")));
        var bodies = await Task.WhenAll(replies.Select(r => r.Content.ReadAsByteArrayAsync()));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(bodies, b => Assert.Equal(bodies[0], b));
        // Every download was answered from the finished clip, not a half-written one.
        Assert.False(File.Exists(Path.Combine(emulator.Directory, "data", "assets", id + ".mp4.tmp")));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(emulator.Directory, "data", "assets", id + ".mp4")), bodies[0]);
    }
}
