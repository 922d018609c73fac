using System.Text.RegularExpressions;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>
/// The <c>fal</c>, <c>veo</c> and <c>veo-vertex</c> providers end to end: the night-market example (first and last
/// frames, reference images, a native extension, a last-frame continuation, a cut) over real HTTP on loopback
/// against <c>reel emulator</c>, checked against the emulator's audit log.
/// </summary>
public sealed partial class VeoAndFalEndToEndTests
{
    private const string Key = "fal-veo-e2e-secret-93be";

    /// <summary>arrive, stall, vendor, arrive-more (extension), closing (from vendor's last frame).</summary>
    private const int PaidSteps = 5;

    public static TheoryData<string> Providers() => new() { "fal", "veo", "veo-vertex" };

    private static TempDirectory Project() => TempDirectory.OfExample("night-market");

    private static string[] Run(string provider, params string[] extra) => ["run", "storyboard.yaml", "--provider", provider, .. extra];

    /// <summary>Every paid step made exactly one job, and the lock holds exactly those jobs.</summary>
    private static void AssertOneJobPerStep(string dir, Emulator emulator, int allowedExtra = 0)
    {
        var created = emulator.JobsCreated().Select(j => j.GetProperty("job").GetString()!).ToList();
        Assert.InRange(created.Count, PaidSteps, PaidSteps + allowedExtra);
        Assert.Equal(created.Count, created.Distinct(StringComparer.Ordinal).Count());
        var locked = LockFile.Read(Path.Combine(dir, "storyboard.lock.yaml")).Entries
            .Where(e => e.Step != "film").Select(e => e.Job!).ToList();
        Assert.Equal(PaidSteps, locked.Count);
        Assert.All(locked, job => Assert.Contains(created, c => job.EndsWith(c, StringComparison.Ordinal) || c.EndsWith(job.Split(':')[^1], StringComparison.Ordinal)));
    }

    private static void AssertFilm(string dir)
    {
        var film = Mp4Clip.Probe(Path.Combine(dir, "out", "night-market.mp4"));
        Assert.Equal(15 + 8 + 8 + 12, film.Seconds, 1);
    }

