using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Reel.Engine.Storage;

namespace Reel.Engine.Projects;

/// <summary>One object of the store: its hash, size and, for the objects gc removes, what it is when its first bytes say (<c>mp4 video</c>, <c>png image</c>).</summary>
public sealed record StoreObject(string Sha256, long Length, string? Kind = null);

/// <summary>What <see cref="StoreCollection.Collect"/> did (or, on a dry run, would do) in one project folder.</summary>
/// <param name="Directory">The project folder.</param>
/// <param name="ObjectsDirectory">The store's objects folder.</param>
/// <param name="LockFiles">The lock files whose references were kept.</param>
/// <param name="Removed">Objects no lock refers to: removed (or, on a dry run, to remove).</param>
/// <param name="Kept">Objects a lock refers to.</param>
/// <param name="Recent">Objects no lock refers to yet, written too recently to remove: a run may be about to lock them.</param>
/// <param name="Refusal">Why nothing was touched (a shared store, an unreadable lock), or null.</param>
public sealed record CollectionReport(
    string Directory,
    string ObjectsDirectory,
    ImmutableArray<string> LockFiles,
    ImmutableArray<StoreObject> Removed,
    ImmutableArray<StoreObject> Kept,
    ImmutableArray<StoreObject> Recent,
    string? Refusal);

/// <summary>
/// <c>reel gc</c>: removes the objects of a project's store that no lock file in its folder refers to. Every script
/// of a folder shares its <c>.reel/</c> store, so every <c>*.lock.yaml</c> there counts, whichever script was named.
/// A lock is scanned as text for every SHA-256 it holds (outputs, thumbnails, spritesheets, inputs, the
/// <c>previous:</c> outputs of earlier rolls), so nothing a lock refers to is removed, whatever field it is in
/// and even when the lock is one Reel cannot parse.
/// </summary>
public static partial class StoreCollection
{
    /// <summary>An object younger than this is left alone: a run may have stored it and not locked it yet.</summary>
    public static TimeSpan Grace { get; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Collects the store of the project in <paramref name="directory"/>; with <paramref name="dryRun"/> only says what
    /// it would remove. Refuses, touching nothing, when the store is shared (<c>REEL_STORE</c>: other projects' locks
    /// are out of sight) or a lock file cannot be read.
    /// </summary>
    public static CollectionReport Collect(string directory, ProjectHost host, bool dryRun)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(host);
        var folder = Path.GetFullPath(directory, host.WorkingDirectory);
        var reelDirectory = Path.Combine(folder, ".reel");
        var store = new ObjectStore(ObjectStore.ResolveRoot(reelDirectory, host.Environment));
        CollectionReport Refuse(string why) => new(folder, store.ObjectsDirectory, [], [], [], [], why);

        if (!string.Equals(store.Root, Path.GetFullPath(reelDirectory), StringComparison.Ordinal))
        {
            return Refuse($"the store is shared ({ObjectStore.StoreEnvironmentVariable}={store.Root}); gc cleans only a project's own .reel/ store, because it cannot see the locks of the other projects that use a shared one");
        }

        var locks = System.IO.Directory.Exists(folder)
            ? System.IO.Directory.EnumerateFiles(folder, "*.lock.yaml").Order(StringComparer.Ordinal).ToImmutableArray()
            : [];
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lockPath in locks)
        {
            string text;
            try
            {
                text = File.ReadAllText(lockPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return Refuse($"cannot read {Path.GetFileName(lockPath)} ({ex.Message}), so what it refers to is unknown; nothing was removed");
            }

            foreach (Match m in Sha256().Matches(text))
            {
                referenced.Add(m.Value.ToLowerInvariant());
            }
        }

        var cutoff = host.Time.GetUtcNow() - Grace;
        List<StoreObject> removed = [], kept = [], recent = [];
        foreach (var (sha, info) in Objects(store))
        {
            var item = new StoreObject(sha, info.Length);
            if (referenced.Contains(sha))
            {
                kept.Add(item);
            }
            else if (info.LastWriteTimeUtc > cutoff.UtcDateTime)
            {
                recent.Add(item);
            }
            else
            {
                removed.Add(item with { Kind = KindOf(info) });
            }
        }

        if (!dryRun)
        {
            foreach (var item in removed)
            {
                store.Delete(item.Sha256);
                TryRemoveEmpty(Path.GetDirectoryName(store.PathOf(item.Sha256))!);
            }
        }

        return new CollectionReport(folder, store.ObjectsDirectory, locks, [.. removed], [.. kept], [.. recent], null);
    }

    /// <summary>The store's objects: only files named as Reel names them (<c>ab/cdef…</c>); anything else is not Reel's to remove.</summary>
    private static IEnumerable<(string Sha256, FileInfo Info)> Objects(ObjectStore store)
    {
        if (!System.IO.Directory.Exists(store.ObjectsDirectory))
        {
            yield break;
        }

        foreach (var fanOut in new DirectoryInfo(store.ObjectsDirectory).EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            if (fanOut.LinkTarget is not null)
            {
                continue;
            }

            foreach (var file in fanOut.EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                var sha = fanOut.Name + file.Name;
                if (ObjectStore.IsSha256(sha) && sha == sha.ToLowerInvariant())
                {
                    yield return (sha, file);
                }
            }
        }
    }

    /// <summary>What a file is, from its first bytes: a video, picture or sound Reel stores; null for anything else or an unreadable file.</summary>
    internal static string? KindOf(FileInfo file)
    {
        Span<byte> head = stackalloc byte[12];
        int read;
        try
        {
            using var stream = file.OpenRead();
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        ReadOnlySpan<byte> b = head[..read];
        if (b.Length >= 12 && b[4..8].SequenceEqual("ftyp"u8))
        {
            return b[8..12].SequenceEqual("M4A "u8) ? "m4a audio" : b[8..12].SequenceEqual("qt  "u8) ? "mov video" : "mp4 video";
        }

        if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8))
        {
            return b[8..12].SequenceEqual("WEBP"u8) ? "webp image" : b[8..12].SequenceEqual("WAVE"u8) ? "wav audio" : null;
        }

        return b switch
        {
            [0x89, 0x50, 0x4E, 0x47, ..] => "png image",
            [0xFF, 0xD8, 0xFF, ..] => "jpeg image",
            [0x1A, 0x45, 0xDF, 0xA3, ..] => "webm video",
            [0x49, 0x44, 0x33, ..] or [0xFF, 0xFB, ..] => "mp3 audio",
            _ => null,
        };
    }

    private static void TryRemoveEmpty(string directory)
    {
        try
        {
            if (!System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
            {
                System.IO.Directory.Delete(directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A fan-out folder left empty costs nothing.
        }
    }

    [GeneratedRegex("(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")]
    private static partial Regex Sha256();
}
