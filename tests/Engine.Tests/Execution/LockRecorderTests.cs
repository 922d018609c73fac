using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Execution;

/// <summary>
/// The lock is written behind the steps by one coalescing writer: whatever order and overlap the steps finish in,
/// once the run flushes, the file holds every change, and a write that failed is reported at the flush.
/// </summary>
public sealed class LockRecorderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "reel-lockrec-" + Guid.NewGuid().ToString("N")[..10]);

    public LockRecorderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Plan PlanOf(int scenes)
    {
        var yaml = "reel: 1\ntitle: t\ndefaults: { size: 256x144, seconds: 2 }\nscenes:\n"
            + string.Concat(Enumerable.Range(0, scenes).Select(i => $"  - id: s{i}\n    prompt: scene number {i}\n"));
        var compiled = Compilation.Compile(new SourceFile("/x/storyboard.yaml", "storyboard.yaml", yaml));
        Assert.True(compiled.Succeeded, string.Join('\n', compiled.Diagnostics));
        return Planner.Plan(compiled.Expanded!, NoHistory.Instance);
    }

    private static StepResult Done(PlannedStep step, int i) =>
        new(step.Id.Text, StepOutcome.Done, $"job_{i}", new string((char)('a' + (i % 6)), 63) + (i % 10));

    [Fact]
    public async Task Steps_finishing_side_by_side_all_reach_the_file_once_the_run_flushes()
    {
        var plan = PlanOf(60);
        var path = Path.Combine(_dir, "storyboard.lock.yaml");
        var recorder = new LockRecorder(path, ScriptLock.Empty, TimeProvider.System);

        await Parallel.ForEachAsync(plan.Steps.Select((s, i) => (s, i)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, (x, _) =>
        {
            recorder.Record(x.s, Done(x.s, x.i), null, 0.4m, null);
            recorder.AddExtras(x.s.Id.Text, new string('f', 64), null);
            return ValueTask.CompletedTask;
        });
        await recorder.FlushAsync();

        var written = LockFile.Read(path);
        Assert.Equal(60, written.Entries.Length);
        Assert.All(written.Entries, e => Assert.Equal(new string('f', 64), e.Thumbnail));
        Assert.Equal(LockFile.Format(recorder.Current), File.ReadAllText(path));
    }

    [Fact]
    public async Task A_write_that_fails_is_reported_at_the_flush_and_the_next_change_writes_everything()
    {
        var plan = PlanOf(2);
        var folder = Path.Combine(_dir, "gone");
        var path = Path.Combine(folder, "storyboard.lock.yaml");
        File.WriteAllText(folder, "a file where the lock's folder should be");
        var recorder = new LockRecorder(path, ScriptLock.Empty, TimeProvider.System);

        recorder.Record(plan.Steps[0], Done(plan.Steps[0], 0), null, 0.4m, null);
        await Assert.ThrowsAnyAsync<IOException>(recorder.FlushAsync);

        File.Delete(folder);
        Directory.CreateDirectory(folder);
        recorder.Record(plan.Steps[1], Done(plan.Steps[1], 1), null, 0.4m, null);
        await recorder.FlushAsync();
        Assert.Equal(2, LockFile.Read(path).Entries.Length);
    }
}
