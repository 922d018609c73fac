using System.Diagnostics;

namespace Reel.Cli.Tests;

/// <summary>A running <c>reel emulator</c> child process on a free loopback port.</summary>
public sealed class EmulatorProcess : Emulator
{
    private readonly Process _process;

    private EmulatorProcess(Process process, Uri baseUrl, string auditPath)
        : base(baseUrl, auditPath)
    {
        _process = process;
    }

    public static new EmulatorProcess Start(string directory, string apiKey, double speed = 0.02, string? faults = null, int seed = 7, bool realistic = false)
    {
        var args = Arguments(directory, apiKey, speed, faults, seed, realistic, out var audit);
        var p = Process.Start(ReelProcess.StartInfo(directory, args))!;
        var line = p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
        {
            p.Kill();
            throw new InvalidOperationException("emulator did not start: " + line + p.StandardError.ReadToEnd());
        }

        return new EmulatorProcess(p, new Uri(line["listening on ".Length..]), audit);
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
