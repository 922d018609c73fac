using System.Runtime.InteropServices;

namespace Reel.Engine.Storage;

/// <summary>What a path names, as <c>stat</c> sees it after following links.</summary>
internal enum FileType
{
    Missing,
    Regular,
    Directory,

    /// <summary>A character or block device, a FIFO or a socket: reading one may never end or never start.</summary>
    Special,
}

/// <summary>One version of a file, as <see cref="NativeFile.Identify"/> sees it (times in nanoseconds since 1970).</summary>
/// <remarks>A class, not a struct: the dictionaries that hold identities then share the framework's precompiled code instead of being JIT-compiled in every cold process.</remarks>
internal sealed record FileIdentity(long Device, long Inode, long Length, long ModifiedNs, long ChangedNs);

/// <summary>POSIX calls .NET does not expose: hard links, directory fsync, the type of a file, whether a process lives.</summary>
internal static partial class NativeFile
{
    private const int ReadOnly = 0; // O_RDONLY on Linux and macOS.
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int StatxModeOffset = 28;
    private const int FileTypeMask = 0xF000; // S_IFMT
    private const int RegularBits = 0x8000; // S_IFREG
    private const int DirectoryBits = 0x4000; // S_IFDIR
    private const int NoSuchProcess = 3; // ESRCH
    private const int SymlinkNoFollow = 0x100; // AT_SYMLINK_NOFOLLOW
    private const uint StatxBasicStats = 0x7FF; // STATX_BASIC_STATS

    // STATX_TYPE | STATX_MTIME | STATX_CTIME | STATX_INO | STATX_SIZE: what a file identity needs.
    private const uint IdentityFields = 0x1 | 0x40 | 0x80 | 0x100 | 0x200;

    /// <summary>Creates <paramref name="newPath"/> as a hard link to <paramref name="existingPath"/>; false when not possible (other filesystem, Windows, …).</summary>
    public static bool TryHardLink(string existingPath, string newPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return Link(existingPath, newPath) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// The type of the file at <paramref name="path"/>, following links. .NET reports devices and FIFOs as
    /// ordinary files; on Linux <c>statx</c> tells them apart (its layout is the same on every architecture).
    /// Elsewhere only directories are told apart (Windows has no such files in a project tree).
    /// </summary>
    public static FileType TypeOf(string path)
    {
        if (Directory.Exists(path))
        {
            return FileType.Directory;
        }

        if (!File.Exists(path))
        {
            return FileType.Missing;
        }

        if (!OperatingSystem.IsLinux())
        {
            return FileType.Regular;
        }

        Span<byte> buffer = stackalloc byte[StatxSize];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return FileType.Missing;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return FileType.Regular;
        }

        var mode = BitConverter.ToUInt16(buffer[StatxModeOffset..]) & FileTypeMask;
        return mode switch
        {
            RegularBits => FileType.Regular,
            DirectoryBits => FileType.Directory,
            _ => FileType.Special,
        };
    }

    /// <summary>
    /// What identifies one version of a regular file on Linux, from one <c>statx</c> that does not follow links:
    /// device, inode, length, and the modification and change times in nanoseconds. Any write, truncation,
    /// <c>touch</c>, <c>chmod</c> or replacement changes one of them (the change time cannot be set back by a user).
    /// Null when the path is missing, is not a regular file (a link, a directory, a device), or elsewhere than Linux.
    /// </summary>
    public static FileIdentity? Identify(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[StatxSize];
        try
        {
            if (Statx(AtFdCwd, path, SymlinkNoFollow, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return null;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        var mask = BitConverter.ToUInt32(buffer);
        var mode = BitConverter.ToUInt16(buffer[StatxModeOffset..]) & FileTypeMask;
        if ((mask & IdentityFields) != IdentityFields || mode != RegularBits)
        {
            return null;
        }

        var device = ((long)BitConverter.ToUInt32(buffer[136..]) << 32) | BitConverter.ToUInt32(buffer[140..]);
        return new FileIdentity(device, (long)BitConverter.ToUInt64(buffer[32..]), (long)BitConverter.ToUInt64(buffer[40..]), Nanoseconds(buffer[112..]), Nanoseconds(buffer[96..]));
    }

    private static long Nanoseconds(ReadOnlySpan<byte> timestamp) => (BitConverter.ToInt64(timestamp) * 1_000_000_000L) + BitConverter.ToUInt32(timestamp[8..]);

    /// <summary>True when a process with this id runs on this machine (or may: when the check is not possible).</summary>
    public static bool IsProcessAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        try
        {
            // Signal 0 checks existence only; EPERM means it exists but belongs to another user.
            return Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() != NoSuchProcess;
        }
        catch (EntryPointNotFoundException)
        {
            return true;
        }
    }

    /// <summary>
    /// Makes a rename in <paramref name="directory"/> durable. Best effort: the file's own data was
    /// already fsynced, and a lost rename only means the object is fetched again.
    /// </summary>
    public static void FsyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            var fd = Open(directory, ReadOnly);
            if (fd < 0)
            {
                return;
            }

            _ = Fsync(fd);
            _ = Close(fd);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
