using System.Collections.Concurrent;
using System.Globalization;
using Reel.Emulator.OpenAi;
using Reel.Engine.Media;

namespace Reel.Emulator.Rendering;

/// <summary>
/// Realistic mode: renders a job's video the way a provider delivers it — H.264 High (libx264, yuv420p) at the job's
/// exact size, the model's frame rate (<see cref="ClipProfile"/>), an AAC sine track whose pitch depends on the job,
/// exactly <c>seconds</c> long. The picture is the local preview clip, scaled and resampled by ffmpeg (no fonts needed).
/// An extension is the source clip and the new segment re-encoded as one clip, audio continuous across the join.
/// Each job renders once, in the background from its creation (a download waits for it), off any lock shared with other
/// requests, at most one render step per core at a time; results are kept on disk. A failed render is retried by the next download.
/// </summary>
internal sealed class RealisticClips : IAsyncDisposable
{
    private readonly Ffmpeg _ffmpeg;
    private readonly string _directory;
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _renders = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(Math.Max(2, Environment.ProcessorCount));
    private readonly CancellationTokenSource _stopping = new();

    public RealisticClips(Ffmpeg ffmpeg, string directory)
    {
        _ffmpeg = ffmpeg;
        _directory = Path.Combine(directory, "assets");
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Starts rendering the job's clip in the background, if it isn't already; a failure surfaces at download (which retries).</summary>
    public void Start(VideoJob job) =>
        _ = Render(job).ContinueWith(
            static t => _ = t.Exception,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>The path of the job's clip, rendering it first if needed; concurrent callers share one render.</summary>
    public Task<string> VideoAsync(VideoJob job, CancellationToken cancellationToken = default) =>
        // A waiter that gives up does not cancel the render: others (or a retry) may want it.
        Render(job).WaitAsync(cancellationToken);

    private Task<string> Render(VideoJob job) =>
        _renders.GetOrAdd(job.Id, _ => new Lazy<Task<string>>(() => Task.Run(() => RenderAsync(job, _stopping.Token)))).Value;

    /// <summary>The sine's pitch: 220–820 Hz in steps of 15, from the job's seed, so that different clips sound different.</summary>
    internal static int Frequency(VideoJob job) => 220 + (int)(job.Seed % 41) * 15;

    private async Task<string> RenderAsync(VideoJob job, CancellationToken cancellationToken)
    {
        try
        {
            var path = Path.Combine(_directory, job.Id + ".mp4");
            if (File.Exists(path))
            {
                return path;
            }

            var source = job.Kind != "extend" ? null
                : job.Source is { } s ? await VideoAsync(s, cancellationToken).ConfigureAwait(false)
                : job.SourcePath;
            var temp = path + ".tmp";
            if (source is null)
            {
                var preview = Path.Combine(_directory, job.Id + ".preview.mp4");
                await RenderPreviewAsync(preview, ClipStore.Spec(job, job.Seconds, job.ReferencePath), cancellationToken).ConfigureAwait(false);
                await EncodeAsync(job, preview, temp, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ExtendAsync(job, source, temp, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, path, overwrite: true);
            return path;
        }
        catch
        {
            // Forget the failure so that the next download tries again.
            _renders.TryRemove(job.Id, out _);
            throw;
        }
    }

    private async Task RenderPreviewAsync(string path, ClipSpec spec, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var temp = path + ".tmp";
            using (var stream = File.Create(temp))
            {
                LocalRenderer.WriteClip(spec, stream);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>A generated clip: the preview picture at the exact size and frame rate, plus a sine track.</summary>
    private async Task EncodeAsync(VideoJob job, string preview, string output, CancellationToken cancellationToken)
    {
        var profile = ClipProfile.For(job.Model);
        var (w, h) = (job.Size.Width, job.Size.Height);
        var seconds = Invariant(job.Seconds);
        string[] arguments =
        [
            "-i", preview,
            "-f", "lavfi", "-i", Sine(job, profile, job.Seconds),
            "-filter_complex",
            $"[0:v]{VideoChain(profile, w, h, pad: false)}[v];[1:a]{AudioFormat(profile)}[a]",
            "-map", "[v]", "-map", "[a]",
            .. Encoding(profile),
            "-t", seconds,
            "-f", "mp4", output,
        ];
        await RunAsync(arguments, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An extension: the source clip (fitted to the size, resampled to the model's rates) then the new segment, continuing from the source's last frame.</summary>
    private async Task ExtendAsync(VideoJob job, string source, string output, CancellationToken cancellationToken)
    {
        var profile = ClipProfile.For(job.Model);
        var (w, h) = (job.Size.Width, job.Size.Height);
        var lastFrame = Path.Combine(_directory, job.Id + ".last.png");
        await RunAsync(["-sseof", "-1", "-i", source, "-an", "-update", "1", "-f", "image2", "-c:v", "png", lastFrame], cancellationToken).ConfigureAwait(false);
        var segment = Path.Combine(_directory, job.Id + ".segment.mp4");
        await RenderPreviewAsync(segment, ClipStore.Spec(job, job.SegmentSeconds, lastFrame), cancellationToken).ConfigureAwait(false);

        var sourceSeconds = await _ffmpeg.VideoDurationAsync(source, cancellationToken).ConfigureAwait(false);
        var hasAudio = await _ffmpeg.HasAudioAsync(source, cancellationToken).ConfigureAwait(false);
        List<string> arguments =
        [
            "-i", source,
            "-i", segment,
            "-f", "lavfi", "-i", Sine(job, profile, job.SegmentSeconds),
        ];
        if (!hasAudio)
        {
            arguments.AddRange(["-f", "lavfi", "-i", $"anullsrc=r={Invariant(profile.SampleRate)}:cl=stereo"]);
        }

        // The source's audio is padded or cut to its picture's length, so the new segment's sound starts with its picture.
        var sourceAudio = hasAudio ? "[0:a]" : "[3:a]";
        var filter =
            $"[0:v]{VideoChain(profile, w, h, pad: true)}[v0];" +
            $"{sourceAudio}{AudioFormat(profile)},apad,atrim=end={Invariant(sourceSeconds)}[a0];" +
            $"[1:v]{VideoChain(profile, w, h, pad: false)}[v1];" +
            $"[2:a]{AudioFormat(profile)}[a1];" +
            "[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]";
        arguments.AddRange(["-filter_complex", filter, "-map", "[v]", "-map", "[a]"]);
        arguments.AddRange(Encoding(profile));
        arguments.AddRange(["-f", "mp4", output]);
        await RunAsync(arguments, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _ffmpeg.RunFfmpegAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    private static string Sine(VideoJob job, ClipProfile profile, int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"sine=frequency={Frequency(job)}:sample_rate={profile.SampleRate}:duration={seconds}");

    /// <summary>
    /// To the exact size (a preview has the same aspect ratio and is scaled nearest-neighbour: crisp bitmap text, and
    /// fast; any other source is letterboxed), square pixels, then the model's frame rate (scaling first scales fewer frames), 4:2:0.
    /// </summary>
    private static string VideoChain(ClipProfile profile, int w, int h, bool pad) =>
        pad
            ? string.Create(CultureInfo.InvariantCulture, $"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={profile.FrameRate},format=yuv420p")
            : string.Create(CultureInfo.InvariantCulture, $"scale={w}:{h}:flags=neighbor,setsar=1,fps={profile.FrameRate},format=yuv420p");

    private static string AudioFormat(ClipProfile profile) =>
        string.Create(CultureInfo.InvariantCulture, $"aresample={profile.SampleRate},aformat=sample_fmts=fltp:sample_rates={profile.SampleRate}:channel_layouts=stereo");

    private static string[] Encoding(ClipProfile profile) =>
    [
        // superfast keeps CABAC and 8x8 transforms, so the stream really is High profile (ultrafast would be Baseline).
        "-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-r", profile.FrameRate,
        "-c:a", "aac", "-b:a", "128k", "-ar", Invariant(profile.SampleRate), "-ac", "2",
        "-map_metadata", "-1", "-movflags", "+faststart",
    ];

    private static string Invariant(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Stops renders in flight (killing ffmpeg) and waits for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var render in _renders.Values.Where(r => r.IsValueCreated))
        {
            try
            {
                await render.Value.ConfigureAwait(false);
            }
            catch (Exception)
            {
            }
        }

        _stopping.Dispose();
        _slots.Dispose();
    }
}
