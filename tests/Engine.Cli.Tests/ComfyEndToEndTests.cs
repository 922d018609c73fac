using System.Text.Json;
using System.Text.RegularExpressions;
using Reel.Engine.Media;
using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>
/// The <c>comfy</c> provider end to end: <c>examples/paper-boats</c> (two Wan 2.2 API-format workflows, one with a
/// first frame uploaded for LoadImage, and a cut) over real HTTP on loopback against the emulator's ComfyUI routes,
/// checked against its audit log. A lost <c>POST /prompt</c> answer is found again by the prompt id derived from the
/// step key, so nothing is queued twice.
/// </summary>
public sealed partial class ComfyEndToEndTests
{
    private const string Key = "comfy-e2e-token-83c1";

    /// <summary>puddle, harbour.</summary>
    private const int PaidSteps = 2;

    /// <summary>The emulator's native ComfyUI, and Comfy API v2 as comfy-api-proxy serves it; Reel finds which on its own.</summary>
    public static TheoryData<string> Mounts() => new() { "comfy", "comfy-v2" };

    private static Dictionary<string, string?> Environment(Emulator emulator, string key = Key, string mount = "comfy") => new()
    {
        ["COMFY_BASE_URL"] = emulator.BaseUrl.ToString().TrimEnd('/') + "/" + mount,
        ["COMFY_API_KEY"] = key,
    };

    private static TempDirectory Project() => TempDirectory.OfExample("paper-boats");

    private static string[] Run(params string[] extra) => ["run", "storyboard.yaml", "--provider", "comfy", .. extra];

    /// <summary>Every paid step made exactly one prompt, and the lock holds exactly those prompts.</summary>
    private static void AssertOneJobPerStep(string dir, Emulator emulator)
    {
        var created = emulator.JobsCreated().Select(j => j.GetProperty("job").GetString()!).ToList();
        Assert.Equal(PaidSteps, created.Count);
        Assert.Equal(created.Count, created.Distinct(StringComparer.Ordinal).Count());
        var locked = LockFile.Read(Path.Combine(dir, "storyboard.lock.yaml")).Entries.Where(e => e.Step != "film").Select(e => e.Job!.Replace("v2:", "", StringComparison.Ordinal)).ToList();
        Assert.Equal(created.Order(StringComparer.Ordinal), locked.Order(StringComparer.Ordinal));
    }

    private static void AssertFilm(string dir) =>
        Assert.Equal(2 + 2, Mp4Clip.Probe(Path.Combine(dir, "out", "paper-boats.mp4")).Seconds, 1);

    [Theory]
    [MemberData(nameof(Mounts))]
    public void The_example_runs_one_prompt_per_step_with_the_bound_values_free_and_a_rerun_queues_nothing(string mount)
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = Environment(emulator, mount: mount);

        var r = ReelInProcess.Run(dir.Path, Run("--json"), env, TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        AssertOneJobPerStep(dir.Path, emulator);
        AssertFilm(dir.Path);
        Assert.Equal(0m, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("totals").GetProperty("spent").GetDecimal());
        Assert.Equal(1, emulator.Requests().Count(q => q.GetProperty("path").GetString() == (mount == "comfy" ? "/comfy/upload/image" : "/comfy-v2/api/v2/assets")));
        Assert.Equal(PaidSteps, emulator.Requests().Count(q => q.GetProperty("method").GetString() == "POST"
            && q.GetProperty("path").GetString() == (mount == "comfy" ? "/comfy/prompt" : "/comfy-v2/api/v2/jobs")));
        Assert.DoesNotContain(Key, r.All, StringComparison.Ordinal);
        var lockText = File.ReadAllText(Path.Combine(dir.Path, "storyboard.lock.yaml"));
        Assert.DoesNotContain(Key, lockText, StringComparison.Ordinal);
        Assert.Contains("option:workflow:", lockText, StringComparison.Ordinal);
        Assert.Equal(PaidSteps, LockFile.Read(Path.Combine(dir.Path, "storyboard.lock.yaml")).Entries.Count(e => e.Seed is not null));

        var again = ReelInProcess.Run(dir.Path, Run(), env);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(PaidSteps, emulator.JobsCreated().Count);
    }

    [Fact]
    public void Editing_the_workflow_file_reruns_only_the_steps_that_use_it()
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = Environment(emulator);
        Assert.Equal(0, ReelInProcess.Run(dir.Path, Run(), env, TimeSpan.FromMinutes(3)).ExitCode);
        var workflow = Path.Combine(dir.Path, "workflows", "wan22_ti2v_5b.api.json");
        File.WriteAllText(workflow, File.ReadAllText(workflow).Replace("\"steps\": 30", "\"steps\": 20", StringComparison.Ordinal));