    private static void AssertNoSecretWritten(string dir, ReelResult result)
    {
        Assert.DoesNotContain(Key, result.All, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".mp4", StringComparison.Ordinal) && !f.Contains("objects", StringComparison.Ordinal) && !f.Contains("emulator-data", StringComparison.Ordinal) && !f.EndsWith("audit.jsonl", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(Key, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_example_completes_with_one_job_per_step_and_a_rerun_pays_nothing(string provider)
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);
        var plan = ReelInProcess.Run(dir.Path, ["plan", "storyboard.yaml", "--provider", provider, "--json"], emulator.Environment(provider, Key));

        var r = ReelInProcess.Run(dir.Path, Run(provider, "--json"), emulator.Environment(provider, Key), TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        AssertOneJobPerStep(dir.Path, emulator);

        // What plan priced is what the run spent.
        var planned = System.Text.Json.JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("steps").EnumerateArray()
            .Where(s => s.GetProperty("status").GetString() is "run" or "force").Sum(s => s.GetProperty("estimatedCost").GetDecimal());
        Assert.True(planned > 0);
        Assert.Equal(planned, System.Text.Json.JsonDocument.Parse(r.Stdout).RootElement.GetProperty("totals").GetProperty("spent").GetDecimal());
        AssertFilm(dir.Path);
        AssertNoSecretWritten(dir.Path, r);
        var lockText = File.ReadAllText(Path.Combine(dir.Path, "storyboard.lock.yaml"));
        if (provider == "veo")
        {
            Assert.DoesNotContain("seed:", lockText, StringComparison.Ordinal);
        }
        else
        {
            // Seeds derived from the step keys; fal's reference-to-video takes none, so the vendor shot has none there.
            Assert.Equal(provider == "fal" ? 4 : 5, SeedLine().Matches(lockText).Count);
        }

        var again = ReelInProcess.Run(dir.Path, Run(provider), emulator.Environment(provider, Key));
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(PaidSteps, emulator.JobsCreated().Count);
    }

    [Fact]
    public void On_fal_a_character_is_registered_once_and_used_by_sora_2_while_veo_shots_use_its_name_only()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", """
            reel: 1
            provider: fal
            characters:
              mira:
                name: Mira
                description: a barista with short silver hair
                video: assets/mira.mp4
            scenes:
              - id: open
                model: sora-2
                seconds: 4
                prompt: Mira, a barista with short silver hair, unlocks the shop at dawn.
                characters: [mira]
              - id: pour
                seconds: 8
                prompt: Mira pours latte art, close-up.
                characters: [mira]
            cut:
              - id: film
                output: out/film.mp4
                shots: [open, pour]
            """);
        Directory.CreateDirectory(Path.Combine(dir.Path, "assets"));
        using (var clip = File.Create(Path.Combine(dir.Path, "assets", "mira.mp4")))
        {
            LocalRenderer.WriteClip(new ClipSpec("mira", "character reference", new Reel.Engine.Core.VideoSize(1280, 720), 2, 7), clip);
        }

        using var emulator = Emulator.Start(dir.Path, Key);
        var r = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml"], emulator.Environment("fal", Key), TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        var kinds = emulator.JobsCreated().GroupBy(j => j.GetProperty("kind").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, kinds.GetValueOrDefault("character"));
        Assert.Equal(2, kinds.GetValueOrDefault("generate"));
        var entries = LockFile.Read(Path.Combine(dir.Path, "storyboard.lock.yaml"));
        Assert.StartsWith("char_", entries.ForStep("@mira")!.Character, StringComparison.Ordinal);
        Assert.Equal(12, Mp4Clip.Probe(Path.Combine(dir.Path, "out", "film.mp4")).Seconds, 1);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void A_wrong_key_stops_the_run_at_the_first_call(string provider)
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);

        var r = ReelInProcess.Run(dir.Path, Run(provider), emulator.Environment(provider, "wrong-key-5521"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nothing was submitted", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-key-5521", r.All, StringComparison.Ordinal);
        Assert.Single(emulator.Requests());
        Assert.Empty(emulator.JobsCreated());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void A_missing_key_is_a_clear_usage_error(string provider)
    {
        using var dir = Project();
        var env = new Dictionary<string, string?>
        {
            ["FAL_KEY"] = null,
            ["GEMINI_API_KEY"] = null,
            ["GOOGLE_API_KEY"] = null,
            ["GOOGLE_CLOUD_ACCESS_TOKEN"] = null,
        };

        var r = ReelInProcess.Run(dir.Path, Run(provider), env);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(provider == "fal" ? "FAL_KEY" : provider == "veo" ? "GEMINI_API_KEY" : "GOOGLE_CLOUD_ACCESS_TOKEN", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.All, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s+seed: \d+$", RegexOptions.Multiline)]
    private static partial Regex SeedLine();

    [GeneratedRegex(@"the submit of '([^']+)'")]
    private static partial Regex UnansweredStep();

    /// <summary>Faults: a class of its own, so these long runs go in parallel with the others.</summary>
    public sealed class Faults
    {
        [Theory]
        [MemberData(nameof(Providers), MemberType = typeof(VeoAndFalEndToEndTests))]
        public void Rate_limits_server_errors_and_truncated_downloads_never_make_a_step_pay_twice(string provider)
        {
            using var dir = Project();
            using var emulator = Emulator.Start(dir.Path, Key, faults: "429=0.15,500=0.1,503=0.05,truncate=0.2", seed: 5);

            var r = ReelInProcess.Run(dir.Path, Run(provider), emulator.Environment(provider, Key), TimeSpan.FromMinutes(4));

            Assert.True(r.ExitCode == 0, r.All);
            AssertOneJobPerStep(dir.Path, emulator);
            AssertFilm(dir.Path);
            var statuses = emulator.Requests().Select(q => q.GetProperty("status").GetInt32()).ToList();
            Assert.Contains(429, statuses);
            Assert.Contains(500, statuses);
        }
    }

    /// <summary>Submits that get no answer: a class of its own, so these long runs go in parallel with the others.</summary>
    public sealed class UnansweredSubmits
    {
        [Theory]
        [MemberData(nameof(Providers), MemberType = typeof(VeoAndFalEndToEndTests))]
        public void A_submit_that_got_no_answer_is_reported_and_only_resubmitted_when_asked(string provider)
        {
            using var dir = Project();

            // Every request is processed, then its connection is cut: the first submit creates a job nobody hears of.
            using (var emulator = Emulator.Start(dir.Path, Key, faults: "reset=1"))
            {
                var r = ReelInProcess.Run(dir.Path, Run(provider, "--concurrency", "1"), emulator.Environment(provider, Key), TimeSpan.FromMinutes(3));

                Assert.Equal(1, r.ExitCode);
                Assert.Contains("got no answer", r.Stderr, StringComparison.Ordinal);
                Assert.Contains("--resubmit-unanswered", r.Stderr, StringComparison.Ordinal);
                Assert.Single(emulator.JobsCreated());

                var again = ReelInProcess.Run(dir.Path, Run(provider, "--concurrency", "1"), emulator.Environment(provider, Key), TimeSpan.FromMinutes(3));
                Assert.Equal(1, again.ExitCode);
                Assert.Contains("got no answer", again.Stderr, StringComparison.Ordinal);
                Assert.Single(emulator.JobsCreated());

                var status = ReelInProcess.Run(dir.Path, "status", "storyboard.yaml", "--provider", provider);
                Assert.Matches(@"(?m)^\S+\s+unanswered\s", status.Stdout);
            }

            using (var healthy = Emulator.Start(dir.Path, Key))
            {
                File.Delete(healthy.AuditPath);
                var resubmit = ReelInProcess.Run(dir.Path, Run(provider, "--resubmit-unanswered"), healthy.Environment(provider, Key), TimeSpan.FromMinutes(3));
                Assert.True(resubmit.ExitCode == 0, resubmit.All);
                AssertFilm(dir.Path);
            }
        }
    }

    /// <summary>SIGKILL at random moments (real processes): a class of its own, so these runs go in parallel with the others.</summary>
    public sealed class KilledRuns
    {
        [Theory]
        [MemberData(nameof(Providers), MemberType = typeof(VeoAndFalEndToEndTests))]
        public void Killed_runs_resume_without_paying_twice(string provider)
        {
            using var dir = Project();
            // Slow enough jobs that the random kills land while runs are still working, even on a busy machine.
            using var emulator = Emulator.Start(dir.Path, Key, speed: 0.3);
            var env = emulator.Environment(provider, Key);
            var kills = ReelProcess.RunAndKillAtRandom(dir.Path, Run(provider), env, seed: provider.Length, minMs: 300, maxMs: 2500, maxKills: 4);

            var final = ReelInProcess.Run(dir.Path, Run(provider), env, TimeSpan.FromMinutes(3));

            // A kill between a submit leaving and its answer arriving leaves a job Reel can't find on a provider
            // without a job list: such steps are reported, and only paid for again when the user asks.
            var unanswered = UnansweredStep().Matches(final.Stderr).Select(m => m.Groups[1].Value).Distinct().ToList();
            if (unanswered.Count > 0)
            {
                Assert.Equal(1, final.ExitCode);
                final = ReelInProcess.Run(dir.Path, Run(provider, "--resubmit-unanswered"), env, TimeSpan.FromMinutes(3));
            }

            Assert.True(final.ExitCode == 0, final.All);
            Assert.True(kills >= 2, $"only {kills} runs were killed mid-way");
            AssertOneJobPerStep(dir.Path, emulator, allowedExtra: unanswered.Count);
            AssertFilm(dir.Path);
        }
    }
}
