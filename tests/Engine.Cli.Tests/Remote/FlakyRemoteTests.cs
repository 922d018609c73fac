using System.Text.Json;
using System.Text.RegularExpressions;
using static Reel.Cli.Tests.Remote.TeamRemoteTests;

namespace Reel.Cli.Tests.Remote;

/// <summary>
/// The shared remote when S3 misbehaves: lost answers and 503s on the S3 routes only (the provider stays reliable), an
/// endpoint that is not there, a credential written into the URL; and how a step found on the remote is shown.
/// </summary>
public sealed class FlakyRemoteTests
{
    // fal cannot list its jobs: a second submit of a step could never be reconciled, only paid twice.
    private const string FalStoryboard = """
        reel: 1
        provider: fal
        remote: s3://films/flaky
        defaults: { model: veo3.1-fast, size: 1280x720, seconds: 4 }
        scenes:
          - id: dock
            prompt: A ferry docks in the rain.
          - id: deck
            prompt: Passengers crowd the wet deck.
          - id: gull
            prompt: A gull hangs in the wind above the mast.
        cut:
          - id: film
            output: out/film.mp4
            shots: [dock, deck, gull]
        """;

    private static Dictionary<string, string?> FalEnv(Emulator emulator, string lease)
    {
        var env = Env(emulator, lease);
        foreach (var (name, value) in emulator.Environment("fal", Key))
        {
            env[name] = value;
        }

        return env;
    }

    private static decimal Spent(ReelResult r) => decimal.Parse(Regex.Match(r.Stderr + r.Stdout, @"spent \$(\d+\.\d\d)").Groups[1].Value);

    private static void AssertOneFalJobPerStep(Emulator emulator)
    {
        var created = emulator.JobsCreated();
        Assert.Equal(3, created.Count);
        Assert.Equal(3, created.Select(j => j.GetProperty("fingerprint").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Lost_s3_answers_on_claims_and_renewals_never_make_a_second_paid_job()
    {
        using var root = new TempDirectory();

        // Jobs of 12 s with a lease of 3 s: renewed every second, so claim writes (and their lost answers) happen while jobs
        // run, and a claim given up on one lost answer would expire (and be taken over, paid again) long before its job ends.
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key, speed: 3, faults: "s3reset=0.2");
        var env = FalEnv(emulator, lease: "3");
        var a = Clone(root, "alice", FalStoryboard);
        var b = Clone(root, "bob", FalStoryboard);

        var runs = await TeamRemoteTests.RunBothAsync(a, b, env);
        Assert.Contains(emulator.Requests(), r => r.GetProperty("status").GetInt32() == 0 && r.GetProperty("path").GetString()!.Contains("/claims/", StringComparison.Ordinal));
        AssertOneFalJobPerStep(emulator);

        // Each job paid once between the two clones: veo3.1-fast on fal is $0.15 a second.
        Assert.Equal(3 * 4 * 0.15m, runs.Sum(Spent));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(a, "out", "film.mp4")), await File.ReadAllBytesAsync(Path.Combine(b, "out", "film.mp4")));
        AssertNoSecret(root.Path, runs);
    }

    [Fact]
    public async Task S3_503s_are_retried_on_the_provider_policy_and_the_team_run_finishes_with_one_job_per_step()
    {
        using var root = new TempDirectory();
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key, speed: 0.1, faults: "s3503=0.3");
        var env = FalEnv(emulator, lease: "20");
        var a = Clone(root, "alice", FalStoryboard);
        var b = Clone(root, "bob", FalStoryboard);

