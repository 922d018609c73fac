using System.Diagnostics;

namespace Reel.Cli.Tests.Remote;

/// <summary>
/// Two machines, one remote: project clones with their own journals and stores share one provider emulator and the
/// emulator's S3 subset. Exactly one job per distinct step team-wide, the same film everywhere, and a fresh clone
/// renders it with no provider request at all.
/// </summary>
public sealed class TeamRemoteTests
{
    internal const string Key = "sk-team-secret-5b2e";

    // A recognisable secret: it must appear in no file and no output.
    internal const string AwsSecret = "aws-secret-RECOGNISABLE-91c7d2";

    private const string Storyboard = """
        reel: 1
        provider: openai
        remote: s3://films/team-cache
        defaults: { model: sora-2, size: 1280x720, seconds: 4 }
        scenes:
          - id: open
            prompt: Dawn over the harbour, a ferry leaves.
          - id: pour
            matrix: { light: [dawn, neon] }
            prompt: "Close-up: latte art poured in {{ light }} light."
        continuations:
          - id: open-2
            from: open
            prompt: The ferry turns toward the open sea.
            seconds: 4
        cut:
          - id: film
            output: out/film.mp4
            shots: [open-2, pour]
        """;

    private const int DistinctJobs = 4;

    internal static Dictionary<string, string?> Env(Emulator emulator, string? lease = null)
    {
        var env = emulator.Environment(Key);
        env["AWS_ACCESS_KEY_ID"] = "AKIDTEAMTEST";
        env["AWS_SECRET_ACCESS_KEY"] = AwsSecret;
        env["AWS_ENDPOINT_URL_S3"] = emulator.BaseUrl.ToString();
        env["AWS_REGION"] = "eu-west-1";
        if (lease is not null)
        {
            env["REEL_REMOTE_LEASE"] = lease;
        }

        return env;
    }

