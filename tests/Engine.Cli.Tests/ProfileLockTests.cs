using System.Text.Json;
using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>
/// Profiles side by side in the lock: two profiles that differ only in options, a draft and a final on one provider and
/// size, what <c>reel status</c> says of each, and a lock of an older format rewritten by the next run.
/// </summary>
public sealed class ProfileLockTests
{
    private const string Key = "fal-profile-lock-secret-9e2a";

    [Fact]
    public void Two_profiles_that_differ_only_in_options_keep_both_results_and_switching_back_is_cached_with_no_request()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", """
            reel: 1
            provider: fal
            profiles:
              sound: { options: { generate_audio: true } }
              silent: { options: { generate_audio: false } }
            defaults: { seconds: 4, model: veo3.1-fast }
            scenes:
              - id: open
                prompt: A barista opens the cafe at dawn.
            """);
        using var emulator = Emulator.Start(dir.Path, Key);
        var env = emulator.Environment("fal", Key);

        var sound = ReelInProcess.Run(dir.Path, ["run"], env, TimeSpan.FromMinutes(2));
        Assert.True(sound.ExitCode == 0, sound.All);
        var silent = ReelInProcess.Run(dir.Path, ["run", "--profile", "silent"], env, TimeSpan.FromMinutes(2));
        Assert.True(silent.ExitCode == 0, silent.All);
        Assert.Equal(2, emulator.JobsCreated().Count);

        var entries = LockFile.Read(Path.Combine(dir.Path, "storyboard.lock.yaml")).AllForStep("open");
        Assert.Equal(["silent", "sound"], entries.Select(e => e.Profile!).Order(StringComparer.Ordinal));
        Assert.Single(entries.Select(e => (e.Provider, e.Model, e.Size)).Distinct());

        var requests = emulator.Requests().Count;
        var back = ReelInProcess.Run(dir.Path, ["run", "--json"], env, TimeSpan.FromMinutes(2));
        Assert.True(back.ExitCode == 0, back.All);
        Assert.Equal("cached", Status(back.Stdout, "open"));
        Assert.Equal(requests, emulator.Requests().Count);
        Assert.Equal(2, LockFile.Read(Path.Combine(dir.Path, "storyboard.lock.yaml")).AllForStep("open").Count);
    }

    [Fact]
    public void A_draft_and_a_final_at_one_size_keep_both_results_and_status_shows_each_profile_its_own()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", """
            reel: 1
            profiles:
              draft: { takes: 2, size: 128x72 }
              final: { takes: picked, carry: first-frame, size: 128x72 }
            defaults: { seconds: 1 }
            scenes:
              - id: open
                prompt: Dawn over the harbour.
            """);
        var lockPath = Path.Combine(dir.Path, "storyboard.lock.yaml");

        Assert.Equal(0, ReelInProcess.Run(dir.Path, "run").ExitCode);
        var draftJob = LockFile.Read(lockPath).ForStep("open#2")!.Job;
        Assert.Equal(0, ReelInProcess.Run(dir.Path, "pick", "storyboard.yaml", "open#2").ExitCode);
        var early = StatusRow(dir.Path, "final", "open#2");
        Assert.Equal(("not run", "new"), (early.GetProperty("state").GetString(), early.GetProperty("reason").GetString()));
        Assert.Equal(JsonValueKind.Null, early.GetProperty("updated").ValueKind);
        // The plan agrees: the final has no result yet, so it is new, not "changed" against the draft's clip.
        var plan = ReelInProcess.Run(dir.Path, "plan", "--profile", "final", "--json");
        Assert.True(plan.ExitCode == 0, plan.All);
        var planned = JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "open#2");
        Assert.Equal(("run", "new"), (planned.GetProperty("status").GetString(), planned.GetProperty("reason").GetString()));

        var final = ReelInProcess.Run(dir.Path, "run", "--profile", "final");
        Assert.True(final.ExitCode == 0, final.All);

        var entries = LockFile.Read(lockPath).AllForStep("open#2");
        Assert.Equal(["draft", "final"], entries.Select(e => e.Profile!).Order(StringComparer.Ordinal));
        var finalJob = entries.Single(e => e.Profile == "final").Job;
        Assert.NotEqual(draftJob, finalJob);

        var draftRow = StatusRow(dir.Path, null, "open#2");
        var finalRow = StatusRow(dir.Path, "final", "open#2");
        Assert.Equal(("locked", draftJob), (draftRow.GetProperty("state").GetString(), draftRow.GetProperty("job").GetString()));
        Assert.Equal(("locked", finalJob), (finalRow.GetProperty("state").GetString(), finalRow.GetProperty("job").GetString()));

        var back = ReelInProcess.Run(dir.Path, "run", "--json");
        Assert.True(back.ExitCode == 0, back.All);
        Assert.Equal("cached", Status(back.Stdout, "open#2"));
    }

    [Fact]
    public void A_format_1_lock_is_rewritten_by_a_run_that_changes_nothing_else_and_never_by_plan_status_or_validate()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", """
            reel: 1
            defaults: { seconds: 1, size: 128x72 }
            scenes:
              - id: open
                prompt: Dawn over the harbour.
            """);
        Assert.Equal(0, ReelInProcess.Run(dir.Path, "run").ExitCode);
        var lockPath = Path.Combine(dir.Path, "storyboard.lock.yaml");
        var entry = LockFile.Read(lockPath).ForStep("open")!;
        var v1 = string.Join('\n', LockFile.Format(LockFile.Read(lockPath)).Split('\n')
            .Select(l => l.StartsWith("reel-lock:", StringComparison.Ordinal) ? "reel-lock: 1" : l.StartsWith("    - ", StringComparison.Ordinal) ? "    " + l[6..] : l.StartsWith("      ", StringComparison.Ordinal) ? l[2..] : l));
        File.WriteAllText(lockPath, v1);
        Assert.Equal(1, LockFile.Read(lockPath).Format);

        foreach (var command in new[] { "plan", "status", "validate" })
        {
            Assert.Equal(0, ReelInProcess.Run(dir.Path, command).ExitCode);
            Assert.Equal(v1, File.ReadAllText(lockPath));
        }

        var run = ReelInProcess.Run(dir.Path, "run", "--json");
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal("cached", Status(run.Stdout, "open"));
        var text = File.ReadAllText(lockPath);
        Assert.Contains($"reel-lock: {LockFile.FormatVersion}\n", text, StringComparison.Ordinal);
        Assert.Equal(entry, Assert.Single(LockFile.Read(lockPath).Entries));
    }

    private static string? Status(string json, string id) =>
        JsonDocument.Parse(json).RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == id).GetProperty("status").GetString();

    private static JsonElement StatusRow(string dir, string? profile, string id)
    {
        var status = ReelInProcess.Run(dir, profile is null ? ["status", "--json"] : ["status", "--profile", profile, "--json"], null);
        Assert.True(status.ExitCode == 0, status.All);
        return JsonDocument.Parse(status.Stdout).RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == id).Clone();
    }
}
