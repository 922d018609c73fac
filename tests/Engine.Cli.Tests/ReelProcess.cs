using System.Diagnostics;
using System.Text;

namespace Reel.Cli.Tests;

/// <summary>The result of one <c>reel</c> process.</summary>
public sealed record ReelResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;
}

/// <summary>Runs the real <c>reel</c> executable as a child process, as a user would.</summary>
public static class ReelProcess
{
    public static string ReelDll => Path.Combine(AppContext.BaseDirectory, "reel.dll");

    /// <summary>The repository root (the folder holding Pipeline.sln).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(ReelDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";
        psi.Environment.Remove("OPENAI_API_KEY");
        psi.Environment.Remove("OPENAI_BASE_URL");
        psi.Environment.Remove("REEL_STORE");
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null)
                {
                    psi.Environment.Remove(k);
                }
                else
                {
                    psi.Environment[k] = v;
                }
            }
        }

        return psi;
    }

    public static ReelResult Run(string workingDirectory, params string[] args) => Run(workingDirectory, args, null);

    /// <summary>
    /// Starts <c>reel</c> again and again, killing it with SIGKILL after a random delay, until it
    /// was killed <paramref name="maxKills"/> times or 8 rounds passed; returns how many runs were killed mid-way.
    /// </summary>
    public static int RunAndKillAtRandom(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? env, int seed, int minMs, int maxMs, int maxKills)
    {
        var random = new Random(seed);
        var kills = 0;
        for (var round = 0; round < 8 && kills < maxKills; round++)
        {
            using var p = Process.Start(StartInfo(workingDirectory, args, env))!;
            p.StandardInput.Close();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            Thread.Sleep(random.Next(minMs, maxMs));
            if (!p.HasExited)
            {
                p.Kill();
                kills++;
            }

            p.WaitForExit();
        }

        return kills;
    }

    public static ReelResult Run(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? env, TimeSpan? timeout = null) =>
        Run(StartInfo(workingDirectory, args, env), timeout);

    /// <summary>Runs the process <paramref name="start"/> describes (e.g. <c>reel</c> started by a shell that limits it first).</summary>
    public static ReelResult Run(ProcessStartInfo start, TimeSpan? timeout = null)
    {
        var args = start.ArgumentList;
        using var p = Process.Start(start)!;
        p.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.Append(e.Data).Append('\n'); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.Append(e.Data).Append('\n'); } } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"reel {string.Join(' ', args)} did not finish in time");
        }

        p.WaitForExit();
        return new ReelResult(p.ExitCode, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>A temporary directory removed after the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reel-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A copy of <c>examples/<paramref name="name"/></c> without what runs leave there (<c>.reel/</c>, <c>out/</c>, locks).</summary>
    public static TempDirectory OfExample(string name)
    {
        var dir = new TempDirectory();
        var example = System.IO.Path.Combine(ReelProcess.RepoRoot, "examples", name);
        foreach (var file in Directory.EnumerateFiles(example, "*", SearchOption.AllDirectories))
        {
            var relative = System.IO.Path.GetRelativePath(example, file);
            if (relative.Split(System.IO.Path.DirectorySeparatorChar)[0] is ".reel" or "out" || relative.EndsWith(".lock.yaml", StringComparison.Ordinal))
            {
                continue;
            }

            var target = System.IO.Path.Combine(dir.Path, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return dir;
    }

    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            foreach (var f in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(f, FileAttributes.Normal);
            }

            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
