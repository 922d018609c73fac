using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Scripts;

namespace Reel.Cli.Tests;

/// <summary>The openai provider end to end: real HTTP over loopback against <c>reel emulator</c>.</summary>
public sealed class OpenAiEndToEndTests
{
    private const string Key = "sk-e2e-secret-4f1c";

    private const string Storyboard = """
        reel: 1
        title: Morning Shift
        provider: openai
        defaults: { model: sora-2, size: 1280x720, seconds: 8 }
        vars: { city: Lisbon }
        characters:
          mira:
            name: Mira
            description: a barista with short silver hair
            video: assets/mira.mp4
        scenes:
          - id: open
            prompt: Dawn in {{ city }}. {{ characters.mira.name }}, {{ characters.mira.description }}, unlocks a coffee shop.
            characters: [mira]
            image: assets/storefront.png
            takes: 2
            pick: 2
          - id: pour
            model: sora-2-pro
            seconds: 4
            matrix: { light: [dawn, neon] }
            prompt: "Close-up: latte art poured in {{ light }} light."
        continuations:
          - id: open-2
            from: open
            prompt: She flips the sign to OPEN and smiles.
            seconds: 4
        edits:
          - id: pour-warm
            from: pour[light=dawn]
            prompt: Warmer grade, more steam.
        cut:
          - id: film
            output: out/film.mp4
            shots: [open-2, pour-warm]
        """;

    private static TempDirectory Project()
    {
        var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Storyboard);
        Directory.CreateDirectory(Path.Combine(dir.Path, "assets"));
        using (var clip = File.Create(Path.Combine(dir.Path, "assets", "mira.mp4")))
        {
            LocalRenderer.WriteClip(new ClipSpec("mira", "character reference", new VideoSize(1280, 720), 2, 7), clip);
        }

        var image = new RgbImage(320, 200);
        image.Fill(0, 0, 320, 200, 200, 120, 40);
        using (var png = File.Create(Path.Combine(dir.Path, "assets", "storefront.png")))
        {
            ImageCodec.WritePng(image, png);
        }

