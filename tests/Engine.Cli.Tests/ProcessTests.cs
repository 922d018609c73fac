using System.Diagnostics;
using System.Text;
using Reel.Engine.Storage;

namespace Reel.Cli.Tests;

/// <summary>
/// The few tests that start the real <c>reel</c> executable, for what only a process shows: each exit code
/// as the shell sees it, that no stack trace or .NET type name reaches the user, Ctrl+C (SIGINT), and
/// settings read from the process environment by the media layer (<c>REEL_FFMPEG</c>). Every other CLI
/// test runs in-process (<see cref="ReelInProcess"/>); SIGKILL tests are in <see cref="CrashResumeTests"/>
/// and the provider end-to-end tests.
/// </summary>
public sealed class ProcessTests
{
    [Fact]
    public void Validate_reports_errors_with_file_line_column_and_caret_and_exits_2()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", "reel: 1\nscenes:\n  - id: a\n    promt: hi\n");

        var r = ReelProcess.Run(dir.Path, "validate", "s.yaml");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("s.yaml(4,5): error RL0110: unknown key 'promt'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("did you mean 'prompt'?", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("    ^", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));
    }

    [Fact]
    public void Missing_script_file_is_a_diagnostic_not_a_stack_trace()
    {
        using var dir = new TempDirectory();

        var r = ReelProcess.Run(dir.Path, "plan", "nope.yaml");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error RL0001: cannot read 'nope.yaml': file not found", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.All, StringComparison.Ordinal);
    }

    [Fact]
    public void Frozen_run_refuses_with_exit_3_when_steps_are_not_locked_and_succeeds_once_locked()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", CliTests.Hello);

        var refused = ReelProcess.Run(dir.Path, "run", "s.yaml", "--frozen");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("--frozen", refused.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "s.lock.yaml")));

        Assert.Equal(0, ReelProcess.Run(dir.Path, "run", "s.yaml").ExitCode);
        Assert.Equal(0, ReelProcess.Run(dir.Path, "run", "s.yaml", "--frozen").ExitCode);
    }

    [Fact]
    public void Ctrl_C_stops_a_run_with_exit_130_after_its_summary_and_the_next_run_submits_nothing_twice()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", CrashResumeTests.Storyboard(12));
        using var p = Process.Start(ReelProcess.StartInfo(dir.Path, ["run", "storyboard.yaml", "--concurrency", "2"]))!;
        p.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var firstDone = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.Append(e.Data).Append('\n'); } } };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.Append(e.Data).Append('\n');
                }

                if (e.Data.EndsWith(": done", StringComparison.Ordinal))
                {
                    firstDone.Set();
                }
            }
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();

        // With one step done and others in flight, press Ctrl+C.
        Assert.True(firstDone.Wait(TimeSpan.FromMinutes(1)), "no step finished: " + stderr);
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)), "reel run did not stop after SIGINT");
        p.WaitForExit();
        Assert.Equal(130, p.ExitCode);

        // The run wound down (a process killed by the signal would also report 130, but print no summary).
        Assert.Contains("cancelled: jobs already submitted keep running on the provider; run again to pick them up", stderr.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^19 steps: \d+ done, \d+ reused, \d+ cached, \d+ failed, \d+ skipped", stdout.ToString());

        var resumed = ReelInProcess.Run(dir.Path, "run", "storyboard.yaml");
        Assert.True(resumed.ExitCode == 0, resumed.All);
        using var journal = Journal.Open(Path.Combine(dir.Path, ".reel", "state.db"), TimeProvider.System);
        var perKey = journal.All().Where(a => !a.Fingerprint.StartsWith("refetch:", StringComparison.Ordinal)).GroupBy(a => a.Key).ToList();
        Assert.Equal(18, perKey.Count);
        Assert.All(perKey, g => Assert.Equal(JournalState.Succeeded, Assert.Single(g).State));
    }
}
