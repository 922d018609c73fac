using System.Diagnostics;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

public sealed class DirectoryWalkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Walk_names_each_kind_as_lstat_does_and_never_follows_a_link()
    {
        var root = _dir.Combine("tree");
        Directory.CreateDirectory(Path.Combine(root, "shots", "deep"));
        Directory.CreateDirectory(_dir.Combine("outside", "inner"));
        File.WriteAllText(Path.Combine(root, "a.mp4"), "a");
        File.WriteAllText(Path.Combine(root, "shots", "b.mp4"), "b");
        File.WriteAllText(Path.Combine(root, "shots", "deep", "c.mp4"), "c");
        File.CreateSymbolicLink(Path.Combine(root, "to-folder"), _dir.Combine("outside"));
        File.CreateSymbolicLink(Path.Combine(root, "shots", "to-file"), Path.Combine(root, "a.mp4"));
        File.CreateSymbolicLink(Path.Combine(root, "shots", "dangling"), _dir.Combine("nowhere"));

        var walked = DirectoryWalk.Walk(root, _ => true).ToList();

        Assert.Equal(ByStat(root).OrderBy(e => e.Path, StringComparer.Ordinal), walked.OrderBy(e => e.Path, StringComparer.Ordinal));
        Assert.Equal(EntryKind.Link, walked.Single(e => e.Name == "to-folder").Kind);
        Assert.Equal(EntryKind.Link, walked.Single(e => e.Name == "dangling").Kind);
        Assert.Equal(EntryKind.Directory, walked.Single(e => e.Name == "deep").Kind);
        Assert.Equal(Path.Combine(root, "shots", "deep", "c.mp4"), walked.Single(e => e.Name == "c.mp4").Path);
        Assert.DoesNotContain(walked, e => e.Path.Contains("inner", StringComparison.Ordinal));
    }

    [Fact]
    public void Walk_lists_a_folder_before_what_is_below_it_and_enters_only_what_it_is_told()
    {
        var root = _dir.Combine("store");
        Directory.CreateDirectory(Path.Combine(root, "sha256", "ab"));
        File.WriteAllText(Path.Combine(root, "sha256", "ab", "object"), "x");
        File.WriteAllText(Path.Combine(root, "verified.tsv"), "x");

        var walked = DirectoryWalk.Walk(root, e => e.Name != "sha256").Select(e => e.Name).ToList();

        Assert.Equal(["sha256", "verified.tsv"], walked.Order(StringComparer.Ordinal));
        Assert.Empty(DirectoryWalk.Walk(_dir.Combine("missing"), _ => true));
        Assert.Empty(DirectoryWalk.Walk(Path.Combine(root, "verified.tsv"), _ => true));
    }

    [Fact]
    public void Walk_tells_a_fifo_from_a_file_where_the_directory_says_so()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fifo = _dir.Combine("pipe");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false })!)
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Assert.Equal(EntryKind.Other, DirectoryWalk.Walk(_dir.Path, _ => false).Single(e => e.Name == "pipe").Kind);
    }

    /// <summary>The same walk with every kind from lstat: what the directory's own types must agree with.</summary>
    private static List<WalkEntry> ByStat(string root)
    {
        var all = new List<WalkEntry>();
        var pending = new Queue<string>([root]);
        while (pending.TryDequeue(out var directory))
        {
            foreach (var entry in DirectoryWalk.ListByStat(directory))
            {
                all.Add(entry);
                if (entry.Kind == EntryKind.Directory)
                {
                    pending.Enqueue(entry.Path);
                }
            }
        }

        return all;
    }
}
