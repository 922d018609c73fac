using System.Diagnostics;
using Xunit.Abstractions;

namespace Reel.Emulator.Tests.Compat;

/// <summary>Runs tests/compat/fal-node/check.mjs — the official fal client (@fal-ai/client) — against the emulator's fal routes.</summary>
public sealed class FalNodeSdkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_official_fal_client_drives_the_queue_and_storage_routes()
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "compat", "fal-node");
        if (!File.Exists(Path.Combine(folder, "node_modules", "@fal-ai", "client", "package.json")))
        {
            var install = await RunAsync("npm", "ci --no-audit --no-fund", folder, [], TimeSpan.FromSeconds(180));
            Assert.True(install.ExitCode == 0, $"npm ci failed:\n{install.Output}");
        }

        var audit = Path.Combine(Path.GetTempPath(), "reel-fal-node-compat-" + Guid.NewGuid().ToString("N") + ".jsonl");
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions(Speed: 0.01, ApiKey: "fal-emulator-key", AuditPath: audit));
        var check = await RunAsync(
            "node",
            "check.mjs",
            folder,
            new Dictionary<string, string>
            {
                ["FAL_BASE_URL"] = emulator.BaseAddress.ToString(),
                ["FAL_KEY"] = "fal-emulator-key",
            },
            TimeSpan.FromSeconds(60));

        output.WriteLine(check.Output);
        output.WriteLine(File.ReadAllText(audit));
        File.Delete(audit);
        Assert.True(check.ExitCode == 0, $"node check.mjs exited {check.ExitCode}:\n{check.Output}");
        Assert.Contains("checks passed", check.Output, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, string directory, Dictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
