using System.Text.RegularExpressions;
using Reel.Engine.Media;
using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>
/// The <c>runway</c> and <c>kling</c> providers end to end: the lantern-alley example (a first frame, an extension —
/// native on Kling, from the last frame on Runway —, a last-frame continuation, a cut) over real HTTP on loopback
/// against the emulator, checked against its audit log. Kling reconciles a lost create by its external_task_id;
/// Runway, which has no task list and no idempotency key, reports it.
/// </summary>
public sealed partial class RunwayAndKlingEndToEndTests
{
    private const string Key = "runway-kling-e2e-secret-5d2a";

    /// <summary>alley, stall, alley-more, closing.</summary>
    private const int PaidSteps = 4;

    public static TheoryData<string> Providers() => new() { "runway", "kling" };

    private static Dictionary<string, string?> Environment(Emulator emulator, string provider, string key) => emulator.Environment(provider, key);

    private static TempDirectory Project() => TempDirectory.OfExample("lantern-alley");

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
        Assert.All(locked, job => Assert.Contains(job.Split(':')[^1], created));
    }

    private static void AssertFilm(string dir) =>
        // alley-more is alley (8 s) and 5 s more; closing is stall (4 s) and 4 s more.
        Assert.Equal(8 + 5 + 4 + (4 + 4), Mp4Clip.Probe(Path.Combine(dir, "out", "lantern-alley.mp4")).Seconds, 1);

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_example_completes_with_one_job_per_step_the_plan_price_is_what_was_spent_and_a_rerun_pays_nothing(string provider)
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = Environment(emulator, provider, Key);
        var plan = ReelInProcess.Run(dir.Path, ["plan", "storyboard.yaml", "--provider", provider, "--json"], env);

        var r = ReelInProcess.Run(dir.Path, Run(provider, "--json"), env, TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        AssertOneJobPerStep(dir.Path, emulator);
        var planned = System.Text.Json.JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("steps").EnumerateArray()
            .Where(s => s.GetProperty("status").GetString() is "run" or "force").Sum(s => s.GetProperty("estimatedCost").GetDecimal());
        // Runway: gen4.5 at $0.12 for 8+4+5+4 s; Kling: kling-v3 std at $0.08 for the same seconds.
        Assert.Equal(provider == "runway" ? 0.12m * 21 : 0.08m * 21, planned);
        Assert.Equal(planned, System.Text.Json.JsonDocument.Parse(r.Stdout).RootElement.GetProperty("totals").GetProperty("spent").GetDecimal());
        AssertFilm(dir.Path);
        var kinds = emulator.JobsCreated().Select(j => j.GetProperty("kind").GetString()).ToList();
        Assert.Equal(provider == "kling" ? 1 : 0, kinds.Count(k => k == "extend"));
        Assert.DoesNotContain(Key, r.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, File.ReadAllText(Path.Combine(dir.Path, "storyboard.lock.yaml")), StringComparison.Ordinal);

        var again = ReelInProcess.Run(dir.Path, Run(provider), env);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(PaidSteps, emulator.JobsCreated().Count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void A_wrong_key_stops_the_run_at_the_first_call(string provider)
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);

        var r = ReelInProcess.Run(dir.Path, Run(provider), Environment(emulator, provider, "wrong-key-7731"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nothing was submitted", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-key-7731", r.All, StringComparison.Ordinal);
        Assert.Single(emulator.Requests());
        Assert.Empty(emulator.JobsCreated());
    }

    [Fact]
    public void On_kling_every_lost_create_answer_is_found_again_by_its_external_task_id_and_paid_once()
    {
        using var dir = Project();
        // Every create is processed, then its connection is cut: Reel never hears of any task it created.
        using var emulator = Emulator.Start(dir.Path, Key, faults: "createreset=1");

        var r = ReelInProcess.Run(dir.Path, Run("kling", "--json"), Environment(emulator, "kling", Key), TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        AssertOneJobPerStep(dir.Path, emulator);
        AssertFilm(dir.Path);
        Assert.Equal(0.08m * 21, System.Text.Json.JsonDocument.Parse(r.Stdout).RootElement.GetProperty("totals").GetProperty("spent").GetDecimal());
        var lookups = emulator.Requests().Count(q => q.GetProperty("method").GetString() == "GET" && q.GetProperty("path").GetString()!.Contains("/reel-", StringComparison.Ordinal));
        Assert.True(lookups >= PaidSteps, $"{lookups} lookups by external_task_id");
    }

    [Fact]
    public void On_runway_a_create_that_got_no_answer_is_reported_and_only_resubmitted_when_asked()
    {
        using var dir = Project();
        using (var emulator = Emulator.Start(dir.Path, Key, faults: "createreset=1"))
        {
            var env = Environment(emulator, "runway", Key);
            var r = ReelInProcess.Run(dir.Path, Run("runway", "--concurrency", "1"), env, TimeSpan.FromMinutes(3));

            Assert.Equal(1, r.ExitCode);
            Assert.Contains("got no answer", r.Stderr, StringComparison.Ordinal);
            Assert.Contains("--resubmit-unanswered", r.Stderr, StringComparison.Ordinal);
            Assert.Single(emulator.JobsCreated());

            var again = ReelInProcess.Run(dir.Path, Run("runway", "--concurrency", "1"), env, TimeSpan.FromMinutes(3));
            Assert.Equal(1, again.ExitCode);
            Assert.Single(emulator.JobsCreated());
        }

        using var healthy = Emulator.Start(dir.Path, Key);
        File.Delete(healthy.AuditPath);
        var resubmit = ReelInProcess.Run(dir.Path, Run("runway", "--resubmit-unanswered"), Environment(healthy, "runway", Key), TimeSpan.FromMinutes(3));
        Assert.True(resubmit.ExitCode == 0, resubmit.All);
        AssertFilm(dir.Path);
    }

    [GeneratedRegex(@"the submit of '([^']+)'")]
    private static partial Regex UnansweredStep();

    /// <summary>Faults and SIGKILLs: a class of its own, so these long runs go in parallel with the others.</summary>
    public sealed class Faults
    {
        [Theory]
        [MemberData(nameof(Providers), MemberType = typeof(RunwayAndKlingEndToEndTests))]
        public void Rate_limits_server_errors_and_truncated_downloads_never_make_a_step_pay_twice(string provider)
        {
            using var dir = Project();
            using var emulator = Emulator.Start(dir.Path, Key, faults: "429=0.15,500=0.1,503=0.05,truncate=0.2", seed: 5);

            var r = ReelInProcess.Run(dir.Path, Run(provider), Environment(emulator, provider, Key), TimeSpan.FromMinutes(4));

            Assert.True(r.ExitCode == 0, r.All);
            AssertOneJobPerStep(dir.Path, emulator);
            AssertFilm(dir.Path);
            var statuses = emulator.Requests().Select(q => q.GetProperty("status").GetInt32()).ToList();
            Assert.Contains(429, statuses);
            Assert.Contains(500, statuses);
        }

        [Theory]
        [MemberData(nameof(Providers), MemberType = typeof(RunwayAndKlingEndToEndTests))]
        public void Killed_runs_resume_without_paying_twice(string provider)
        {
            using var dir = Project();
            using var emulator = Emulator.Start(dir.Path, Key, speed: 0.3);
            var env = Environment(emulator, provider, Key);
            var kills = ReelProcess.RunAndKillAtRandom(dir.Path, Run(provider), env, seed: provider.Length, minMs: 300, maxMs: 2500, maxKills: 4);

            var final = ReelInProcess.Run(dir.Path, Run(provider), env, TimeSpan.FromMinutes(3));

            // Runway can't find the job of a create a kill cut off: such steps are reported and paid again only on
            // request. Kling finds it by its external_task_id, so it never pays twice.
            var unanswered = UnansweredStep().Matches(final.Stderr).Select(m => m.Groups[1].Value).Distinct().ToList();
            if (provider == "kling")
            {
                Assert.Empty(unanswered);
            }
            else if (unanswered.Count > 0)
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
