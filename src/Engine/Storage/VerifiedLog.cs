using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Reel.Engine.Storage;

/// <summary>
/// The store's record of objects whose content hashed to their name: <c>&lt;store&gt;/verified.tsv</c>, one line per
/// verification (hash, device, inode, length, modification and change time in nanoseconds), appended, the last line
/// of a hash winning. An object whose file still has exactly that identity is served without being read again, as
/// git's index trusts a file whose stat data is unchanged; any write, truncation, <c>touch</c> or replacement changes
/// the identity, and the object is hashed again. Linux only (the identity comes from <c>statx</c>); elsewhere an object
/// is hashed once per process. A lost or damaged line only costs a hash.
/// </summary>
internal sealed partial class VerifiedLog
{
    /// <summary>The file's name in the store root.</summary>
    public const string FileName = "verified.tsv";

    /// <summary>
    /// An identity whose change time is this close to now is not recorded: a file system's clock ticks coarsely, so a
    /// write in the same tick as the verification could leave the identity as it was (git calls this "racy").
    /// </summary>
    private static readonly long RacyNs = TimeSpan.FromSeconds(2).Ticks * 100;

    private static readonly ConcurrentDictionary<string, VerifiedLog> ByPath = new(StringComparer.Ordinal);
    private const string Heading = "# reel verified objects: sha256, device, inode, length, mtime ns, ctime ns\n";
    private const int WriteOnlyAppend = 0x1 | 0x400 | 0x80000; // O_WRONLY | O_APPEND | O_CLOEXEC on Linux

    private readonly string _path;
    private readonly string _tempDirectory;
    private readonly Lazy<Dictionary<string, FileIdentity>> _entries;
    private readonly Lock _gate = new();
    private int _fd = -1;

    private VerifiedLog(string root, string tempDirectory)
    {
        _path = Path.Combine(root, FileName);
        _tempDirectory = tempDirectory;
        _entries = new Lazy<Dictionary<string, FileIdentity>>(Load);
    }

    /// <summary>The log of the store at <paramref name="root"/> (one per store and process).</summary>
    public static VerifiedLog For(string root, string tempDirectory) => ByPath.GetOrAdd(root, r => new VerifiedLog(r, tempDirectory));

    /// <summary>Drops this process's copy of the log at <paramref name="root"/>: the next question reads the file again.</summary>
    public static void Forget(string root) => ByPath.TryRemove(root, out _);

    /// <summary>Reads the file now, so the first question does not wait for it.</summary>
    public void Preload()
    {
        lock (_gate)
        {
            _ = _entries.Value;
        }
    }

    /// <summary>True when the object <paramref name="sha256"/> was verified while its file had exactly this identity.</summary>
    public bool Vouches(string sha256, FileIdentity identity)
    {
        lock (_gate)
        {
            return _entries.Value.TryGetValue(sha256, out var seen) && seen == identity;
        }
    }

    /// <summary>Records that <paramref name="sha256"/> hashed to its name with this identity (not when the identity is racy, or not Linux's).</summary>
    public void Record(string sha256, FileIdentity identity, DateTimeOffset now)
    {
        if (!OperatingSystem.IsLinux() || identity.ChangedNs > (now.ToUnixTimeMilliseconds() * 1_000_000L) - RacyNs)
        {
            return;
        }

        lock (_gate)
        {
            var entries = _entries.Value;
            if (entries.TryGetValue(sha256, out var seen) && seen == identity)
            {
                return;
            }

            entries[sha256] = identity;
            Append(Line(sha256, identity));
        }
    }

    private static string Line(string sha256, FileIdentity i) => string.Create(CultureInfo.InvariantCulture, $"{sha256}\t{i.Device}\t{i.Inode}\t{i.Length}\t{i.ModifiedNs}\t{i.ChangedNs}\n");

    private void Append(string line)
    {
        try
        {
            if (_fd < 0)
            {
                if (!File.Exists(_path))
                {
                    WriteWhole(Heading);
                }

                _fd = Open(_path, WriteOnlyAppend);
                if (_fd < 0)
                {
                    return;
                }
            }

            // One write of the whole line with O_APPEND: concurrent writers' lines do not overwrite each other.
            var bytes = Encoding.ASCII.GetBytes(line);
            _ = Write(_fd, bytes, bytes.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            // Only a cache: the object is hashed again next time.
        }
    }

    private Dictionary<string, FileIdentity> Load()
    {
        var entries = new Dictionary<string, FileIdentity>(StringComparer.Ordinal);
        if (!OperatingSystem.IsLinux())
        {
            return entries;
        }

        var lines = 0;
        try
        {
            foreach (var line in File.ReadLines(_path))
            {
                lines++;
                if (Parse(line) is { } entry)
                {
                    entries[entry.Sha256] = entry.Identity;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return entries;
        }

        if (lines > (2 * entries.Count) + 1024)
        {
            // Mostly lines of objects verified again: rewritten with the last line of each.
            WriteWhole(Heading + string.Concat(entries.Select(e => Line(e.Key, e.Value))));
        }

        return entries;
    }

    private static (string Sha256, FileIdentity Identity)? Parse(string line)
    {
        var f = line.Split('\t');
        if (f.Length != 6 || f[0].Length != 64 || !ObjectStore.IsSha256(f[0]) || f[0].Any(char.IsAsciiLetterUpper))
        {
            return null;
        }

        var n = new long[5];
        for (var i = 0; i < 5; i++)
        {
            if (!long.TryParse(f[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out n[i]))
            {
                return null;
            }
        }

        return (f[0], new FileIdentity(n[0], n[1], n[2], n[3], n[4]));
    }

    private void WriteWhole(string text)
    {
        var temp = Path.Combine(_tempDirectory, $"{TempFiles.Unique()}.verified");
        try
        {
            Directory.CreateDirectory(_tempDirectory);
            File.WriteAllText(temp, text);
            File.Move(temp, _path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte[] buffer, nint count);
}
