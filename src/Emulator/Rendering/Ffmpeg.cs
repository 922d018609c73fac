using Reel.Engine.Media.Ffmpeg;
using System.ComponentModel;
using System.Diagnostics;

namespace Reel.Emulator.Rendering;

/// <summary>Runs ffmpeg and ffprobe as child processes (arguments passed one by one, never through a shell).</summary>
internal sealed class Ffmpeg
{
    private Ffmpeg(string ffmpeg, string ffprobe)
    {
        FfmpegPath = ffmpeg;
        FfprobePath = ffprobe;
    }

    public string FfmpegPath { get; }

    public string FfprobePath { get; }

    /// <summary>Checks that ffmpeg (with the libx264 and aac encoders) and ffprobe run.</summary>
    /// <exception cref="ArgumentException">One of them is missing or lacks an encoder; the message says what to install.</exception>
    public static async Task<Ffmpeg> LocateAsync(string ffmpeg, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ffmpeg);
        var directory = Path.GetDirectoryName(ffmpeg);
        var ffprobe = string.IsNullOrEmpty(directory) ? "ffprobe" : Path.Combine(directory, "ffprobe" + Path.GetExtension(ffmpeg));
        var tool = new Ffmpeg(ffmpeg, ffprobe);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        string encoders;
        try
        {
            encoders = await RunAsync(ffmpeg, ["-hide_banner", "-nostdin", "-encoders"], timeout.Token).ConfigureAwait(false);
            await RunAsync(ffprobe, ["-hide_banner", "-version"], timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Win32Exception or FfmpegMissingException or InvalidOperationException or FileNotFoundException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new ArgumentException(
                $"--realistic needs ffmpeg and ffprobe ('{ffmpeg}', '{ffprobe}'), which could not be run: {ex.Message}. Install ffmpeg (e.g. apt-get install ffmpeg) or drop --realistic.",
                nameof(ffmpeg),
                ex);
        }

        foreach (var encoder in new[] { "libx264", "aac" })
        {
            if (!encoders.Split('\n').Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var name, ..] && name == encoder))
            {
                throw new ArgumentException(
                    $"--realistic needs an ffmpeg with the '{encoder}' encoder; '{ffmpeg}' has none. Install a full ffmpeg build or drop --realistic.",
                    nameof(ffmpeg));
            }
        }

        return tool;
    }

    /// <summary>Runs ffmpeg quietly; throws with the end of its error output when it fails.</summary>
    public Task RunFfmpegAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        RunAsync(FfmpegPath, ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. arguments], cancellationToken);

    /// <summary>Whether the file has an audio stream.</summary>
    public async Task<bool> HasAudioAsync(string path, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(
            FfprobePath,
            ["-v", "error", "-select_streams", "a", "-show_entries", "stream=index", "-of", "csv=p=0", path],
            cancellationToken).ConfigureAwait(false);
        return !string.IsNullOrWhiteSpace(output);
    }

    /// <summary>The duration of the first video stream, in seconds.</summary>
    public async Task<double> VideoDurationAsync(string path, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(
            FfprobePath,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=duration", "-of", "csv=p=0", path],
            cancellationToken).ConfigureAwait(false);
        return double.TryParse(output.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw new InvalidOperationException($"ffprobe found no video duration in {Path.GetFileName(path)}.");
    }

    /// <summary>Runs a program to its end and returns its standard output; kills it when cancelled.</summary>
    /// <exception cref="InvalidOperationException">It exited with a non-zero code.</exception>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        // The engine's runner: argument lists only, stdout and stderr captured, the tree killed on cancellation.
        var run = await FfmpegTools.RunAsync(program, [.. arguments], cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            var tail = string.Join(" | ", run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(4));
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with code {run.ExitCode}: {tail}");
        }

        return run.Stdout;
    }
}
