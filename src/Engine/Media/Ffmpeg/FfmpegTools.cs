using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Reel.Engine.Media.Ffmpeg;

/// <summary>Where the ffmpeg and ffprobe executables are.</summary>
public sealed record FfmpegPaths(string Ffmpeg, string Ffprobe);

/// <summary>ffmpeg/ffprobe are not installed (or <c>REEL_FFMPEG</c>/<c>REEL_FFPROBE</c> point nowhere).</summary>
public sealed class FfmpegMissingException : Exception
{
    public FfmpegMissingException(string message)
        : base(message)
    {
    }

    public FfmpegMissingException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>ffmpeg or ffprobe exited with an error; the message ends with the last lines of its stderr.</summary>
public sealed class FfmpegException : Exception
{
    public FfmpegException(string tool, int exitCode, string stderrTail)
        : base($"{tool} failed (exit {exitCode}): {stderrTail}")
    {
        Tool = tool;
        ExitCode = exitCode;
        StderrTail = stderrTail;
    }

    public string Tool { get; } = "";

    public int ExitCode { get; }

    public string StderrTail { get; } = "";
}

/// <summary>What a finished ffmpeg/ffprobe process printed.</summary>
internal sealed record ToolRun(int ExitCode, string Stdout, string Stderr);

/// <summary>Locates ffmpeg/ffprobe and runs them (argument lists only, never a shell string).</summary>
public static class FfmpegTools
{
    public const string FfmpegVariable = "REEL_FFMPEG";
    public const string FfprobeVariable = "REEL_FFPROBE";

    private const string Advice =
        "ffmpeg is needed to cut clips from real providers (joining, trimming, transitions, audio, last-frame continuations, clip verification); "
        + "install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) "
        + "or set REEL_FFMPEG (and REEL_FFPROBE) to the executables' paths";

    /// <summary>
    /// Finds ffmpeg and ffprobe from <paramref name="environment"/>: <c>REEL_FFMPEG</c>/<c>REEL_FFPROBE</c> when set
    /// (ffprobe defaults to the one next to <c>REEL_FFMPEG</c>), else its <c>PATH</c>.
    /// </summary>
    /// <exception cref="FfmpegMissingException">Either executable cannot be found; the message says how to install it.</exception>
    public static FfmpegPaths Locate(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var ffmpegVar = environment.GetValueOrDefault(FfmpegVariable);
        var ffprobeVar = environment.GetValueOrDefault(FfprobeVariable);
        var path = environment.GetValueOrDefault("PATH");
        string ffmpeg;
        if (!string.IsNullOrWhiteSpace(ffmpegVar))
        {
            if (!File.Exists(ffmpegVar))
            {
                throw new FfmpegMissingException($"{FfmpegVariable}={ffmpegVar} does not exist. {Advice}.");
            }

            ffmpeg = Path.GetFullPath(ffmpegVar);
        }
        else
        {
            ffmpeg = FindOnPath("ffmpeg", path) ?? throw new FfmpegMissingException($"ffmpeg was not found on PATH. {Advice}.");
        }

        string ffprobe;
        if (!string.IsNullOrWhiteSpace(ffprobeVar))
        {
            if (!File.Exists(ffprobeVar))
            {
                throw new FfmpegMissingException($"{FfprobeVariable}={ffprobeVar} does not exist. {Advice}.");
            }

            ffprobe = Path.GetFullPath(ffprobeVar);
        }
        else
        {
            var sibling = Path.Combine(Path.GetDirectoryName(ffmpeg) ?? ".", ExecutableName("ffprobe"));
            ffprobe = File.Exists(sibling)
                ? sibling
                : FindOnPath("ffprobe", path) ?? throw new FfmpegMissingException($"ffprobe was not found next to {ffmpeg} or on PATH. {Advice}.");
        }

        return new FfmpegPaths(ffmpeg, ffprobe);
    }

    /// <summary>Runs ffmpeg with the given arguments (prefixed with <c>-hide_banner -nostdin</c>); throws on a non-zero exit.</summary>
    internal static Task<ToolRun> FfmpegAsync(FfmpegPaths tools, IEnumerable<string> args, CancellationToken cancellationToken = default) =>
        RunCheckedAsync(tools.Ffmpeg, ["-hide_banner", "-nostdin", .. args], cancellationToken);

    /// <summary>Runs ffprobe; throws on a non-zero exit.</summary>
    internal static Task<ToolRun> FfprobeAsync(FfmpegPaths tools, IEnumerable<string> args, CancellationToken cancellationToken = default) =>
        RunCheckedAsync(tools.Ffprobe, ["-hide_banner", .. args], cancellationToken);

    internal static async Task<ToolRun> RunCheckedAsync(string exe, IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var run = await RunAsync(exe, args, cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            throw new FfmpegException(Path.GetFileNameWithoutExtension(exe), run.ExitCode, Tail(run.Stderr));
        }

        return run;
    }

    /// <summary>Runs a process to completion, capturing stdout and stderr; on cancellation the process tree is killed.</summary>
    internal static async Task<ToolRun> RunAsync(string exe, IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new FfmpegMissingException($"could not start {exe}: {e.Message}. {Advice}.", e);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            throw;
        }

        return new ToolRun(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>The last few non-empty lines of a tool's stderr, joined for an error message.</summary>
    internal static string Tail(string stderr, int lines = 12)
    {
        var all = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return all.Length == 0 ? "(no output)" : string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)));
    }

    private static string ExecutableName(string name) => OperatingSystem.IsWindows() ? name + ".exe" : name;

    private static string? FindOnPath(string name, string? searchPath)
    {
        var file = ExecutableName(name);
        foreach (var dir in (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
