using System.Diagnostics;
using System.Security.Cryptography;
using Reel.Engine.Storage;
using Reel.Engine.Tests.Media;

namespace Reel.Cli.Tests;

/// <summary>
/// Hostile files and damaged state (issue 18, points 3, 5, 7 and 12): links out of the project, devices and FIFOs,
/// decompression bombs, a damaged store, and what a killed run leaves behind.
/// </summary>
public sealed partial class FilesAndStateTests
{
    private const string TwoScenes = """
        reel: 1
        defaults: { size: 320x180, seconds: 2 }
        scenes:
          - id: a
            prompt: A paper boat on a pond.
          - id: b
            prompt: A paper boat in the rain.
        cut:
          - id: film
            output: out/film.mp4
            shots: [a, b]

        """;

    private static string ImageScene(string image) => $"""
        reel: 1
        defaults: {"{"} size: 320x180, seconds: 2 {"}"}
        scenes:
          - id: a
            prompt: A paper boat on a pond.
          - id: b
            prompt: A street from a photo.
            image: {image}

        """;

    [Fact]
    public void An_include_that_links_outside_the_project_is_refused_and_never_printed()
    {
        using var outside = new TempDirectory();
        using var dir = new TempDirectory();
        outside.Write("secrets.yaml", "aws_secret_access_key: hunter2-do-not-print\n");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "cast.yaml"), Path.Combine(outside.Path, "secrets.yaml"));
        dir.Write("storyboard.yaml", "reel: 1\ninclude: [cast.yaml]\nscenes:\n  - id: a\n    prompt: A boat.\n");

        var result = ReelInProcess.Run(dir.Path, "validate", "storyboard.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("storyboard.yaml(2,11): error RL0301: path 'cast.yaml' leads through a link outside the script's directory", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_that_is_not_yaml_is_never_read()
    {
        using var dir = new TempDirectory();
        dir.Write("passwords.txt", "root: hunter2-do-not-print\n");
        dir.Write("storyboard.yaml", "reel: 1\ninclude: [passwords.txt]\nscenes:\n  - id: a\n    prompt: A boat.\n");

        var result = ReelInProcess.Run(dir.Path, "validate", "storyboard.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error RL0001: cannot read 'passwords.txt': an included file must be YAML", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public void An_assets_folder_that_links_outside_the_project_is_refused()
    {
        using var outside = new TempDirectory();
        using var dir = new TempDirectory();
        File.WriteAllBytes(Path.Combine(outside.Path, "street.png"), BombImages.Png(64, 36));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "assets"), outside.Path);
        dir.Write("storyboard.yaml", ImageScene("assets/street.png"));

        var result = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("storyboard.yaml(8,12): error RL0301: path 'assets/street.png' leads through a link outside", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));
    }

    [Fact]
    public void Devices_and_fifos_as_inputs_or_scripts_are_refused_at_once()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "assets"));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "assets", "zero.png"), "/dev/zero");
        MakeFifo(Path.Combine(dir.Path, "assets", "pipe.png"));
        MakeFifo(Path.Combine(dir.Path, "pipe.yaml"));
        dir.Write("storyboard.yaml", """
            reel: 1
            characters:
              mira: { name: Mira, description: a barista, video: /dev/urandom }
            scenes:
              - id: a
                prompt: Mira at the door.
                characters: [mira]
                image: assets/zero.png
              - id: b
                prompt: A pipe.
                image: assets/pipe.png

            """);

        var watch = Stopwatch.StartNew();
        var result = ReelInProcess.Run(dir.Path, ["validate", "--allow-outside", "storyboard.yaml"], null, TimeSpan.FromSeconds(30));
        var script = ReelInProcess.Run(dir.Path, ["validate", "pipe.yaml"], null, TimeSpan.FromSeconds(30));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("storyboard.yaml(3,54): error RL0310: cannot use '/dev/urandom': it is not a regular file", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("storyboard.yaml(8,12): error RL0310: cannot use 'assets/zero.png': it is not a regular file", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("storyboard.yaml(11,12): error RL0310: cannot use 'assets/pipe.png': it is not a regular file", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, script.ExitCode);
        Assert.Contains("error RL0001: cannot read 'pipe.yaml': it is not a regular file", script.Stderr, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("storyboard.yaml")]
    [InlineData(".gitignore")]
    [InlineData("reel.schema.json")]
    public void Init_never_writes_through_a_link(string name)
    {
        using var outside = new TempDirectory();
        using var dir = new TempDirectory();
        var victim = Path.Combine(outside.Path, "victim");
        if (name != "storyboard.yaml")
        {
            File.WriteAllText(victim, "keep me\n");
        }

        // storyboard.yaml dangles: File.Exists says false, yet writing it would create the victim.
        File.CreateSymbolicLink(Path.Combine(dir.Path, name), victim);

        var result = ReelInProcess.Run(dir.Path, "init", ".");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(name == "storyboard.yaml" ? "already exists" : "is a link", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(name == "storyboard.yaml" ? null : "keep me\n", File.Exists(victim) ? File.ReadAllText(victim) : null);
        Assert.Single(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_decompression_bomb_is_refused_by_validate_under_a_capped_heap_before_anything_is_spent()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "assets"));
        File.WriteAllBytes(Path.Combine(dir.Path, "assets", "bomb.png"), BombImages.Png(65535, 65535));
        dir.Write("storyboard.yaml", ImageScene("assets/bomb.png"));

        // 128 MB of managed heap: decoding the bomb would need 29 GB; reading its header needs nothing.
        var env = new Dictionary<string, string?> { ["DOTNET_GCHeapHardLimit"] = "0x8000000" };
        var run = ReelProcess.Run(dir.Path, ["run", "--keep-going", "storyboard.yaml"], env, TimeSpan.FromMinutes(1));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("storyboard.yaml(8,12): error RL0312: 'assets/bomb.png' is 65535x65535 pixels (4294.8 megapixels), over Reel's budget", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));
    }

    [Fact]
    public void A_damaged_store_is_repaired_on_the_next_run_and_an_edited_export_cannot_damage_it()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", TwoScenes);
        var first = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        Assert.True(first.ExitCode == 0, first.All);
        var objects = Directory.GetFiles(Path.Combine(dir.Path, ".reel", "objects"), "*", SearchOption.AllDirectories);
        Assert.NotEmpty(objects);

        // Every object damaged: bytes flipped in place, one truncated; and the exported film edited in place.
        foreach (var path in objects)
        {
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.SetAttributes(path, FileAttributes.Normal);
            File.WriteAllBytes(path, path == objects[0] ? bytes[..100] : bytes);
        }

        var film = Path.Combine(dir.Path, "out", "film.mp4");
        using (var export = new FileStream(film, FileMode.Open, FileAccess.Write))
        {
            export.SetLength(100);
        }

        var second = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");

        Assert.True(second.ExitCode == 0, second.All);
        Assert.DoesNotContain("3 cached", second.Stdout, StringComparison.Ordinal);
        foreach (var path in Directory.GetFiles(Path.Combine(dir.Path, ".reel", "objects"), "*", SearchOption.AllDirectories))
        {
            Assert.Equal(Path.GetFileName(Path.GetDirectoryName(path)) + Path.GetFileName(path), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        }

        Assert.True(new FileInfo(film).Length > 10_000);
        Assert.Equal(4, Engine.Media.Mp4Clip.Probe(film).Seconds, 1);

        // The export is a copy: editing it leaves the store good, and the next run is all cached.
        File.WriteAllText(film, "edited by hand");
        var third = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        Assert.Contains("3 steps: 0 done, 0 reused, 3 cached", third.Stdout, StringComparison.Ordinal);
        Assert.Equal(4, Engine.Media.Mp4Clip.Probe(film).Seconds, 1);
    }

    [Fact]
    public void The_next_run_removes_temp_files_of_dead_writers_and_keeps_those_of_live_ones()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("storyboard.yaml", TwoScenes);
        var first = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        Assert.True(first.ExitCode == 0, first.All);

        var dead = DeadPid();
        var lockPath = Path.Combine(dir.Path, "storyboard.lock.yaml");
        string[] stale =
        [
            As(TempFiles.Beside(lockPath), dead),
            As(Path.Combine(dir.Path, ".reel", "tmp", $"{TempFiles.Unique()}.part"), dead),
            As(Path.Combine(dir.Path, ".reel", "tmp", $"{TempFiles.Unique()}.partial.mp4"), dead),
            As(TempFiles.Beside(Path.Combine(dir.Path, "out", "film.mp4")), dead),
        ];

        // This test process is alive: its files are a concurrent writer's.
        string[] live = [TempFiles.Beside(lockPath), Path.Combine(dir.Path, ".reel", "tmp", $"{TempFiles.Unique()}.part")];
        foreach (var f in stale.Concat(live))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(f)!);
            File.WriteAllText(f, "half-written");
        }

        File.AppendAllText(script, "# a comment, so the run is not answered from its stamp\n");
        var second = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");

        Assert.True(second.ExitCode == 0, second.All);
        Assert.All(stale, f => Assert.False(File.Exists(f), f));
        Assert.All(live, f => Assert.True(File.Exists(f), f));
    }

    [Fact]
    public void Runs_killed_with_sigkill_leave_no_temp_files_once_a_run_completes()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", CrashResumeTests.Storyboard(6));
        var kills = ReelProcess.RunAndKillAtRandom(dir.Path, ["run", "storyboard.yaml", "--concurrency", "3"], null, seed: 18, minMs: 300, maxMs: 1200, maxKills: 3);

        var final = ReelProcess.Run(dir.Path, "run", "storyboard.yaml");

        Assert.True(final.ExitCode == 0, final.All);
        Assert.True(kills >= 1, "no run was killed mid-way");
        var leftovers = Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => TempFiles.IsTempName(Path.GetFileName(f))).ToList();
        Assert.Empty(leftovers);
    }

    private static string As(string tempPath, int pid) => tempPath.Replace($".{Environment.ProcessId}-", $".{pid}-", StringComparison.Ordinal);

    private static int DeadPid()
    {
        using var p = Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
    }
}
