using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Reel.Engine.Storage;

public sealed partial class ObjectStore
{
    /// <summary>Objects whose content this process hashed (or wrote) and found good, with the identity their file had then.</summary>
    private static readonly ConcurrentDictionary<string, FileIdentity> Verified = new(StringComparer.Ordinal);

    /// <summary>
    /// Files this process last found as they should be, with the identity they had then: objects <see cref="Contains"/>
    /// answered for, and copies <see cref="IsExported"/> found faithful (Linux, where an identity is one <c>statx</c>).
    /// The up-to-date stamp records these rather than asking thousands of files again at a run's end: an identity older
    /// than its file can only make the next run miss the stamp and check everything, never skip a change.
    /// </summary>
    private static readonly ConcurrentDictionary<string, FileIdentity> Seen = new(StringComparer.Ordinal);

    /// <summary>What this process last found the file at <paramref name="fullPath"/> to be (see <see cref="Seen"/>), or null.</summary>
    internal static FileIdentity? LastSeen(string fullPath) => Seen.TryGetValue(fullPath, out var identity) ? identity : null;

    /// <summary>The clock that decides whether a file's change time is too recent to record (tests move it).</summary>
    internal TimeProvider Time { get; init; } = TimeProvider.System;

    private int _hashed;

    private VerifiedLog Log => VerifiedLog.For(Root, TempDirectory);

    /// <summary>How many times this instance read an object to hash it.</summary>
    internal int Hashed => _hashed;

    /// <summary>Forgets what this process verified in the store at <paramref name="root"/>, as a new process starts with nothing.</summary>
    internal static void ForgetVerified(string root)
    {
        var full = Path.GetFullPath(root);
        foreach (var path in Verified.Keys.Where(p => p.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            Verified.TryRemove(path, out _);
        }

        foreach (var path in Seen.Keys.Where(p => p.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            Seen.TryRemove(path, out _);
        }

        VerifiedLog.Forget(full);
    }

    /// <summary>Reads the store's record of verified objects now (on another core while a script compiles), not at the first <see cref="Contains"/>.</summary>
    public void Preload() => Log.Preload();

    /// <summary>
    /// True when the object is present and good: a regular file whose content hashes to its name. The hash is
    /// computed again whenever the file's identity (device, inode, length, modification and change time) is not one
    /// under which it hashed before, in this process or, on Linux, any earlier one (<see cref="VerifiedLog"/>); a
    /// damaged object is removed and reads as absent, so the step that made it runs (or is fetched) again.
    /// </summary>
    public bool Contains(string sha256)
    {
        var hash = Normalize(sha256);
        var path = PathOf(hash);
        if (IdentityOf(path) is not { } identity)
        {
            Seen.TryRemove(path, out _);
            return false;
        }

        if (Verified.TryGetValue(path, out var verified) && verified == identity)
        {
            See(path, identity);
            return true;
        }

        if (Log.Vouches(hash, identity))
        {
            Verified[path] = identity;
            See(path, identity);
            return true;
        }

        // Hashed again: whatever identity this process saw before is not the one to record.
        Seen.TryRemove(path, out _);
        return Verify(hash);
    }

    /// <summary>
    /// Re-hashes the stored object. A missing object returns false; a corrupted one is deleted
    /// (so it will be fetched or generated again) and false is returned.
    /// </summary>
    public bool Verify(string sha256)
    {
        var hash = Normalize(sha256);
        var path = PathOf(hash);
        Verified.TryRemove(path, out _);
        if (NativeFile.TypeOf(path) is FileType.Directory or FileType.Special || new FileInfo(path).LinkTarget is not null)
        {
            // Nothing Reel writes: a link or a device where an object should be is damage too.
            TryDeleteAny(path);
            return false;
        }

        string actual;
        var before = IdentityOf(path);
        try
        {
            using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
            Interlocked.Increment(ref _hashed);
            actual = Convert.ToHexStringLower(SHA256.HashData(input));
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        if (string.Equals(actual, hash, StringComparison.Ordinal))
        {
            // Remembered only when nothing changed the file while it was read.
            if (before is { } identity && IdentityOf(path) == identity)
            {
                Verified[path] = identity;
                Log.Record(hash, identity, Time.GetUtcNow());
            }

            return true;
        }

        TryDelete(path);
        return false;
    }

    /// <summary>
    /// The identity of the regular file at <paramref name="path"/>, or null when it is missing or anything else (a link,
    /// a directory, a device). On Linux one <c>statx</c>; elsewhere its length and write time stand for it.
    /// </summary>
    private static FileIdentity? IdentityOf(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            return NativeFile.Identify(path);
        }

        var info = new FileInfo(path);
        return !info.Exists || info.LinkTarget is not null || NativeFile.TypeOf(path) != FileType.Regular
            ? null
            : new FileIdentity(0, 0, info.Length, info.LastWriteTimeUtc.Ticks, 0);
    }

    /// <summary>Records that the file at <paramref name="fullPath"/> was found as it should be (see <see cref="Seen"/>).</summary>
    private static void See(string fullPath, FileIdentity identity)
    {
        if (OperatingSystem.IsLinux())
        {
            Seen[fullPath] = identity;
        }
    }

    /// <summary>An object this process has just written (hashed while written): good as long as its file stays as it is.</summary>
    private static void Remember(string path)
    {
        if (IdentityOf(path) is { } identity)
        {
            Verified[path] = identity;
        }
    }

    private static void TryDeleteAny(string path)
    {
        if (Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return;
        }

        TryDelete(path);
    }
}
