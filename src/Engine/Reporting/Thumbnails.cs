using Reel.Engine.Core;
using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Storage;

namespace Reel.Engine.Reporting;

/// <summary>
/// Thumbnails for clips whose provider serves none (fal, Veo, Vertex, cuts): a frame grabbed with ffmpeg, kept in the
/// store by content and remembered by clip, so each is made once however many reports show it.
/// </summary>
public static class Thumbnails
{
    private const int Width = 320;

    /// <summary>Where the store remembers the thumbnail made for <paramref name="clipSha"/> (a file holding its SHA-256).</summary>
    private static string IndexPath(ObjectStore store, string clipSha) => Path.Combine(store.Root, "derived", "thumbnails", clipSha);

    /// <summary>The thumbnail made earlier for <paramref name="clipSha"/>, when it is still in the store.</summary>
    public static string? Find(ObjectStore store, string clipSha)
    {
        ArgumentNullException.ThrowIfNull(store);
        var index = IndexPath(store, clipSha);
        if (!ObjectStore.IsSha256(clipSha) || !File.Exists(index))
        {
            return null;
        }

        var sha = File.ReadAllText(index).Trim();
        return ObjectStore.IsSha256(sha) && store.Contains(sha) ? sha : null;
    }

    /// <summary>
    /// Makes (or finds) a thumbnail for each clip in <paramref name="clips"/> (SHA-256 and size); returns them by clip.
    /// Without ffmpeg, or for a clip ffmpeg cannot read, there is none: the sheet shows a placeholder.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> EnsureAsync(
        IEnumerable<(string Clip, VideoSize Size)> clips,
        ObjectStore store,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(store);
        var made = new Dictionary<string, string>(StringComparer.Ordinal);
        FfmpegPaths? tools = null;
        foreach (var (clip, size) in clips.DistinctBy(c => c.Clip))
        {
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

            var png = Path.Combine(store.TempDirectory, $"thumb-{clip[..16]}-{Guid.NewGuid():N}.png");
            try
            {
                var height = size.Width <= 0 ? 180 : Math.Max(2, (int)Math.Round(Width * (double)size.Height / size.Width / 2) * 2);
                await FrameGrab.LastFrameAsync(store.PathOf(clip), png, tools, new VideoSize(Width, height), FitMode.Pad, cancellationToken).ConfigureAwait(false);
                var stored = await store.PutFileAsync(png, cancellationToken: cancellationToken).ConfigureAwait(false);
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
                File.Delete(png);
            }
        }

        return made;
    }
}
