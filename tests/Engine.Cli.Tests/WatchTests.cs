using System.Diagnostics;
using Xunit.Abstractions;

namespace Reel.Cli.Tests;

/// <summary><c>reel run --watch</c>: a save reruns what changed; a broken save is reported and the watch goes on (issue 13).</summary>
public sealed class WatchTests(ITestOutputHelper output)
{
    /// <summary>Two scenes and their cut on local: the watch tests' script.</summary>
    internal const string Script = """
        reel: 1
        provider: local
        defaults: { size: 128x72, seconds: 2 }
        scenes:
          - id: street
            prompt: A rainy street at night.
          - id: quay
            prompt: The quay at dawn.
        cut:
          - id: film
            output: out/film.mp4
            shots: [street, quay]
        """;

    [Fact]
    public async Task A_saved_prompt_reruns_only_its_step_and_the_cut_and_a_broken_save_does_not_stop_the_watch()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("storyboard.yaml", Script);
        using var stop = new CancellationTokenSource();
        using var stdout = new SharedStringWriter();
        using var stderr = new SharedStringWriter();
        var context = ReelInProcess.Context(dir.Path, stdout, stderr, cancellationToken: stop.Token);
        var watch = Task.Run(() => ReelCli.InvokeAsync(["run", "--watch"], context));

        await WaitForAsync(() => Count(stderr, "watching storyboard.yaml") == 1, "the first run");
        Assert.Contains("3 steps: 3 done", stdout.ToString(), StringComparison.Ordinal);

        // Measured from the save (the process and the first run are warm) to the changed step's clip being done.
        var saved = Stopwatch.StartNew();
        File.WriteAllText(script, Script.Replace("The quay at dawn", "The quay at dusk", StringComparison.Ordinal));
        await WaitForAsync(() => Count(stderr, "changed: planning again") == 1, "the save to be seen", poll: 5);
        var seen = saved.Elapsed;
        await WaitForAsync(() => Count(stderr, "quay: done") == 2, "the changed step", poll: 5);
        var stepDone = saved.Elapsed;
        await WaitForAsync(() => Count(stderr, "watching storyboard.yaml") == 2, "the run after the save", poll: 10);
        output.WriteLine($"save -> seen {seen.TotalMilliseconds:0} ms; save -> quay done {stepDone.TotalMilliseconds:0} ms; save -> run over (cut, report) {saved.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(stepDone < TimeSpan.FromSeconds(2), $"the changed step was done {stepDone.TotalMilliseconds:0} ms after the save");
        Assert.Contains("3 steps: 2 done, 0 reused, 1 cached", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, Count(stderr, "street: done")); // only the changed step (and the cut) ran again

        File.WriteAllText(script, Script.Replace("    prompt: The quay at dawn.\n", "    promt: The quay at dawn.\n", StringComparison.Ordinal));
        await WaitForAsync(() => Count(stderr, "watching storyboard.yaml") == 3, "the broken save");
        Assert.Contains("error RL0110", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(watch.IsCompleted);

        File.WriteAllText(script, Script);
        await WaitForAsync(() => Count(stderr, "watching storyboard.yaml") == 4, "the run after the fix");
        Assert.Equal(3, Count(stdout, "3 steps: ")); // the broken save ran nothing
        // Back to the first prompt: its job is reused (not paid again) and the cut is made again.
        Assert.Contains("3 steps: 1 done, 1 reused, 1 cached", stdout.ToString().Split("report:")[^1], StringComparison.Ordinal);

        await stop.CancelAsync();
        Assert.Equal(0, await watch.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Watch_refuses_a_paid_provider_without_a_cap()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", Script);

        var r = ReelInProcess.Run(dir.Path, ["run", "--watch", "--provider", "fal"], null, TimeSpan.FromSeconds(60));

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("refused: --watch on the paid provider 'fal' needs --max-cost", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));
    }

    internal static int Count(SharedStringWriter writer, string text) =>
        writer.ToString().Split('\n').Count(l => l.StartsWith(text, StringComparison.Ordinal));

    internal static async Task WaitForAsync(Func<bool> condition, string what, int poll = 50)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"timed out waiting for {what}");
            await Task.Delay(poll);
        }
    }
}
