using System.Diagnostics;
using Xunit.Abstractions;

namespace Reel.Emulator.Tests.Compat;

/// <summary>
/// Runs a <c>tests/compat/{folder}/check.mjs</c> script against a fresh emulator: installs the folder's packages first
/// (<c>npm ci</c>) when they are missing, and writes the script's output and the emulator's audit to the test output.
/// </summary>
internal static class NodeCheck
{
    /// <param name="output">Where the script's output and the audit go.</param>
    /// <param name="folder">The folder under <c>tests/compat</c>.</param>
    /// <param name="package">The package whose presence in <c>node_modules</c> means the folder is installed.</param>
    /// <param name="apiKey">The key the emulator expects.</param>
    /// <param name="environment">The script's environment, given the emulator's base address.</param>
    /// <param name="speed">The emulator's speed (seconds of render per second of clip).</param>
    /// <returns>The script's exit code and its standard output and error.</returns>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        ITestOutputHelper output, string folder, string package, string apiKey, Func<Uri, Dictionary<string, string>> environment, double speed = 0.01)
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "compat", folder);
        if (!File.Exists(Path.Combine(directory, "node_modules", package, "package.json")))
        {
            var install = await RunAsync("npm", "ci --no-audit --no-fund", directory, [], TimeSpan.FromSeconds(180));
            Assert.True(install.ExitCode == 0, $"npm ci failed:\n{install.Output}");
        }

        var audit = Path.Combine(Path.GetTempPath(), $"reel-{folder}-compat-" + Guid.NewGuid().ToString("N") + ".jsonl");
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions(Speed: speed, ApiKey: apiKey, AuditPath: audit));
        var check = await RunAsync("node", "check.mjs", directory, environment(emulator.BaseAddress), TimeSpan.FromSeconds(60));

        output.WriteLine(check.Output);
        output.WriteLine(File.ReadAllText(audit));
        File.Delete(audit);
        return check;
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
