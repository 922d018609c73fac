using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Reel.Cli.Tests;

/// <summary>How a test watches a run: on a terminal (the live footer, then the summary) or with <c>--json</c> (the totals).</summary>
public enum RunOutput
{
    Terminal,
    Json,
}

public sealed partial class MoneyTests
{
    /// <summary>What one <c>reel run</c> printed, and how many jobs the emulator had created before it.</summary>
    private sealed record Watched(int Exit, string Stdout, string Stderr, RunOutput Output, int JobsBefore)
    {
        public string All => Stdout + Stderr;
    }

    /// <summary>
    /// Runs <c>reel run</c> with <paramref name="args"/> as <paramref name="output"/> shows it. With
    /// <paramref name="ctrlCAfter"/>, presses Ctrl+C once the run has made the emulator create that many jobs.
    /// </summary>
    private static async Task<Watched> WatchAsync(TempDirectory dir, Emulator emulator, RunOutput output, string[] args, int? ctrlCAfter = null)
    {
        var before = PaidJobs(emulator);
        using var stdout = new SharedStringWriter();
        using var stderr = new SharedStringWriter();
        using var ctrlC = new CancellationTokenSource();
        var env = ReelInProcess.Environment(new Dictionary<string, string?>(emulator.Environment(Key)) { ["NO_COLOR"] = null });
        var context = new CliContext(stdout, stderr, dir.Path, env) { ErrorIsTerminal = output == RunOutput.Terminal, Cancellation = ctrlC.Token };
        string[] command = output == RunOutput.Json ? ["run", .. args, "--json"] : ["run", .. args];

        var run = Task.Run(() => ReelCli.InvokeAsync(command, context));
        if (ctrlCAfter is { } jobs)
        {
            // Once the emulator created the jobs and the run heard back about each of them.
            var known = KnownJobs(dir);
            while ((PaidJobs(emulator) < before + jobs || KnownJobs(dir) < known + jobs) && !run.IsCompleted)
            {
                await Task.Delay(20);
            }

            await Task.Delay(200);
            await ctrlC.CancelAsync();
        }

        var exit = await run.WaitAsync(TimeSpan.FromMinutes(2));
        return new Watched(exit, stdout.ToString(), stderr.ToString(), output, before);
    }

    /// <summary>
    /// Every figure of money of <paramref name="run"/> equals the price list times the jobs the run made the emulator
    /// create, as its audit log records them: the live footer and the summary line (terminal) or <c>totals.spent</c> and
    /// each step's <c>cost</c> (<c>--json</c>), the report, and <c>reel status</c>, whose storyboard total is the price
    /// of <paramref name="scriptJobs"/> jobs (default: every job in the audit). Also checks the count of jobs reused.
    /// </summary>
    private static void AssertEveryFigure(TempDirectory dir, Emulator emulator, Watched run, int reused, string script = "storyboard.yaml", int? scriptJobs = null)
    {
        var created = PaidJobs(emulator) - run.JobsBefore;
        var spent = created * Price;
        if (run.Output == RunOutput.Terminal)
        {
            var footers = FooterLine().Matches(Regex.Replace(run.Stderr, "\u001b\\[[0-9;]*[A-Za-z]", ""));
            Assert.True(footers.Count > 0, run.All);
            Assert.Equal($"{Money(spent)} spent", footers[^1].Groups["spent"].Value);
            var summary = SummaryLine().Match(run.Stdout);
            Assert.True(summary.Success, run.All);
            Assert.True((spent, reused) == (decimal.Parse(summary.Groups["spent"].Value, CultureInfo.InvariantCulture), int.Parse(summary.Groups["reused"].Value, CultureInfo.InvariantCulture)), $"expected {Money(spent)}, {reused} reused:\n{run.All}");
        }
        else
        {
            var json = JsonDocument.Parse(run.Stdout).RootElement;
            var totals = json.GetProperty("totals");
            Assert.True((spent, reused) == (totals.GetProperty("spent").GetDecimal(), totals.GetProperty("reused").GetInt32()), $"expected {Money(spent)}, {reused} reused:\n{run.All}");
            Assert.Equal(spent, json.GetProperty("steps").EnumerateArray().Sum(s => s.TryGetProperty("cost", out var cost) && cost.ValueKind == JsonValueKind.Number ? cost.GetDecimal() : 0m));
        }

        // The report is out/report.html, or out/<script>.html when other storyboards share the folder.
        var named = Path.Combine(dir.Path, "out", Path.GetFileNameWithoutExtension(script) + ".html");
        var report = System.Net.WebUtility.HtmlDecode(File.ReadAllText(File.Exists(named) ? named : Path.Combine(dir.Path, "out", "report.html")));
        Assert.Matches($@"spent {Regex.Escape(Money(spent))} · \d+ rendered, {reused} reused,", report);
        var jobs = scriptJobs ?? PaidJobs(emulator);
        var status = Reel(dir, emulator, "status", script);
        Assert.Contains($"spent on this storyboard: {Money(jobs * Price)} over {jobs} job{(jobs == 1 ? "" : "s")}, of which the last run: {Money(spent)}", status.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The jobs whose ids the project's journal holds.</summary>
    private static int KnownJobs(TempDirectory dir)
    {
        var path = Path.Combine(dir.Path, ".reel", "state.db");
        if (!File.Exists(path))
        {
            return 0;
        }

        using var journal = Engine.Storage.Journal.Open(path, TimeProvider.System);
        return journal.All().Count(a => a.JobId is not null);
    }

    /// <summary>The requests the emulator answered with an error or never answered (a reset): the faults that fired.</summary>
    private static int FaultedRequests(Emulator emulator) =>
        emulator.Requests().Count(r => r.GetProperty("status").GetInt32() is 0 or 429 or >= 500);

    [GeneratedRegex(@"(?m)^\d+ steps: \d+ done, (?<reused>\d+) reused, .* · spent \$(?<spent>[0-9.]+)")]
    private static partial Regex SummaryLine();
}
