namespace Reel.Cli.Tests;

/// <summary><c>reel emulator</c> run in-process: it serves until the invocation is cancelled (Ctrl+C), then exits 0.</summary>
public sealed class EmulatorCommandTests
{
    [Fact]
    public async Task Emulator_serves_on_loopback_until_cancelled_then_exits_0_with_its_audit_in_the_working_directory()
    {
        using var dir = new TempDirectory();
        using var stdout = new SharedStringWriter();
        using var stderr = new SharedStringWriter();
        using var ctrlC = new CancellationTokenSource();
        var context = ReelInProcess.Context(dir.Path, stdout, stderr, cancellationToken: ctrlC.Token);

        var run = Task.Run(() => ReelCli.InvokeAsync(["emulator", "--port", "0", "--speed", "0.05", "--audit", "audit.jsonl"], context));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!stdout.ToString().StartsWith("listening on ", StringComparison.Ordinal) && !run.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var baseUrl = new Uri(stdout.ToString().Trim()["listening on ".Length..]);
        using (var http = new HttpClient())
        {
            using var response = await http.GetAsync(new Uri(baseUrl, "/v1/videos"));
        }

        Assert.False(run.IsCompleted);
        ctrlC.Cancel();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("", stderr.ToString());
        Assert.Contains("\"/v1/videos\"", File.ReadAllText(Path.Combine(dir.Path, "audit.jsonl")), StringComparison.Ordinal);
    }
}
