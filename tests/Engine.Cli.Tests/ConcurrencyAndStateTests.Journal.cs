using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>A journal that cannot be written, and what <c>status</c> says while a run holds the project.</summary>
public sealed partial class ConcurrencyAndStateTests
{
    private const string LocalScenes = """
        reel: 1
        defaults: { size: 128x72, seconds: 2 }
        scenes:
          - id: kite
            prompt: A red kite over the dunes.
          - id: gull
            prompt: A gull hangs in the wind.
        """;

    /// <summary>
    /// The disk fills while the journal is written: the project lives on a tmpfs of 1 MB (mounted in a user and mount
    /// namespace of its own, so no root is needed), filled until <paramref name="leftKb"/> KB are left. 0 KB: not even
    /// the journal can be created; 48 KB: it is created, and its first transaction does not fit. Then space is freed
    /// and the same project runs to the end.
    /// </summary>
    [TmpfsTheory]
    [InlineData(0)]
    [InlineData(48)]
    public void A_full_disk_while_journalling_stops_with_its_fix_and_a_rerun_with_space_completes(int leftKb)
    {
        using var dir = new TempDirectory();
        var project = Directory.CreateDirectory(Path.Combine(dir.Path, "project")).FullName;
        File.WriteAllText(Path.Combine(dir.Path, "storyboard.yaml"), LocalScenes);
        const string Script = """
            mount -t tmpfs -o size=1m tmpfs "$1" || exit 97
            cd "$1" && cp ../storyboard.yaml .
            head -c $(( ($(df -k --output=avail . | tail -1) - $3) * 1024 )) /dev/zero > filler
            dotnet "$2" run storyboard.yaml > ../full.out 2> ../full.err; echo $? > ../full.code
            rm filler
            dotnet "$2" run storyboard.yaml > ../freed.out 2> ../freed.err; echo $? > ../freed.code
            """;
        var start = ReelProcess.StartInfo(dir.Path, []);
        start.FileName = "unshare";
        start.ArgumentList.Clear();
        foreach (var arg in new[] { "-rm", "sh", "-c", Script, "sh", project, ReelProcess.ReelDll, leftKb.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        var shell = ReelProcess.Run(start, TimeSpan.FromMinutes(2));
        string Read(string name) => File.Exists(Path.Combine(dir.Path, name)) ? File.ReadAllText(Path.Combine(dir.Path, name)).Trim() : $"({name} missing)";
        var full = new ReelResult(int.Parse(Read("full.code"), System.Globalization.CultureInfo.InvariantCulture), Read("full.out"), Read("full.err"));

        Assert.True(full.ExitCode == 2, shell.All + full.All);
        Assert.Contains("error: the disk is full while writing the journal .reel/state.db; free some space and run again", full.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", full.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", full.All, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", full.All, StringComparison.Ordinal);
        Assert.True(Read("freed.code") == "0", Read("freed.out") + Read("freed.err"));
        Assert.Contains("2 steps: 2 done", Read("freed.out"), StringComparison.Ordinal);
    }

    [Fact]
    public void Status_names_the_run_that_holds_the_project_and_only_while_it_holds_it()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", LocalScenes);
        Assert.Equal(0, ReelInProcess.Run(dir.Path, "run", "storyboard.yaml").ExitCode);
        var reel = Path.Combine(dir.Path, ".reel");

        string held;
        using (var runLock = RunLock.TryAcquire(reel, TimeProvider.System))
        {
            Assert.NotNull(runLock);
            held = ReelInProcess.Run(dir.Path, "status", "storyboard.yaml").Stdout;
        }

        var free = ReelInProcess.Run(dir.Path, "status", "storyboard.yaml").Stdout;

        // A killed run's note, with the lock free, names no one.
        File.WriteAllText(Path.Combine(reel, "run.owner"), "pid 1 on elsewhere, started 2026-01-01 00:00:00 UTC\n");
        var stale = ReelInProcess.Run(dir.Path, "status", "storyboard.yaml").Stdout;

        Assert.Contains($"a run holds this project: pid {Environment.ProcessId} on {Environment.MachineName}, started ", held, StringComparison.Ordinal);
        Assert.DoesNotContain("a run holds this project", free, StringComparison.Ordinal);
        Assert.DoesNotContain("a run holds this project", stale, StringComparison.Ordinal);
        Assert.Contains("2 steps: 2 locked", free, StringComparison.Ordinal);
    }
}

/// <summary>
/// A theory that needs a small file system to fill: Linux, with unprivileged user namespaces that may mount a tmpfs
/// (<c>unshare -rm</c>). Where they are not allowed (another OS, or a kernel or AppArmor policy that forbids them, as on
/// some CI runners) the test is skipped, saying so.
/// </summary>
public sealed class TmpfsTheoryAttribute : TheoryAttribute
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public TmpfsTheoryAttribute()
    {
        if (Missing.Value is { } why)
        {
            Skip = why;
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux to mount a small tmpfs in a user namespace";
        }

        var probe = Directory.CreateTempSubdirectory("reel-tmpfs-probe-");
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("unshare") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs \"$1\"", "sh", probe.FullName })
            {
                start.ArgumentList.Add(arg);
            }

            using var p = System.Diagnostics.Process.Start(start)!;
            p.WaitForExit(10_000);
            return p.HasExited && p.ExitCode == 0 ? null : "needs unprivileged user namespaces to mount a small tmpfs (unshare -rm), which this machine does not allow";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "needs 'unshare' (util-linux) to mount a small tmpfs in a user namespace";
        }
        finally
        {
            probe.Delete(recursive: true);
        }
    }
}
