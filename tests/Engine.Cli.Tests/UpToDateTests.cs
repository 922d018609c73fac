using System.Text.Json;
using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>The no-op rerun shortcut must never hide a change.</summary>
public sealed class UpToDateTests
{
    private const string Script = """
        reel: 1
        defaults: { size: 1280x720, seconds: 4 }
        scenes:
          - id: a
            prompt: first
          - id: b
            prompt: second
        cut:
          - id: film
            output: out/film.mp4
            shots: [a, b]
        """;

    private static Dictionary<string, string> Statuses(ReelResult r)
    {
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("steps").EnumerateArray()
            .ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("status").GetString()!);
    }

    [Fact]
    public void A_complete_run_leaves_a_stamp_and_a_rerun_reports_every_step_cached()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Script);
        Statuses(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json"));
        Assert.True(File.Exists(Path.Combine(dir.Path, ".reel", UpToDateStamp.FileName)));

        var again = Statuses(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json"));

        Assert.All(again.Values, v => Assert.Equal("cached", v));
    }

    [Fact]
    public void Editing_the_script_after_a_run_reruns_the_changed_step()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Script);
        Statuses(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json"));
        var path = Path.Combine(dir.Path, "s.yaml");
        File.WriteAllText(path, Script.Replace("prompt: second", "prompt: second, at night", StringComparison.Ordinal));

        var after = Statuses(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json"));

        Assert.Equal("cached", after["a"]);
        Assert.Equal("done", after["b"]);
        Assert.Equal("done", after["film"]);
    }

    [Fact]
    public void A_deleted_export_or_store_object_is_noticed_and_restored()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Script);
        Statuses(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json"));
        var film = Path.Combine(dir.Path, "out", "film.mp4");
        File.Delete(film);

        Statuses(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json"));
        Assert.True(File.Exists(film));

        var sha = JsonDocument.Parse(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json").Stdout).RootElement
            .GetProperty("steps")[0].GetProperty("sha256").GetString()!;
        var victim = Path.Combine(dir.Path, ".reel", "objects", "sha256", sha[..2], sha[2..]);
        Assert.True(File.Exists(victim), victim);
        File.SetAttributes(victim, FileAttributes.Normal);
        File.Delete(victim);
        var refetched = Statuses(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json"));

        Assert.Contains("reused", refetched.Values);
        Assert.True(File.Exists(victim));
    }

    [Fact]
    public void A_provider_override_is_not_answered_from_a_stamp_of_another_provider()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Script);
        Statuses(ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json"));

        var r = ReelInProcess.Run(dir.Path, "run", "s.yaml", "--provider", "openai", "--frozen");

        Assert.Equal(3, r.ExitCode);
    }
}
