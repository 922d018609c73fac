using System.Runtime.InteropServices;

namespace Reel.Engine.Storage;

/// <summary>What a directory entry is, as its directory lists it: a link is a link, whatever it leads to.</summary>
internal enum EntryKind
{
    File,
    Directory,
    Link,

    /// <summary>A device, a FIFO or a socket.</summary>
    Other,
}

/// <summary>One entry found by <see cref="DirectoryWalk"/>: the directory it is in, its name and its kind.</summary>
internal sealed record WalkEntry(string Directory, string Name, EntryKind Kind)
{
    /// <summary>The entry's full path, made when asked: a walk of thousands of files needs few of them.</summary>
    public string Path => System.IO.Path.Join(Directory, Name);
}

/// <summary>
/// The entries of a directory tree, each directory's entries before those of its subdirectories, links listed and never
/// followed, a directory that cannot be read skipped. On 64-bit Linux the kind of an entry comes with its name
/// (<c>readdir</c>'s <c>d_type</c>), so a tree of thousands of files costs no <c>lstat</c> per file: the layout check
/// and the temp-file sweep of every run that is not answered from its stamp walk <c>out/</c> and <c>.reel/</c>. Where
/// the file system does not say, and elsewhere than Linux, each entry is asked with one <c>lstat</c>.
/// </summary>
internal static partial class DirectoryWalk
{
    // struct dirent of 64-bit Linux (glibc and musl): d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), d_name.
    private const int TypeOffset = 18;
    private const int NameOffset = 19;
    private const byte TypeUnknown = 0;
    private const byte TypeDirectory = 4;
    private const byte TypeRegular = 8;
    private const byte TypeLink = 10;

    private static bool _native = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>
    /// Every entry under <paramref name="root"/> (not <paramref name="root"/> itself); a subdirectory is entered when
    /// <paramref name="enter"/> says so. Nothing when <paramref name="root"/> is not a readable directory.
    /// </summary>
    public static IEnumerable<WalkEntry> Walk(string root, Func<WalkEntry, bool> enter)
    {
        ArgumentNullException.ThrowIfNull(enter);
        var pending = new Queue<string>();
        pending.Enqueue(root);
        while (pending.TryDequeue(out var directory))
        {
            foreach (var entry in List(directory))
            {
                yield return entry;
                if (entry.Kind == EntryKind.Directory && enter(entry))
                {
                    pending.Enqueue(entry.Path);
                }
            }
        }
    }

    /// <summary>The entries directly in <paramref name="directory"/>, read in one go so no directory stays open between them.</summary>
    private static List<WalkEntry> List(string directory)
    {
        if (_native)
        {
            try
            {
                return ListNative(directory);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                _native = false;
            }
        }

        return ListByStat(directory);
    }

    /// <summary>The entries directly in <paramref name="directory"/>, each asked with one <c>lstat</c> through .NET.</summary>
    internal static List<WalkEntry> ListByStat(string directory)
    {
        var entries = new List<WalkEntry>();
        try
        {
            foreach (var info in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                entries.Add(new WalkEntry(directory, info.Name, KindOf(info)));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Missing, not a directory, or not readable: nothing to list, as the .NET enumeration with IgnoreInaccessible says.
        }

        return entries;
    }

    private static List<WalkEntry> ListNative(string directory)
    {
        var entries = new List<WalkEntry>();
        var handle = OpenDirectory(directory);
        if (handle == 0)
        {
            return entries;
        }

        try
        {
            for (var entry = ReadDirectory(handle); entry != 0; entry = ReadDirectory(handle))
            {
                var name = Marshal.PtrToStringUTF8(entry + NameOffset)!;
                if (name is "." or "..")
                {
                    continue;
                }

                var kind = Marshal.ReadByte(entry, TypeOffset) switch
                {
                    TypeRegular => EntryKind.File,
                    TypeDirectory => EntryKind.Directory,
                    TypeLink => EntryKind.Link,
                    TypeUnknown => KindOf(new FileInfo(Path.Join(directory, name))),
                    _ => EntryKind.Other,
                };
                entries.Add(new WalkEntry(directory, name, kind));
            }
        }
        finally
        {
            _ = CloseDirectory(handle);
        }

        return entries;
    }

    /// <summary>The kind of an entry from one <c>lstat</c> (what <see cref="FileSystemInfo"/> makes on first use); .NET says no more than file, directory or link.</summary>
    private static EntryKind KindOf(FileSystemInfo info)
    {
        var attributes = info.Attributes;
        if ((int)attributes == -1)
        {
            // Gone since its directory listed it: nothing to follow or to remove.
            return EntryKind.Other;
        }

        return (attributes & FileAttributes.ReparsePoint) != 0 ? EntryKind.Link
            : (attributes & FileAttributes.Directory) != 0 ? EntryKind.Directory
            : (attributes & FileAttributes.Device) != 0 ? EntryKind.Other
            : EntryKind.File;
    }

    [LibraryImport("libc", EntryPoint = "opendir", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint OpenDirectory(string path);

    [LibraryImport("libc", EntryPoint = "readdir")]
    private static partial nint ReadDirectory(nint directory);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDirectory(nint directory);
}
