using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests;

public sealed class AuditTests
{
    [Fact]
    public async Task The_audit_has_one_line_per_request_and_per_job_created()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        var first = (await emulator.PostJsonAsync("videos", """{"prompt":"same","size":"1280x720"}""")).Json!["id"]!.GetValue<string>();
        await emulator.PostJsonAsync("videos", """{"prompt":"same","size":"1280x720"}""");
        await emulator.PostJsonAsync("videos", """{"prompt":"other","size":"1280x720"}""");
        await emulator.GetAsync($"videos/{first}");
        await emulator.GetAsync("videos/video_missing");

        var lines = emulator.AuditLines();
        var requests = lines.Where(l => l["method"] is not null).ToList();
        var jobs = lines.Where(l => l["event"]?.GetValue<string>() == "job.created").ToList();
        Assert.Equal(5, requests.Count);
        Assert.Equal(["POST", "POST", "POST", "GET", "GET"], requests.Select(l => l["method"]!.GetValue<string>()).ToArray());
        Assert.Equal([200, 200, 200, 200, 404], requests.Select(l => l["status"]!.GetValue<int>()).ToArray());
        Assert.Equal($"/v1/videos/{first}", requests[3]["path"]!.GetValue<string>());
        Assert.All(lines, l => Assert.True(DateTimeOffset.TryParse(l["time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _)));
        Assert.Equal(3, jobs.Count);
        Assert.Equal(first, jobs[0]["job"]!.GetValue<string>());
        Assert.All(jobs, j => Assert.Equal("generate", j["kind"]!.GetValue<string>()));
        Assert.All(jobs, j => Assert.Matches("^[0-9a-f]{64}$", j["fingerprint"]!.GetValue<string>()));
        Assert.Equal(jobs[0]["fingerprint"]!.GetValue<string>(), jobs[1]["fingerprint"]!.GetValue<string>());
        Assert.NotEqual(jobs[0]["fingerprint"]!.GetValue<string>(), jobs[2]["fingerprint"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_created_job_is_audited_with_the_seed_it_asked_for_and_whether_it_carried_an_image()
    {
        await using (var emulator = await EmulatorHarness.StartAsync())
        {
            var image = EmulatorHarness.DataUrl(EmulatorHarness.Png(1280, 720));
            await emulator.PostJsonAsync("videos", """{"prompt":"text","size":"1280x720"}""");
            await emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = "image", ["size"] = "1280x720", ["input_reference"] = new JsonObject { ["image_url"] = image } });

            var jobs = emulator.AuditLines().Where(l => l["event"] is not null).ToList();
            Assert.Equal([false, true], jobs.Select(j => j["image"]!.GetValue<bool>()));
            Assert.All(jobs, j => Assert.False(j.ContainsKey("seed")));
        }

        await using var fal = await Fal.FalHarness.StartAsync();
        await fal.SubmitAsync("fal-ai/veo3.1/fast", new JsonObject { ["prompt"] = "text", ["duration"] = "4s" });
        await fal.SubmitAsync("fal-ai/veo3.1/image-to-video", new JsonObject { ["prompt"] = "image", ["duration"] = "4s", ["seed"] = 1234, ["image_url"] = Fal.FalHarness.PngDataUrl() });

        var created = fal.JobsCreated();
        Assert.Equal([false, true], created.Select(j => j["image"]!.GetValue<bool>()));
        Assert.False(created[0].ContainsKey("seed"));
        Assert.Equal(1234, created[1]["seed"]!.GetValue<long>());
    }

    [Fact]
    public async Task Each_kind_of_job_is_audited_with_its_kind()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var source = (await emulator.CompletedVideoAsync())["id"]!.GetValue<string>();

        await emulator.PostJsonAsync($"videos/{source}/remix", """{"prompt":"r"}""");
        await emulator.PostJsonAsync("videos/edits", $$$"""{"prompt":"e","video":{"id":"{{{source}}}"}}""");
        await emulator.PostJsonAsync("videos/extensions", $$$"""{"prompt":"x","seconds":"4","video":{"id":"{{{source}}}"}}""");
        await OpenAi.VideoRoutesTests.CreateCharacterAsync(emulator, "Mira");

        var kinds = emulator.AuditLines().Where(l => l["event"] is not null).Select(l => l["kind"]!.GetValue<string>()).ToList();
        Assert.Equal(["generate", "remix", "edit", "extend", "generate", "character"], kinds);
    }

    [Fact]
    public async Task The_audit_is_readable_while_the_server_runs_and_appends_across_runs()
    {
        var path = Path.Combine(Path.GetTempPath(), "reel-audit-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            for (var run = 0; run < 2; run++)
            {
                await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(AuditPath: path));
                await emulator.GetAsync("videos");
                using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                var text = await reader.ReadToEndAsync();
                Assert.Equal(run + 1, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Concurrent_requests_write_whole_lines()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => emulator.PostJsonAsync("videos", new JsonObject { ["prompt"] = $"p{i}" })));

        var lines = emulator.AuditLines();
        Assert.Equal(80, lines.Count);
        Assert.Equal(40, lines.Select(l => l["job"]?.GetValue<string>()).Where(j => j is not null).Distinct().Count());
    }
}