    internal static string Clone(TempDirectory root, string name, string storyboard = Storyboard)
    {
        var dir = Path.Combine(root.Path, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "storyboard.yaml"), storyboard);
        return dir;
    }

    /// <summary>Runs the storyboard in both clones at the same time; both must finish.</summary>
    internal static async Task<ReelResult[]> RunBothAsync(string a, string b, Dictionary<string, string?> env)
    {
        var runs = await Task.WhenAll(
            ReelInProcess.RunAsync(a, ["run", "storyboard.yaml"], env),
            ReelInProcess.RunAsync(b, ["run", "storyboard.yaml"], env));
        Assert.True(runs[0].ExitCode == 0, runs[0].All);
        Assert.True(runs[1].ExitCode == 0, runs[1].All);
        return runs;
    }

    internal static int ProviderRequests(Emulator emulator) =>
        emulator.Requests().Count(r => r.GetProperty("path").GetString()!.StartsWith("/v1/", StringComparison.Ordinal));

    private static void AssertOneJobPerStep(Emulator emulator)
    {
        var created = emulator.JobsCreated();
        Assert.Equal(DistinctJobs, created.Count);
        Assert.Equal(DistinctJobs, created.Select(j => j.GetProperty("fingerprint").GetString()).Distinct().Count());
    }

    internal static void AssertNoSecret(string root, params ReelResult[] results)
    {
        foreach (var r in results)
        {
            Assert.DoesNotContain(AwsSecret, r.All, StringComparison.Ordinal);
        }

        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(AwsSecret, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Two_clones_at_once_make_one_job_per_step_and_the_same_film_and_a_fresh_frozen_clone_pays_nothing()
    {
        using var root = new TempDirectory();
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key, speed: 0.05);
        var env = Env(emulator);
        var a = Clone(root, "alice");
        var b = Clone(root, "bob");

        var runs = await RunBothAsync(a, b, env);
        AssertOneJobPerStep(emulator);

        var film = await File.ReadAllBytesAsync(Path.Combine(a, "out", "film.mp4"));
        Assert.Equal(film, await File.ReadAllBytesAsync(Path.Combine(b, "out", "film.mp4")));

        // Between them, every job was paid exactly once: the other clone reused it for $0.00.
        var spent = runs.Select(r => System.Text.RegularExpressions.Regex.Match(r.Stderr + r.Stdout, @"spent \$(\d+\.\d\d)").Groups[1].Value).Select(decimal.Parse).Sum();
        Assert.Equal(4 * 4 * 0.10m, spent);

        // A third, fresh clone with only the script and the lock: --frozen, the same bytes, no provider request.
        var c = Clone(root, "carol");
        File.Copy(Path.Combine(a, "storyboard.lock.yaml"), Path.Combine(c, "storyboard.lock.yaml"));
        var before = ProviderRequests(emulator);
        var frozen = await ReelInProcess.RunAsync(c, ["run", "storyboard.yaml", "--frozen"], env);
        Assert.True(frozen.ExitCode == 0, frozen.All);
        Assert.Equal(before, ProviderRequests(emulator));
        Assert.Equal(film, await File.ReadAllBytesAsync(Path.Combine(c, "out", "film.mp4")));
        foreach (var shot in Directory.EnumerateFiles(Path.Combine(a, "out", "shots")))
        {
            Assert.Equal(await File.ReadAllBytesAsync(shot), await File.ReadAllBytesAsync(Path.Combine(c, "out", "shots", Path.GetFileName(shot))));
        }

        AssertOneJobPerStep(emulator);
        AssertNoSecret(root.Path, runs[0], runs[1], frozen);
    }

    [Fact]
    public async Task A_killed_claim_holder_is_taken_over_after_its_lease_and_its_jobs_are_adopted_not_paid_again()
    {
        using var root = new TempDirectory();

        // Slow jobs (a 4 s clip takes 2 s) so the first runner is killed while it holds its claims with jobs in flight.
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key, speed: 0.5);
        var env = Env(emulator, lease: "1.5");
        var a = Clone(root, "alice");
        var b = Clone(root, "bob");

        using (var first = Process.Start(ReelProcess.StartInfo(a, ["run", "storyboard.yaml"], env))!)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (emulator.JobsCreated().Count < 3 && DateTime.UtcNow < deadline && !first.HasExited)
            {
                await Task.Delay(50);
            }

            // The claims are updated with the job ids right after the submits are answered.
            await Task.Delay(300);
            Assert.False(first.HasExited, "the first runner finished before it could be killed");
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        var killedWith = emulator.JobsCreated().Count;
        var second = await ReelInProcess.RunAsync(b, ["run", "storyboard.yaml", "--verbose"], env);
        Assert.True(second.ExitCode == 0, second.All);
        Assert.Contains("taken over", second.All, StringComparison.Ordinal);
        AssertOneJobPerStep(emulator);
        Assert.True(killedWith >= 3);

        // The adopted jobs were paid by the killed runner's project: here they are reused, only the rest is new money.
        var spent = decimal.Parse(System.Text.RegularExpressions.Regex.Match(second.Stderr + second.Stdout, @"spent \$(\d+\.\d\d)").Groups[1].Value);
        Assert.Equal((DistinctJobs - killedWith) * 0.40m, spent);
        AssertNoSecret(root.Path, second);
    }

    [Fact]
    public async Task A_bad_remote_url_is_refused_before_anything_is_written()
    {
        using var root = new TempDirectory();
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key);
        var env = Env(emulator);
        env["REEL_REMOTE"] = "s3://No_Such/Bucket";
        var a = Clone(root, "alice");
        var run = await ReelInProcess.RunAsync(a, ["run", "storyboard.yaml"], env);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("REEL_REMOTE 's3://No_Such/Bucket' is not an S3 URL", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(a, ".reel")));
        Assert.Empty(emulator.Requests());
    }

    [Fact]
    public async Task Push_copies_the_locked_objects_once_and_pull_brings_them_into_a_fresh_clone_verified()
    {
        using var root = new TempDirectory();
        using var emulator = Emulator.Start(Path.Combine(root.Path, "emulator"), Key, speed: 0.02);
        var env = Env(emulator);
        var a = Clone(root, "alice");
        Assert.Equal(0, (await ReelInProcess.RunAsync(a, ["run", "storyboard.yaml"], env)).ExitCode);

        // Another remote (REEL_REMOTE wins over the script's): empty, so push uploads every locked object, then none.
        env["REEL_REMOTE"] = "s3://films/archive";
        var pushed = await ReelInProcess.RunAsync(a, ["push", "storyboard.yaml"], env);
        Assert.True(pushed.ExitCode == 0, pushed.All);
        Assert.Matches(@"^s3://films/archive: [1-9]\d* uploaded, 0 already on the remote", pushed.Stdout);
        var again = await ReelInProcess.RunAsync(a, ["push", "storyboard.yaml"], env);
        Assert.Matches(@"^s3://films/archive: 0 uploaded, [1-9]\d* already on the remote", again.Stdout);

        var c = Clone(root, "carol");
        File.Copy(Path.Combine(a, "storyboard.lock.yaml"), Path.Combine(c, "storyboard.lock.yaml"));
        var pulled = await ReelInProcess.RunAsync(c, ["pull", "storyboard.yaml"], env);
        Assert.True(pulled.ExitCode == 0, pulled.All);
        Assert.Matches(@"^s3://films/archive: [1-9]\d* downloaded, 0 already in the store", pulled.Stdout);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(a, ".reel", "objects"), "*", SearchOption.AllDirectories).Where(f => !f.Contains("tmp", StringComparison.Ordinal)))
        {
            var twin = Path.Combine(c, Path.GetRelativePath(a, file));
            Assert.True(File.Exists(twin), twin);
        }

        // A script without a remote says how to name one.
        env.Remove("REEL_REMOTE");
        var lone = Path.Combine(root.Path, "lone");
        Directory.CreateDirectory(lone);
        File.WriteAllText(Path.Combine(lone, "storyboard.yaml"), Storyboard.Replace("remote: s3://films/team-cache\n", "", StringComparison.Ordinal));
        var none = await ReelInProcess.RunAsync(lone, ["push", "storyboard.yaml"], env);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("names no remote", none.Stderr, StringComparison.Ordinal);
        AssertNoSecret(root.Path, pushed, again, pulled, none);
    }
}
