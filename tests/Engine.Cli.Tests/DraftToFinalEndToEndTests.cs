using Reel.Engine.Media;
using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>
/// Draft, choose, finish against <c>reel emulator</c> on fal: three takes of three scenes in the draft
/// profile, a <c>reel pick</c> for each, then <c>--profile final</c> renders exactly the three picked takes with their
/// seeds and first frames; the draft is still all there afterwards.
/// </summary>
public sealed class DraftToFinalEndToEndTests
{
    private const string Key = "fal-draft-final-secret-4c1d";

    private const string Script = """
        reel: 1
        title: Draft to final
        provider: fal
        profiles:
          draft: { model: veo3.1-fast, takes: 3 }
          final: { model: veo3.1, size: 1920x1080, takes: picked, carry: first-frame }
        defaults: { seconds: 4 }
        scenes:
          # The opening, three ways in the draft.
          - id: open
            prompt: A barista opens the cafe at dawn.
          - id: pour
            prompt: Latte art, a slow pour.
          - id: close
            prompt: The lights go out.
        cut:
          - id: film
            output: out/film.mp4
            shots: [open, pour, close]
        """;

    private static readonly (string Scene, int Take)[] Picks = [("open", 2), ("pour", 3), ("close", 1)];

    [Fact]
    public void Picked_takes_render_once_at_final_quality_with_their_seeds_and_first_frames_and_the_draft_stays_cached()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Script);
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = emulator.Environment("fal", Key);

        var draft = ReelInProcess.Run(dir.Path, ["run"], env, TimeSpan.FromMinutes(3));
        Assert.True(draft.ExitCode == 0, draft.All);
        Assert.Equal(9, emulator.JobsCreated().Count);

        // The final is refused, before anything is spent, until every scene has a pick.
        var unpicked = ReelInProcess.Run(dir.Path, ["run", "--profile", "final"], env);
        Assert.True(unpicked.ExitCode == 3, unpicked.All);
        foreach (var (scene, _) in Picks)
        {
            Assert.Contains($"'{scene}' has 3 takes and no pick; choose one with `reel pick storyboard.yaml {scene}#N` (N from 1 to 3)", unpicked.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(9, emulator.JobsCreated().Count);

        foreach (var (scene, take) in Picks)
        {
            var pick = ReelInProcess.Run(dir.Path, "pick", "storyboard.yaml", $"{scene}#{take}");
            Assert.True(pick.ExitCode == 0, pick.All);
        }

        var final = ReelInProcess.Run(dir.Path, ["run", "--profile", "final"], env, TimeSpan.FromMinutes(3));
        Assert.True(final.ExitCode == 0, final.All);

        // Exactly three final jobs, each from an image (the picked take's first frame).
        var created = emulator.JobsCreated();
        Assert.Equal(12, created.Count);
        var finals = created.Skip(9).ToList();
        Assert.All(finals, j => Assert.True(j.GetProperty("image").GetBoolean()));
        var submits = emulator.Requests().Where(r => r.GetProperty("method").GetString() == "POST" && r.GetProperty("path").GetString()!.Contains("veo3.1", StringComparison.Ordinal)).ToList();
        Assert.Equal(12, submits.Count);
        Assert.All(submits.Take(9), s => Assert.Contains("/fast", s.GetProperty("path").GetString(), StringComparison.Ordinal));
        Assert.All(submits.Skip(9), s => Assert.EndsWith("veo3.1/image-to-video", s.GetProperty("path").GetString(), StringComparison.Ordinal));

        // Each final asked for its picked draft take's seed, and lives beside it in the lock under the same step id.
        var entries = LockFile.Read(Path.Combine(dir.Path, "storyboard.lock.yaml")).Entries;
        foreach (var (scene, take) in Picks)
        {
            var step = $"{scene}#{take}";
            var draftTake = Assert.Single(entries, e => e.Step == step && e.Model == "veo3.1-fast");
            var finalTake = Assert.Single(entries, e => e.Step == step && e.Model == "veo3.1");
            Assert.NotNull(draftTake.Seed);
            Assert.Equal(draftTake.Seed, finalTake.Seed);
            Assert.Equal("1920x1080", finalTake.Size);
            Assert.Contains($"carry:{draftTake.Output}", finalTake.Inputs, StringComparison.Ordinal);
            // The lock names a fal job by its endpoint and request id, the audit by the request id.
            Assert.Single(finals, j => finalTake.Job!.EndsWith(":" + j.GetProperty("job").GetString(), StringComparison.Ordinal) && j.TryGetProperty("seed", out var seed) && seed.GetInt64() == draftTake.Seed);
        }

        // out/ holds the final's clips, and its film is cut from them.
        AssertExported(dir.Path, entries, "veo3.1");
        var finalFilm = Sha(Path.Combine(dir.Path, "out", "film.mp4"));

        // Back to the draft: every clip is cached and no request reaches the provider; its film is made of its own clips.
        var requests = emulator.Requests().Count;
        var back = ReelInProcess.Run(dir.Path, ["run", "--profile", "draft", "--json"], env, TimeSpan.FromMinutes(3));
        Assert.True(back.ExitCode == 0, back.All);
        Assert.Equal(requests, emulator.Requests().Count);
        var steps = System.Text.Json.JsonDocument.Parse(back.Stdout).RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.All(steps.Where(s => s.GetProperty("id").GetString() != "film"), s => Assert.Equal("cached", s.GetProperty("status").GetString()));
        AssertExported(dir.Path, entries, "veo3.1-fast");
        Assert.NotEqual(finalFilm, Sha(Path.Combine(dir.Path, "out", "film.mp4")));
        Assert.Equal(3 * 4, Mp4Clip.Probe(Path.Combine(dir.Path, "out", "film.mp4")).Seconds, 1);
    }

    [Fact]
    public void Reel_profile_chooses_the_profile_when_no_option_does_and_an_unknown_one_is_an_error_with_the_names()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", """
            reel: 1
            profiles:
              draft: { takes: 2, size: 128x72 }
              final: { takes: picked, size: 256x144 }
            defaults: { seconds: 1 }
            scenes:
              - id: open
                prompt: Dawn over the harbour.
                pick: 2
            """);

        var plan = ReelInProcess.Run(dir.Path, ["plan"], new Dictionary<string, string?> { ["REEL_PROFILE"] = "final" });
        Assert.True(plan.ExitCode == 0, plan.All);
        Assert.Contains("open#2", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("256x144", plan.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("open#1", plan.Stdout, StringComparison.Ordinal);

        // --profile wins over REEL_PROFILE.
        var draft = ReelInProcess.Run(dir.Path, ["plan", "--profile", "draft"], new Dictionary<string, string?> { ["REEL_PROFILE"] = "final" });
        Assert.True(draft.ExitCode == 0, draft.All);
        Assert.Contains("open#1", draft.Stdout, StringComparison.Ordinal);

        foreach (var command in new[] { "validate", "plan", "run", "status", "graph", "review" })
        {
            var bad = ReelInProcess.Run(dir.Path, [command, "--profile", "fianl"], null);
            Assert.True(bad.ExitCode == 2, $"{command}: {bad.All}");
            Assert.Contains("error RL0220: unknown profile 'fianl' (the script's profiles: draft, final) (did you mean 'final'?)", bad.Stderr, StringComparison.Ordinal);
        }

        var run = ReelInProcess.Run(dir.Path, ["run", "--profile", "final"], null);
        Assert.True(run.ExitCode == 0, run.All);
        var status = ReelInProcess.Run(dir.Path, ["status", "--profile", "final"], null);
        Assert.True(status.ExitCode == 0, status.All);
        Assert.Contains("open#2", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_final_that_carries_first_frames_waits_for_its_draft_and_then_starts_from_the_picked_clip()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", """
            reel: 1
            profiles:
              draft: { takes: 2, size: 128x72 }
              final: { takes: picked, carry: first-frame, size: 256x144 }
            defaults: { seconds: 1 }
            scenes:
              - id: open
                prompt: Dawn over the harbour.
                pick: 2
            """);

        var early = ReelInProcess.Run(dir.Path, "run", "--profile", "final");
        Assert.True(early.ExitCode == 3, early.All);
        Assert.Contains("'open#2' carries the first frame of its picked take, which profile 'draft' has not rendered; run `reel run storyboard.yaml --profile draft` first", early.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "storyboard.lock.yaml")));

        Assert.Equal(0, ReelInProcess.Run(dir.Path, "run").ExitCode);
        var picked = Sha(Path.Combine(dir.Path, "out", "shots", "open_take2.mp4"));
        var final = ReelInProcess.Run(dir.Path, "run", "--profile", "final");
        Assert.True(final.ExitCode == 0, final.All);

        // Both profiles run on local/local at two sizes: the lock keeps both entries of the step (one per profile).
        var entries = LockFile.Read(Path.Combine(dir.Path, "storyboard.lock.yaml")).Entries.Where(e => e.Step == "open#2").ToList();
        Assert.Equal(["128x72", "256x144"], entries.Select(e => e.Size!).Order(StringComparer.Ordinal));
        var finalTake = entries.Single(e => e.Size == "256x144");
        Assert.Equal($"carry:{picked}", finalTake.Inputs);
        Assert.Equal(new Engine.Core.VideoSize(256, 144), ToSize(Mp4Clip.Probe(Path.Combine(dir.Path, "out", "shots", "open_take2.mp4"))));

        // Back to the draft: cached, no provider call.
        var back = ReelInProcess.Run(dir.Path, "run", "--json");
        Assert.True(back.ExitCode == 0, back.All);
        var steps = System.Text.Json.JsonDocument.Parse(back.Stdout).RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal("cached", steps.Single(x => x.GetProperty("id").GetString() == "open#1").GetProperty("status").GetString());
        Assert.Equal("cached", steps.Single(x => x.GetProperty("id").GetString() == "open#2").GetProperty("status").GetString());
        Assert.Equal(picked, Sha(Path.Combine(dir.Path, "out", "shots", "open_take2.mp4")));
    }

    private static Engine.Core.VideoSize ToSize(ClipInfo clip) => new(clip.Width, clip.Height);

    /// <summary>The picked shots in <c>out/shots/</c> are the clips <paramref name="model"/> made.</summary>
    private static void AssertExported(string dir, IEnumerable<LockEntry> entries, string model)
    {
        foreach (var (scene, take) in Picks)
        {
            var locked = Assert.Single(entries, e => e.Step == $"{scene}#{take}" && e.Model == model);
            Assert.Equal(locked.Output, Sha(Path.Combine(dir, "out", "shots", $"{scene}_take{take}.mp4")));
        }
    }

    private static string Sha(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
}