        var r = ReelInProcess.Run(dir.Path, Run(), env, TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(PaidSteps + 1, emulator.JobsCreated().Count);
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public void Every_lost_prompt_answer_is_found_again_and_queued_once(string mount)
    {
        using var dir = Project();
        // Every POST /prompt (v2: POST /api/v2/jobs) is processed, then its connection is cut: Reel never hears of any
        // job it queued. Natively it is found by its prompt id; on v2 by its workflow among the listed jobs.
        using var emulator = Emulator.Start(dir.Path, Key, faults: "createreset=1");

        var r = ReelInProcess.Run(dir.Path, Run("--json"), Environment(emulator, mount: mount), TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        AssertOneJobPerStep(dir.Path, emulator);
        AssertFilm(dir.Path);
        var lookups = emulator.Requests().Count(q => q.GetProperty("method").GetString() == "GET"
            && q.GetProperty("path").GetString()!.StartsWith(mount == "comfy" ? "/comfy/history/" : "/comfy-v2/api/v2/jobs/", StringComparison.Ordinal)
            && q.GetProperty("path").GetString()!.EndsWith(mount == "comfy" ? "" : "/workflow", StringComparison.Ordinal));
        Assert.True(lookups >= PaidSteps, $"{lookups} lookups");
    }

    [Fact]
    public void A_price_per_second_is_what_the_plan_estimates_and_the_run_spends()
    {
        using var dir = Project();
        var script = Path.Combine(dir.Path, "storyboard.yaml");
        File.WriteAllText(script, File.ReadAllText(script).Replace("    fps: 24\n", "    fps: 24\n    price_per_second: 0.25\n", StringComparison.Ordinal));
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = Environment(emulator);

        var plan = ReelInProcess.Run(dir.Path, ["plan", "storyboard.yaml", "--provider", "comfy", "--json"], env);
        var r = ReelInProcess.Run(dir.Path, Run("--json"), env, TimeSpan.FromMinutes(3));

        Assert.True(r.ExitCode == 0, r.All);
        var planned = JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("steps").EnumerateArray().Sum(s => s.GetProperty("estimatedCost").GetDecimal());
        Assert.Equal(0.25m * 2 * PaidSteps, planned);
        Assert.Equal(planned, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("totals").GetProperty("spent").GetDecimal());
    }

    [Fact]
    public void A_wrong_token_stops_the_run_at_the_first_call()
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key);

        var r = ReelInProcess.Run(dir.Path, Run(), Environment(emulator, "wrong-token-4410"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nothing was submitted", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token-4410", r.All, StringComparison.Ordinal);
        Assert.Empty(emulator.JobsCreated());
    }

    [Fact]
    public void A_bind_naming_a_missing_input_is_a_located_error_before_anything_is_sent()
    {
        using var dir = Project();
        var script = Path.Combine(dir.Path, "storyboard.yaml");
        File.WriteAllText(script, File.ReadAllText(script).Replace("seed: \"3.seed\", width", "seed: \"3.sed\", width", StringComparison.Ordinal));
        using var emulator = Emulator.Start(dir.Path, Key);

        var r = ReelInProcess.Run(dir.Path, Run(), Environment(emulator));

        Assert.Equal(2, r.ExitCode);
        Assert.Matches(LocatedBindError(), r.Stderr);
        Assert.Empty(emulator.Requests());
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public void Killed_runs_resume_without_queuing_twice(string mount)
    {
        using var dir = Project();
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.6);
        var env = Environment(emulator, mount: mount);
        var kills = ReelProcess.RunAndKillAtRandom(dir.Path, Run(), env, seed: 5, minMs: 300, maxMs: 2000, maxKills: 4);

        var final = ReelInProcess.Run(dir.Path, Run(), env, TimeSpan.FromMinutes(3));

        Assert.True(final.ExitCode == 0, final.All);
        Assert.DoesNotContain("got no answer", final.Stderr, StringComparison.Ordinal);
        Assert.True(kills >= 1, $"only {kills} runs were killed mid-way");
        AssertOneJobPerStep(dir.Path, emulator);
        AssertFilm(dir.Path);
    }

    [GeneratedRegex(@"storyboard\.yaml\(\d+,\d+\): error RL\d{4}: bind 'seed: 3\.sed' names input 'sed', which node 3 \(KSampler\) does not have \(did you mean 'seed'\?\)")]
    private static partial Regex LocatedBindError();
}