        return dir;
    }

    /// <param name="extraCharacters">
    /// Character registration is free and the API has no way to list characters, so a run killed
    /// between the registration's response and its journal entry registers the character again on
    /// resume. Only killed runs may allow that; paid generations are always exactly once.
    /// </param>
    private static void AssertOneJobPerStep(Emulator emulator, int extraCharacters = 0)
    {
        var kinds = emulator.JobsCreated().GroupBy(j => j.GetProperty("kind").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(kinds.GetValueOrDefault("character"), 1, 1 + extraCharacters);
        Assert.Equal(4, kinds.GetValueOrDefault("generate"));
        Assert.Equal(1, kinds.GetValueOrDefault("extend"));
        Assert.Equal(1, kinds.GetValueOrDefault("edit"));
        Assert.Equal(6, kinds.Where(k => k.Key != "character").Sum(k => k.Value));
    }

    private static void AssertNoSecretWritten(string dir, ReelResult result)
    {
        Assert.DoesNotContain(Key, result.All, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".mp4", StringComparison.Ordinal) && !f.Contains("objects", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(Key, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Multi_scene_storyboard_with_characters_image_extension_and_edit_completes_with_one_job_per_step()
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);

        var r = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml"], emulator.Environment(Key));

        Assert.True(r.ExitCode == 0, r.All);
        AssertOneJobPerStep(emulator);
        var film = Mp4Clip.Probe(Path.Combine(dir.Path, "out", "film.mp4"));
        Assert.Equal(12 + 4, film.Seconds, 1);
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "shots", "open-2.thumb.webp")));
        AssertNoSecretWritten(dir.Path, r);

        var again = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml"], emulator.Environment(Key));
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(7, emulator.JobsCreated().Count);
    }

    [Fact]
    public void Faults_never_make_a_step_pay_twice()
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key, faults: "429=0.15,500=0.1,reset=0.1,truncate=0.1", seed: 11);

        var r = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml"], emulator.Environment(Key), TimeSpan.FromMinutes(4));

        Assert.True(r.ExitCode == 0, r.All);
        var droppedRegistrations = emulator.Requests().Count(q => q.GetProperty("path").GetString() == "/v1/videos/characters" && q.GetProperty("status").GetInt32() == 0);
        AssertOneJobPerStep(emulator, extraCharacters: droppedRegistrations);
        var statuses = emulator.Requests().Select(q => q.GetProperty("status").GetInt32()).ToList();
        Assert.Contains(429, statuses);
        Assert.Contains(0, statuses);
        Assert.Equal(16, Mp4Clip.Probe(Path.Combine(dir.Path, "out", "film.mp4")).Seconds, 1);
    }

    [Fact]
    public void Killed_runs_resume_without_paying_twice()
    {
        using var dir = Project();
        using var emulator = EmulatorProcess.Start(dir.Path, Key, speed: 0.1);
        var kills = ReelProcess.RunAndKillAtRandom(dir.Path, ["run", "storyboard.yaml"], emulator.Environment(Key), seed: 42, minMs: 300, maxMs: 2500, maxKills: 4);

        var final = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml"], emulator.Environment(Key), TimeSpan.FromMinutes(3));

        Assert.True(final.ExitCode == 0, final.All);
        Assert.True(kills >= 2, $"only {kills} runs were killed mid-way");
        AssertOneJobPerStep(emulator, extraCharacters: kills);
    }

    [Fact]
    public void A_moderation_failure_names_the_step_and_prompt_is_not_retried_and_exits_1()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", "reel: 1\nprovider: openai\nscenes:\n  - id: risky\n    prompt: A forbidden scene.\n");
        using var emulator = Emulator.Start(dir.Path, Key, faults: "moderation=1");

        var r = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml"], emulator.Environment(Key));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("risky", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("A forbidden scene.", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("moderation", r.Stderr, StringComparison.Ordinal);
        Assert.Single(emulator.JobsCreated());

        var again = ReelInProcess.Run(dir.Path, ["status", "storyboard.yaml"]);
        Assert.Contains("failed", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_key_stops_the_run_at_the_first_call()
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);

        var r = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml"], emulator.Environment("sk-wrong-key-99"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nothing was submitted", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-wrong-key-99", r.All, StringComparison.Ordinal);
        var requests = emulator.Requests();
        Assert.Single(requests);
        Assert.Equal(401, requests[0].GetProperty("status").GetInt32());
        Assert.Empty(emulator.JobsCreated());
    }

    /// <summary>The longest test: a class of its own, so it runs in parallel with the others.</summary>
    public sealed class Batch
    {
        [Fact]
        public async Task Batch_mode_for_100_steps_uses_at_most_5_percent_of_the_requests_of_per_job_mode()
        {
            static string Many() => "reel: 1\nprovider: openai\ndefaults: { seconds: 4 }\nscenes:\n" + string.Concat(Enumerable.Range(1, 100).Select(i => $"  - id: s{i}\n    prompt: shot number {i}\n"));

            int Requests(bool batch)
            {
                using var dir = new TempDirectory();
                dir.Write("storyboard.yaml", Many());
                using var emulator = Emulator.Start(dir.Path, Key, speed: 0.01);
                var args = batch ? new[] { "run", "storyboard.yaml", "--batch" } : ["run", "storyboard.yaml"];
                var r = ReelInProcess.Run(dir.Path, args, emulator.Environment(Key), TimeSpan.FromMinutes(4));
                Assert.True(r.ExitCode == 0, r.All);
                Assert.Equal(100, emulator.JobsCreated().Count(j => j.GetProperty("kind").GetString() is "generate" or "batch"));

                // Content downloads are the same in both modes; count what submitting and tracking costs.
                return emulator.Requests().Count(q => !q.GetProperty("path").GetString()!.EndsWith("/content", StringComparison.Ordinal));
            }

            // The two modes run side by side: each has its own project and emulator.
            var perJobRun = Task.Run(() => Requests(batch: false));
            var batchedRun = Task.Run(() => Requests(batch: true));
            var perJob = await perJobRun;
            var batched = await batchedRun;

            Assert.True(batched * 20 <= perJob, $"batch used {batched} requests, per-job {perJob}");
        }
    }
}