        var runs = await TeamRemoteTests.RunBothAsync(a, b, env);
        Assert.True(emulator.Requests().Count(r => r.GetProperty("status").GetInt32() == 503) >= 5);
        AssertOneFalJobPerStep(emulator);
        Assert.Equal(3 * 4 * 0.15m, runs.Sum(Spent));
    }

    [Fact]
    public async Task An_s3_endpoint_that_is_not_there_stops_the_run_before_any_provider_request()
    {
        using var root = new TempDirectory();
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key);
        var env = FalEnv(emulator, lease: "20");
        env["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:1";
        var a = Clone(root, "alice", FalStoryboard);

        var run = await ReelInProcess.RunAsync(a, ["run", "storyboard.yaml"], env);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("could not be reached", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was submitted", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain(emulator.Requests(), r => r.GetProperty("method").GetString() == "POST");
        Assert.Empty(emulator.JobsCreated());
        AssertNoSecret(root.Path, run);
    }

    [Fact]
    public async Task A_step_found_on_the_remote_shows_as_cached_remote_for_nothing_in_the_output_the_json_and_the_report()
    {
        using var root = new TempDirectory();
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key, speed: 0.02);
        var env = FalEnv(emulator, lease: "20");
        var a = Clone(root, "alice", FalStoryboard);
        var first = await ReelInProcess.RunAsync(a, ["run", "storyboard.yaml"], env);
        Assert.True(first.ExitCode == 0, first.All);

        // A fresh clone without the lock: every step is found in the remote's steps/.
        var b = Clone(root, "bob", FalStoryboard);
        var text = await ReelInProcess.RunAsync(b, ["run", "storyboard.yaml"], env);
        Assert.True(text.ExitCode == 0, text.All);
        Assert.Contains("dock: cached (remote)", text.Stderr, StringComparison.Ordinal);
        Assert.Contains("3 cached", text.All, StringComparison.Ordinal);
        Assert.Contains("0 reused", text.All, StringComparison.Ordinal);
        Assert.Equal(0m, Spent(text));
        var report = Regex.Match(text.Stdout, @"^report: (.+)$", RegexOptions.Multiline).Groups[1].Value.Trim();
        Assert.Contains("cached (remote)", await File.ReadAllTextAsync(Path.Combine(b, report)), StringComparison.Ordinal);
        Assert.Contains("<span class=\"badge cached\">cached (remote)</span>", await File.ReadAllTextAsync(Path.Combine(b, report)), StringComparison.Ordinal);

        var c = Clone(root, "carol", FalStoryboard);
        var json = await ReelInProcess.RunAsync(c, ["run", "storyboard.yaml", "--json"], env);
        Assert.True(json.ExitCode == 0, json.All);
        using var doc = JsonDocument.Parse(json.Stdout);
        var steps = doc.RootElement.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("id").GetString() != "film").ToList();
        Assert.Equal(3, steps.Count);
        Assert.All(steps, s =>
        {
            Assert.Equal("cached", s.GetProperty("status").GetString());
            Assert.Equal("remote", s.GetProperty("source").GetString());
            Assert.Equal(0m, s.GetProperty("cost").GetDecimal());
        });
        Assert.Equal(0m, doc.RootElement.GetProperty("totals").GetProperty("spent").GetDecimal());
        Assert.Equal(3, emulator.JobsCreated().Count);

        // No ledger charge: the clone's status shows nothing spent.
        var status = await ReelInProcess.RunAsync(c, ["status", "storyboard.yaml"], env);
        Assert.True(status.ExitCode == 0, status.All);
        Assert.Contains("spent on this storyboard: $0.00 over 0 jobs", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_credential_in_the_remote_url_is_never_shown_and_a_bad_remote_is_refused_even_when_up_to_date()
    {
        const string Secret = "SECRETinURL-RECOGNISABLE-4417";
        using var root = new TempDirectory();
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key, speed: 0.02);
        var env = FalEnv(emulator, lease: "20");
        var a = Clone(root, "alice", FalStoryboard);
        var first = await ReelInProcess.RunAsync(a, ["run", "storyboard.yaml"], env);
        Assert.True(first.ExitCode == 0, first.All);
        var requests = emulator.Requests().Count;

        // Up to date: the stamp would answer, but the remote named in the environment is checked first (no network).
        env["REEL_REMOTE"] = $"s3://AKIDINURL:{Secret}/x@films/team";
        var bad = await ReelInProcess.RunAsync(a, ["run", "storyboard.yaml"], env);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("is not an S3 URL", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("credentials never go in the URL", bad.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, bad.All, StringComparison.Ordinal);
        Assert.DoesNotContain("AKIDINURL", bad.All, StringComparison.Ordinal);
        Assert.Equal(requests, emulator.Requests().Count);

        var plan = await ReelInProcess.RunAsync(a, ["push", "storyboard.yaml"], env);
        Assert.Equal(2, plan.ExitCode);
        Assert.DoesNotContain(Secret, plan.All, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root.Path, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(Secret, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}
