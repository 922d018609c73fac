using System.Diagnostics;
using Xunit.Abstractions;

namespace Reel.Emulator.Tests.Compat;

/// <summary>Runs tests/compat/genai-node/check.mjs — the official Google Gen AI Node SDK — against the emulator's Veo routes.</summary>
public sealed class GenAiNodeSdkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_official_node_sdk_drives_the_gemini_and_vertex_veo_routes()
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "compat", "genai-node");
        if (!File.Exists(Path.Combine(folder, "node_modules", "@google", "genai", "package.json")))
        {
            var install = await RunAsync("npm", "ci --no-audit --no-fund", folder, [], TimeSpan.FromSeconds(180));
            Assert.True(install.ExitCode == 0, $"npm ci failed:\n{install.Output}");
        }

        var audit = Path.Combine(Path.GetTempPath(), "reel-genai-compat-" + Guid.NewGuid().ToString("N") + ".jsonl");
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions(Speed: 0.01, ApiKey: "google-emulator-key", AuditPath: audit));
        var check = await RunAsync(
            "node",
            "check.mjs",
            folder,
            new Dictionary<string, string>
            {
                ["REEL_GOOGLE_BASE_URL"] = emulator.BaseAddress.ToString().TrimEnd('/'),
                ["REEL_GOOGLE_API_KEY"] = "google-emulator-key",
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
