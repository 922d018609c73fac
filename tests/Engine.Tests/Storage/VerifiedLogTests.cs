using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

/// <summary>
/// <c>verified.tsv</c>: an object verified by an earlier process is served without being read again while its file keeps
/// its identity, and hashed again (and removed when damaged) after any change, however the change hides itself.
/// </summary>
public sealed class VerifiedLogTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _root;

    public VerifiedLogTests()
    {
        _root = _dir.Combine(".reel");
    }

    public void Dispose()
    {
        ObjectStore.ForgetVerified(_root);
        _dir.Dispose();
    }

    /// <summary>A store as a new process opens it; its clock is an hour on, so files written by the test are not "racy".</summary>
    private ObjectStore NewProcess()
    {
        ObjectStore.ForgetVerified(_root);
        return new ObjectStore(_root) { Time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1)) };
    }

    private static byte[] Content() => [.. Enumerable.Range(0, 1000).Select(i => (byte)(i * 7))];

    /// <summary>Stores the content, then has a second process verify it, which records it in the log.</summary>
    private async Task<(string Sha, string Path)> StoredAndVerifiedAsync()
    {
        var stored = await new ObjectStore(_root).PutAsync(new MemoryStream(Content()));
        var verifier = NewProcess();
        Assert.True(verifier.Contains(stored.Sha256));
        Assert.Equal(1, verifier.Hashed);

        // A change in the same tick of the file system's clock would keep the change time (what the racy rule in
        // VerifiedLog covers, and the clock an hour on skips): the damage below comes a few ticks later, as it would.
        await Task.Delay(50);
        return (stored.Sha256, verifier.PathOf(stored.Sha256));
    }

    [Fact]
    public async Task An_object_verified_by_an_earlier_process_is_served_without_being_read_again()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var (sha, _) = await StoredAndVerifiedAsync();
        Assert.Contains(File.ReadAllLines(Path.Combine(_root, VerifiedLog.FileName)), l => l.StartsWith(sha + "\t", StringComparison.Ordinal));

        var later = NewProcess();
        Assert.True(later.Contains(sha));
        Assert.Equal(0, later.Hashed);
    }

    [Fact]
    public async Task A_file_changed_just_now_is_not_recorded_so_the_next_process_hashes_it()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var stored = await new ObjectStore(_root).PutAsync(new MemoryStream(Content()));
        ObjectStore.ForgetVerified(_root);
        var now = new ObjectStore(_root);
        Assert.True(now.Contains(stored.Sha256));
        Assert.Equal(1, now.Hashed);

        var next = NewProcess();
        Assert.True(next.Contains(stored.Sha256));
        Assert.Equal(1, next.Hashed);
    }

    [Fact]
    public async Task A_truncated_object_is_hashed_again_and_removed()
    {
        var (sha, path) = await StoredAndVerifiedAsync();
        Rewrite(path, Content()[..100]);

        var later = NewProcess();
        Assert.False(later.Contains(sha));
        Assert.Equal(1, later.Hashed);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task An_object_overwritten_in_place_with_the_same_length_and_its_old_write_time_is_hashed_again()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var (sha, path) = await StoredAndVerifiedAsync();
        var times = _dir.Combine("times");
        await File.WriteAllBytesAsync(times, []);
        await CopyTimesAsync(path, times);
        var damaged = Content();
        damaged[500] ^= 0xFF;
        Rewrite(path, damaged);
        await CopyTimesAsync(times, path);
        Assert.Equal(Content().Length, new FileInfo(path).Length);

        var later = NewProcess();
        Assert.False(later.Contains(sha));
        Assert.Equal(1, later.Hashed);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task An_object_replaced_by_another_file_with_the_same_length_and_write_time_is_hashed_again()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var (sha, path) = await StoredAndVerifiedAsync();
        var damaged = Content();
        damaged[0] ^= 0xFF;
        var other = _dir.Combine("other");
        await File.WriteAllBytesAsync(other, damaged);
        await CopyTimesAsync(path, other);
        File.Move(other, path, overwrite: true);

        var later = NewProcess();
        Assert.False(later.Contains(sha));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_damaged_or_foreign_line_in_the_log_only_costs_a_hash()
    {
        var (sha, _) = await StoredAndVerifiedAsync();
        var log = Path.Combine(_root, VerifiedLog.FileName);
        var line = File.ReadAllLines(log).Single(l => l.StartsWith(sha, StringComparison.Ordinal));
        var fields = line.Split('\t');
        fields[2] = "1"; // another inode
        File.WriteAllLines(log, ["not a line", sha + "\tgarbage", string.Join('\t', fields)]);

        var later = NewProcess();
        Assert.True(later.Contains(sha));
        Assert.Equal(1, later.Hashed);
    }

    [Fact]
    public async Task Verify_always_reads_the_object()
    {
        var (sha, _) = await StoredAndVerifiedAsync();
        var later = NewProcess();
        Assert.True(later.Verify(sha));
        Assert.Equal(1, later.Hashed);
    }

    /// <summary>Gives <paramref name="to"/> the modification time of <paramref name="from"/> to the nanosecond (.NET sets only 100 ns ticks).</summary>
    private static async Task CopyTimesAsync(string from, string to)
    {
        using var touch = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("touch", ["-m", "-r", from, to]))!;
        await touch.WaitForExitAsync();
        Assert.Equal(0, touch.ExitCode);
    }

    private static void Rewrite(string path, byte[] bytes)
    {
        File.SetAttributes(path, FileAttributes.Normal);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Write(bytes);
            stream.SetLength(bytes.Length);
        }

        File.SetAttributes(path, FileAttributes.ReadOnly);
    }
}
