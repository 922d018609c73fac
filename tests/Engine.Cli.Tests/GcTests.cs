using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>
/// <c>reel gc</c> removes the store objects no lock in the folder refers to, prints what it frees,
/// and never removes one a lock refers to — outputs, thumbnails, spritesheets, inputs and the <c>previous:</c> outputs
/// of earlier rolls — nor one a run may be about to lock. <c>--dry-run</c> lists each object it would remove.
/// </summary>
public sealed class GcTests
{
    private const string Second = """
        reel: 1
        scenes:
          - id: other
            prompt: A lighthouse at night.
        """;

    [Fact]
    public void Gc_removes_only_objects_no_lock_refers_to_keeps_previous_rolls_and_the_next_run_is_all_cached()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("s.yaml", CliTests.Hello);
        dir.Write("b.yaml", Second);
        Run(dir, "run", "s.yaml");
        Run(dir, "run", "b.yaml");
        File.WriteAllText(script, CliTests.Hello.Replace("A paper boat on a pond.", "A paper boat on a lake.", StringComparison.Ordinal));
        Run(dir, "run", "s.yaml");
        Run(dir, "run", "s.yaml", "--force", "hello");
        var store = new ObjectStore(Path.Combine(dir.Path, ".reel"));
        var referenced = Referenced(dir, "s.lock.yaml").Concat(Referenced(dir, "b.lock.yaml")).ToHashSet(StringComparer.Ordinal);
        var previous = LockFile.Read(Path.Combine(dir.Path, "s.lock.yaml")).ForStep("hello")?.Previous;
        Assert.False(string.IsNullOrEmpty(previous), "the re-roll left no previous: output to keep");
        var before = Age(dir, TimeSpan.FromHours(1));
        var unreferenced = before.Keys.Where(sha => !referenced.Contains(sha)).ToList();
        Assert.NotEmpty(unreferenced);

