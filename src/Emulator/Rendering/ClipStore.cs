using System.Collections.Concurrent;
using Reel.Emulator.OpenAi;
using Reel.Engine.Media;

namespace Reel.Emulator.Rendering;

/// <summary>
/// Renders a job's assets with the local renderer — in the background from the job's creation when a
/// <see cref="RenderAhead"/> queue is given, else on its first download — and keeps them on disk. Each asset renders
/// once: a download that arrives while the background render is under way waits for that render.
/// </summary>
internal sealed class ClipStore
{
    private readonly string _directory;
    private readonly RealisticClips? _realistic;
    private readonly RenderAhead? _ahead;
    private readonly bool _pictures;
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _renders = new(StringComparer.Ordinal);

    /// <param name="directory">The data directory; assets go to its <c>assets</c> folder.</param>
    /// <param name="realistic">When set, video downloads are provider-like clips made by ffmpeg instead of local previews.</param>
    /// <param name="ahead">When set, a new job's assets are rendered in the background while it runs.</param>
    /// <param name="pictures">Whether the API serves thumbnails and spritesheets, so they are rendered ahead too.</param>
    public ClipStore(string directory, RealisticClips? realistic = null, RenderAhead? ahead = null, bool pictures = false)
    {
        _directory = Path.Combine(directory, "assets");
        Directory.CreateDirectory(_directory);
        _realistic = realistic;
        _ahead = ahead;
        _pictures = pictures;
    }

    /// <summary>
    /// Starts rendering a new job's assets in the background (as a provider renders while the job runs), unless it
    /// will fail: the video in realistic mode, else through the <see cref="RenderAhead"/> queue when there is one.
    /// </summary>
    public void Prepare(VideoJob job)
    {
        if (job.Blocked)
        {
            return;
        }

        if (_realistic is not null)
        {
            _realistic.Start(job);
        }

        if (_ahead is not null && (_realistic is null || _pictures))
        {
            _ahead.Queue(async () =>
            {
                if (_realistic is null)
                {
                    await PreviewAsync(job).ConfigureAwait(false);
                }

                if (_pictures)
                {
                    await ThumbnailAsync(job).ConfigureAwait(false);
                    await SpritesheetAsync(job).ConfigureAwait(false);
                }
            });
        }
    }

    /// <summary>See <see cref="EmulatorOptions.VideoBytes"/>.</summary>
    public long? VideoBytes { get; init; }

    /// <summary>The job's video: a realistic clip in realistic mode (rendered without blocking a thread), else the local preview.</summary>
    public async Task<string> VideoAsync(VideoJob job, CancellationToken cancellationToken = default)
    {
        var path = await (_realistic is not null ? _realistic.VideoAsync(job, cancellationToken) : PreviewAsync(job).WaitAsync(cancellationToken)).ConfigureAwait(false);
        return VideoBytes is { } size ? Padded(job, path, size) : path;
    }

