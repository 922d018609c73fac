using System.Runtime.InteropServices;

namespace Reel.Engine.Storage;

/// <summary>POSIX calls .NET does not expose: hard links and directory fsync.</summary>
internal static partial class NativeFile
{
    private const int ReadOnly = 0; // O_RDONLY on Linux and macOS.

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
}
