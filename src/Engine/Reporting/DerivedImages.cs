using Reel.Engine.Core;
using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Storage;

namespace Reel.Engine.Reporting;

/// <summary>A clip (its SHA-256 in the store) to make a picture of, and the size it has.</summary>
public sealed record PictureSource(string Clip, VideoSize Size);

/// <summary>
/// Thumbnails for clips whose provider serves none (fal, Veo, Vertex, cuts): a frame grabbed with ffmpeg, kept in the
/// store by content and remembered by clip, so each is made once however many reports show it.
/// </summary>
public static class Thumbnails
{
    private const int Width = 320;

    private static readonly DerivedImages Kind = new("thumbnails", ".png", (clip, output, tools, size, cancellationToken) =>
        FrameGrab.LastFrameAsync(clip, output, tools, DerivedImages.Fit(size, Width), FitMode.Pad, cancellationToken));

    /// <summary>The thumbnail made earlier for <paramref name="clipSha"/>, when it is still in the store.</summary>
    public static string? Find(ObjectStore store, string clipSha) => Kind.Find(store, clipSha);

    /// <summary>
    /// Makes (or finds) a thumbnail for each clip in <paramref name="clips"/> (SHA-256 and size); returns them by clip.
    /// Without ffmpeg, or for a clip ffmpeg cannot read, there is none: the sheet shows a placeholder.
    /// </summary>
    public static Task<IReadOnlyDictionary<string, string>> EnsureAsync(
        IEnumerable<PictureSource> clips,
        ObjectStore store,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken = default) =>
        Kind.EnsureAsync(clips, store, environment, cancellationToken);
}

/// <summary>
/// Spritesheets for clips whose provider serves none (all but <c>local</c> and OpenAI, and cuts): a grid of
/// <see cref="SpriteGrid.Local"/> frames evenly spread over the clip, made with ffmpeg, kept in the store by content
/// and remembered by clip, so each is made once. The sheet scrubs through them under the mouse.
/// </summary>
public static class Spritesheets
{
    private const int TileWidth = 160;

    private static readonly DerivedImages Kind = new("spritesheets", ".jpg", (clip, output, tools, size, cancellationToken) =>
        FrameGrab.SpritesheetAsync(clip, output, tools, DerivedImages.Fit(size, TileWidth), SpriteGrid.Local.Columns, SpriteGrid.Local.Rows, cancellationToken));

    /// <summary>The spritesheet made earlier for <paramref name="clipSha"/>, when it is still in the store.</summary>
    public static string? Find(ObjectStore store, string clipSha) => Kind.Find(store, clipSha);

    /// <summary>Makes (or finds) a spritesheet for each clip in <paramref name="clips"/>; returns them by clip (none without ffmpeg).</summary>
    public static Task<IReadOnlyDictionary<string, string>> EnsureAsync(
        IEnumerable<PictureSource> clips,
        ObjectStore store,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken = default) =>
        Kind.EnsureAsync(clips, store, environment, cancellationToken);
}

/// <summary>One kind of picture made from a clip with ffmpeg, stored by content and indexed by clip under <c>.reel/derived/KIND/</c>.</summary>
internal sealed class DerivedImages(string kind, string extension, Func<string, string, FfmpegPaths, VideoSize, CancellationToken, Task> make)
{
    /// <summary><paramref name="size"/>'s aspect ratio at <paramref name="width"/> pixels wide (even sides; 16:9 when unknown).</summary>
    public static VideoSize Fit(VideoSize size, int width) =>
        new(width, size.Width <= 0 ? width * 9 / 16 / 2 * 2 : Math.Max(2, (int)Math.Round(width * (double)size.Height / size.Width / 2) * 2));

    /// <summary>Where the store remembers the picture made for <paramref name="clipSha"/> (a file holding its SHA-256).</summary>
    private string IndexPath(ObjectStore store, string clipSha) => Path.Combine(store.Root, "derived", kind, clipSha);

    public string? Find(ObjectStore store, string clipSha)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!ObjectStore.IsSha256(clipSha))
        {
            return null;
        }

        var index = IndexPath(store, clipSha);
        if (!File.Exists(index))
        {
            return null;
        }

        var sha = File.ReadAllText(index).Trim();
        return ObjectStore.IsSha256(sha) && store.Contains(sha) ? sha : null;
    }

    public async Task<IReadOnlyDictionary<string, string>> EnsureAsync(
        IEnumerable<PictureSource> clips,
        ObjectStore store,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(store);
        var made = new Dictionary<string, string>(StringComparer.Ordinal);
        FfmpegPaths? tools = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (clip, size) in clips)
        {
            if (!seen.Add(clip))
            {
                continue;
            }

            if (Find(store, clip) is { } found)
            {
                made[clip] = found;
                continue;
            }

            if (cancellationToken.IsCancellationRequested || !store.Contains(clip))
            {
                continue;
            }

            try
            {
                tools ??= FfmpegTools.Locate(environment);
            }
            catch (FfmpegMissingException)
            {
                break;
            }

            var output = Path.Combine(store.TempDirectory, $"{kind}-{clip[..16]}-{Guid.NewGuid():N}{extension}");
            try
            {
                await make(store.PathOf(clip), output, tools, size, cancellationToken).ConfigureAwait(false);
                var stored = await store.PutFileAsync(output, cancellationToken: cancellationToken).ConfigureAwait(false);
                var index = IndexPath(store, clip);
                Directory.CreateDirectory(Path.GetDirectoryName(index)!);
                AtomicFile.WriteAllBytes(index, System.Text.Encoding.ASCII.GetBytes(stored.Sha256));
                made[clip] = stored.Sha256;
            }
            catch (Exception ex) when (ex is FfmpegException or InvalidDataException or IOException)
            {
                // A clip ffmpeg cannot read still gets its card, with a placeholder.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            finally
            {
                File.Delete(output);
            }
        }

        return made;
    }
}
