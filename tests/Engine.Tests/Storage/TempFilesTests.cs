using System.Diagnostics;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

public sealed class TempFilesTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The id of a process that has exited (ids are reused only after wrapping around).</summary>
    internal static int DeadPid()
    {
        using var p = Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

    /// <summary>A temp name as another process (<paramref name="pid"/>) on this machine would write it beside <paramref name="fullPath"/>.</summary>
    internal static string WrittenBy(string fullPath, int pid) =>
        TempFiles.Beside(fullPath).Replace($".{Environment.ProcessId}-", $".{pid}-", StringComparison.Ordinal);

    [Fact]
    public void Names_Reel_writes_are_temp_names_and_others_are_not()
    {
        Assert.True(TempFiles.IsTempName(Path.GetFileName(TempFiles.Beside("/p/storyboard.lock.yaml"))));
        Assert.True(TempFiles.IsTempName($"{TempFiles.Unique()}.part"));
        Assert.True(TempFiles.IsTempName($"{TempFiles.Unique()}.partial.mp4"));
        Assert.True(TempFiles.IsTempName(".storyboard.lock.yaml.0123456789abcdef0123456789abcdef.tmp"));
        Assert.False(TempFiles.IsTempName("storyboard.lock.yaml"));
        Assert.False(TempFiles.IsTempName("notes.tmp"));
    }

    [Fact]
    public void A_temp_file_of_a_dead_writer_is_stale_and_one_of_a_live_writer_is_not()
    {
        var dead = WrittenBy(_dir.Combine("storyboard.lock.yaml"), DeadPid());
        var live = WrittenBy(_dir.Combine("storyboard.lock.yaml"), 1); // init never exits
        var mine = TempFiles.Beside(_dir.Combine("storyboard.lock.yaml"));
        foreach (var f in new[] { dead, live, mine })
        {
            File.WriteAllText(f, "partial");
        }

        Assert.True(TempFiles.IsStale(dead, Now));
        Assert.False(TempFiles.IsStale(live, Now));
        Assert.False(TempFiles.IsStale(mine, Now));
    }

    [Fact]
    public void A_temp_file_that_names_no_writer_is_stale_only_after_a_day_without_a_write()
    {
        var fresh = _dir.Combine(".storyboard.lock.yaml.0123456789abcdef0123456789abcdef.tmp");
        var old = _dir.Combine(".storyboard.lock.yaml.fedcba9876543210fedcba9876543210.tmp");
        File.WriteAllText(fresh, "x");
        File.WriteAllText(old, "x");
        File.SetLastWriteTimeUtc(old, Now.UtcDateTime.AddDays(-2));

        Assert.False(TempFiles.IsStale(fresh, Now));
        Assert.True(TempFiles.IsStale(old, Now));
    }

    [Fact]
    public void Sweep_removes_only_stale_temp_files_with_the_prefix()
    {
        var lockPath = _dir.Combine("storyboard.lock.yaml");
        var dead = WrittenBy(lockPath, DeadPid());
        var live = WrittenBy(lockPath, 1);
        var other = WrittenBy(_dir.Combine("notes.txt"), DeadPid());
        var user = _dir.Combine("storyboard.yaml");
        foreach (var f in new[] { dead, live, other, user })
        {
            File.WriteAllText(f, "x");
        }

        var removed = TempFiles.Sweep(_dir.Path, Now, prefix: ".storyboard.lock.yaml.");

        Assert.Equal(1, removed);
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other));
        Assert.True(File.Exists(user));
    }

    [Fact]
    public void Sweep_does_not_follow_a_link_out_of_the_directory()
    {
        var outside = _dir.Combine("outside");
        Directory.CreateDirectory(outside);
        var victim = WrittenBy(Path.Combine(outside, "x.mp4"), DeadPid());
        File.WriteAllText(victim, "x");
        var tree = _dir.Combine("out");
        Directory.CreateDirectory(tree);
        File.CreateSymbolicLink(Path.Combine(tree, "shots"), outside);

        TempFiles.Sweep(tree, Now, recursive: true);

        Assert.True(File.Exists(victim));
    }
}