        var dry = ReelInProcess.Run(dir.Path, "gc", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Equal(before.Keys.Order(), Objects(dir).Keys.Order());
        Assert.All(unreferenced, sha => Assert.Contains($"would remove {sha[..12]}  {Engine.Reporting.HumanText.Bytes(before[sha])}", dry.Stdout, StringComparison.Ordinal));

        // Each object it would remove on a line of its own (short hash, size, what it is), then the totals.
        var listed = dry.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(listed[..unreferenced.Count], l => Assert.Matches(@"^would remove [0-9a-f]{12}  \d+(\.\d)? [KMGT]?B  [a-z0-9]+ (video|image|audio)$", l));
        Assert.Contains(listed, l => l.EndsWith("  mp4 video", StringComparison.Ordinal));
        Assert.StartsWith($"would free {Engine.Reporting.HumanText.Bytes(unreferenced.Sum(sha => before[sha]))} ({unreferenced.Count} object", listed[unreferenced.Count], StringComparison.Ordinal);

        var gc = ReelInProcess.Run(dir.Path, "gc", "s.yaml");

        Assert.True(gc.ExitCode == 0, gc.All);
        var after = Objects(dir);
        Assert.Equal(before.Keys.Where(referenced.Contains).Order(), after.Keys.Order());
        Assert.All(previous!.Split(','), sha => Assert.True(store.Contains(sha), $"previous output {sha} was removed"));
        Assert.All(Referenced(dir, "b.lock.yaml"), sha => Assert.True(store.Contains(sha), $"b.yaml's {sha} was removed"));
        var freed = unreferenced.Sum(sha => before[sha]);
        Assert.Contains($"freed {Engine.Reporting.HumanText.Bytes(freed)} ({unreferenced.Count} object{(unreferenced.Count == 1 ? "" : "s")})", gc.Stdout, StringComparison.Ordinal);
        Assert.Contains("referred to by b.lock.yaml, s.lock.yaml", gc.Stdout, StringComparison.Ordinal);
        Assert.Equal(dry.Stdout.Replace("would remove", "removed", StringComparison.Ordinal).Replace("would free", "freed", StringComparison.Ordinal), gc.Stdout);

        File.Delete(Path.Combine(dir.Path, ".reel", "uptodate.tsv"));
        var plan = ReelInProcess.Run(dir.Path, "plan", "s.yaml", "--detailed-exitcode");
        Assert.True(plan.ExitCode == 0, plan.All);
        var again = ReelInProcess.Run(dir.Path, "gc");
        Assert.StartsWith("freed 0 B (0 objects)", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Gc_leaves_objects_written_in_the_last_minutes_a_run_may_still_lock()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", CliTests.Hello);
        Run(dir, "run", "s.yaml");
        File.Delete(Path.Combine(dir.Path, "s.lock.yaml"));
        var before = Objects(dir);

        var gc = ReelInProcess.Run(dir.Path, "gc");

        Assert.True(gc.ExitCode == 0, gc.All);
        Assert.Equal(before.Keys.Order(), Objects(dir).Keys.Order());
        Assert.Contains($"{before.Count} objects", gc.Stdout, StringComparison.Ordinal);
        Assert.Contains("written in the last 10 min also stay", gc.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Gc_keeps_every_hash_a_lock_holds_even_in_a_lock_it_cannot_parse()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", CliTests.Hello);
        Run(dir, "run", "s.yaml");
        var objects = Age(dir, TimeSpan.FromHours(2));
        var keep = objects.Keys.First();
        File.Delete(Path.Combine(dir.Path, "s.lock.yaml"));
        dir.Write("hand-edited.lock.yaml", $"steps: [ this is not a lock\n  someday: {keep.ToUpperInvariant()}\n");

        var gc = ReelInProcess.Run(dir.Path, "gc");

        Assert.True(gc.ExitCode == 0, gc.All);
        Assert.Equal([keep], Objects(dir).Keys);
    }

    [Fact]
    public void Gc_refuses_a_shared_store_and_an_unknown_path_touching_nothing()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", CliTests.Hello);
        var shared = Path.Combine(dir.Path, "shared");
        var env = new Dictionary<string, string?> { ["REEL_STORE"] = shared };
        Assert.Equal(0, ReelInProcess.Run(dir.Path, ["run", "s.yaml"], env).ExitCode);
        File.Delete(Path.Combine(dir.Path, "s.lock.yaml"));
        var files = Directory.EnumerateFiles(shared, "*", SearchOption.AllDirectories).Count();

        var gc = ReelInProcess.Run(dir.Path, ["gc"], env);
        var missing = ReelInProcess.Run(dir.Path, "gc", "nowhere");

        Assert.Equal(2, gc.ExitCode);
        Assert.Contains("the store is shared (REEL_STORE=", gc.Stderr, StringComparison.Ordinal);
        Assert.Equal(files, Directory.EnumerateFiles(shared, "*", SearchOption.AllDirectories).Count());
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("error: no folder or script 'nowhere'\n", missing.Stderr);
    }

    private static void Run(TempDirectory dir, params string[] args)
    {
        var r = ReelInProcess.Run(dir.Path, args);
        Assert.True(r.ExitCode == 0, r.All);
    }

    /// <summary>Every hash a lock's entries name, parsed (not scanned as text, as gc does).</summary>
    private static IEnumerable<string> Referenced(TempDirectory dir, string lockName) =>
        LockFile.Read(Path.Combine(dir.Path, lockName)).Entries
            .SelectMany(e => new[] { e.Output, e.Thumbnail, e.Spritesheet }.Concat(e.Previous?.Split(',') ?? []).Concat(e.Inputs?.Split(',').Select(i => i[(i.LastIndexOf(':') + 1)..]) ?? []))
            .OfType<string>();

    private static Dictionary<string, long> Objects(TempDirectory dir)
    {
        var root = Path.Combine(dir.Path, ".reel", "objects", "sha256");
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetFileName(Path.GetDirectoryName(f))! + Path.GetFileName(f), f => new FileInfo(f).Length, StringComparer.Ordinal);
    }

    /// <summary>Makes every object look written <paramref name="ago"/>, past gc's grace period.</summary>
    private static Dictionary<string, long> Age(TempDirectory dir, TimeSpan ago)
    {
        foreach (var f in Directory.EnumerateFiles(Path.Combine(dir.Path, ".reel", "objects", "sha256"), "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow - ago);
        }

        return Objects(dir);
    }
}
