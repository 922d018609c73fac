namespace Reel.Engine.Storage;

/// <summary>Exports: copies of objects placed under <c>out/</c>, and whether one in place is still faithful.</summary>
public sealed partial class ObjectStore
{
    /// <summary>
    /// True when the file at <paramref name="destinationPath"/> is already a faithful copy of the object (see
    /// <see cref="Export"/>, which then writes nothing).
    /// </summary>
    /// <exception cref="FileNotFoundException">The object is not in the store.</exception>
    public bool IsExported(string sha256, string destinationPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var source = PathOf(sha256);
        if (OperatingSystem.IsLinux() && IdentityOf(source) is { } stored)
        {
            // One statx each, no link or permission lookups: a no-op rerun asks this for every file in out/.
            // A copy is given the object's write time in .NET's 100 ns ticks.
            var target = Path.GetFullPath(destinationPath);
            if (IdentityOf(target) is not { } copy || copy.Length != stored.Length || copy.ModifiedNs / 100 != stored.ModifiedNs / 100)
            {
                // About to be copied again (or gone): the stamp asks the new copy itself.
                Seen.TryRemove(target, out _);
                return false;
            }

            See(source, stored);
            See(target, copy);
            return true;
        }

        var src = new FileInfo(source);
        if (!src.Exists)
        {
            throw new FileNotFoundException($"Object sha256 {Normalize(sha256)} is not in the store at '{Root}'.", source);
        }

        var dst = new FileInfo(Path.GetFullPath(destinationPath));
        // A link's attributes say so from the one lstat that Exists made: no readlink for each of a large run's exports.
        return dst.Exists && (dst.Attributes & FileAttributes.ReparsePoint) == 0
            && src.Length == dst.Length && src.LastWriteTimeUtc == dst.LastWriteTimeUtc;
    }

    /// <summary>
    /// Places a copy of the object at <paramref name="destinationPath"/> (e.g. <c>out/shots/intro.mp4</c>),
    /// replacing whatever was there, atomically. Always a copy, never a hard link: an export is the user's file
    /// to edit, and editing a link would damage the store (on file systems that clone, such as Btrfs, XFS and
    /// APFS, the copy shares blocks until either is written). A link at the destination is replaced, not written through.
    /// </summary>
    /// <exception cref="FileNotFoundException">The object is not in the store.</exception>
    /// <exception cref="ProjectStateException">The destination's folder leads, through a link, outside <paramref name="within"/>.</exception>
    public void Export(string sha256, string destinationPath, string? within = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        if (IsExported(sha256, destinationPath))
        {
            return;
        }

        var source = PathOf(sha256);
        var destination = Path.GetFullPath(destinationPath);

        var directory = Path.GetDirectoryName(destination)!;
        if (within is not null)
        {
            CheckWithin(directory, Path.GetFullPath(within));
        }

        Directory.CreateDirectory(directory);
        var temp = TempFiles.Beside(destination);
        try
        {
            File.Copy(source, temp);
            if (!OperatingSystem.IsWindows())
            {
                // The copy is the user's: writable, unlike the store's read-only object.
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            using (var written = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                written.Flush(flushToDisk: true);
            }

            File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(source));
            File.Move(temp, destination, overwrite: true);
            NativeFile.FsyncDirectory(directory);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }
}