    /// <summary>The clip followed by one <c>free</c> box (64-bit size) up to <paramref name="size"/> bytes, made once per job.</summary>
    private string Padded(VideoJob job, string clip, long size)
    {
        var path = Path.Combine(_directory, job.Id + ".padded.mp4");
        lock (job.RenderGate)
        {
            if (File.Exists(path))
            {
                return path;
            }

            var temp = path + ".partial";
            using (var output = File.Create(temp))
            {
                using (var input = File.OpenRead(clip))
                {
                    input.CopyTo(output);
                }

                var box = Math.Max(16, size - output.Length);
                Span<byte> header = stackalloc byte[16];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header, 1);
                "free"u8.CopyTo(header[4..]);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(header[8..], box);
                output.Write(header);
                var zeros = new byte[1 << 20];
                for (var left = box - 16; left > 0; left -= zeros.Length)
                {
                    output.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
                }
            }

            File.Move(temp, path, overwrite: true);
            return path;
        }
    }

    /// <summary>The job's local preview clip; concurrent callers (a download, the background queue) share one render.</summary>
    private Task<string> PreviewAsync(VideoJob job) => Shared(job, ".mp4", () => Video(job));

    /// <summary>The job's thumbnail, rendered once (see <see cref="PreviewAsync"/>).</summary>
    public Task<string> ThumbnailAsync(VideoJob job, CancellationToken cancellationToken = default) =>
        Shared(job, ".webp", () => Thumbnail(job)).WaitAsync(cancellationToken);

    /// <summary>The job's spritesheet, rendered once (see <see cref="PreviewAsync"/>).</summary>
    public Task<string> SpritesheetAsync(VideoJob job, CancellationToken cancellationToken = default) =>
        Shared(job, ".jpg", () => Spritesheet(job)).WaitAsync(cancellationToken);

    /// <summary>
    /// One render of an asset on a pool thread, shared by everyone who asks for it; a waiter that gives up does not
    /// cancel it. A failed render is forgotten, so that the next request tries again.
    /// </summary>
    private Task<string> Shared(VideoJob job, string extension, Func<string> render)
    {
        var key = job.Id + extension;
        var lazy = _renders.GetOrAdd(key, _ => new Lazy<Task<string>>(() => Task.Run(render)));
        var task = lazy.Value;
        if (task.IsFaulted)
        {
            _renders.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(key, lazy));
        }
        else if (!task.IsCompleted)
        {
            _ = task.ContinueWith(
                t => _renders.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(key, lazy)),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return task;
    }

    /// <summary>The job's local preview clip, rendered on this thread unless it is on disk already (an extension renders its source first).</summary>
    private string Video(VideoJob job)
    {
        var path = Path.Combine(_directory, job.Id + ".mp4");
        lock (job.RenderGate)
        {
            if (File.Exists(path))
            {
                return path;
            }

            var source = job.Kind != "extend" ? null : job.Source is { } s ? Video(s) : job.SourcePath;
            if (source is not null)
            {
                // An extension continues the source from its last frame; the result is the stitched clip.
                var lastFrame = Path.Combine(_directory, job.Id + ".last.png");
                using (var png = File.Create(lastFrame))
                {
                    Mp4Clip.WriteLastFrame(source, png, job.Size);
                }

                var segment = Path.Combine(_directory, job.Id + ".segment.mp4");
                Write(segment, s => LocalRenderer.WriteClip(Spec(job, job.SegmentSeconds, lastFrame), s));
                // No target size: the renderer encodes previews below the nominal size, and a target would force
                // a slow re-encode; Concat re-encodes by itself only when the two encodings differ.
                Write(path, s => Mp4Clip.Concat([source, segment], s));
            }
            else
            {
                Write(path, s => LocalRenderer.WriteClip(Spec(job, job.Seconds, job.ReferencePath), s));
            }

            return path;
        }
    }

    private string Thumbnail(VideoJob job) =>
        Image(job, ".webp", s => LocalRenderer.WriteThumbnail(Spec(job, job.Seconds, job.ReferencePath), s));

    private string Spritesheet(VideoJob job) =>
        Image(job, ".jpg", s => LocalRenderer.WriteSpritesheet(Spec(job, job.Seconds, job.ReferencePath), s));

    private string Image(VideoJob job, string extension, Action<Stream> render)
    {
        var path = Path.Combine(_directory, job.Id + extension);
        lock (job.RenderGate)
        {
            if (!File.Exists(path))
            {
                Write(path, render);
            }

            return path;
        }
    }

    internal static ClipSpec Spec(VideoJob job, int seconds, string? firstFrame) =>
        new($"{job.Kind} · {job.Model}", job.Prompt, job.Size, seconds, job.Seed, firstFrame);

    /// <summary>Writes to a temporary file then renames, so that a failed render leaves nothing half-written.</summary>
    private static void Write(string path, Action<Stream> render)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            render(stream);
        }

        File.Move(temp, path, overwrite: true);
    }
}
