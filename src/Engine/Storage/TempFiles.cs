using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Reel.Engine.Storage;

/// <summary>
/// Names of the temporary files Reel writes beside their targets, and the sweep that removes those a killed
/// process left. A name carries its writer's process id and a tag of its machine, so a sweep removes only the
/// files of writers that are gone: a concurrent run's files are left alone. A file of another machine (a store
/// shared over the network) or of an older Reel, whose name carries no writer, is stale after a day without
/// a write.
/// </summary>
public static partial class TempFiles
{
    /// <summary>How long a temp file whose writer cannot be asked must sit unwritten before it is removed.</summary>
    public static readonly TimeSpan UnknownWriterAge = TimeSpan.FromDays(1);

    private const string LocalHost = "local";

    private static readonly string Host = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Environment.MachineName)))[..8];

    /// <summary>"&lt;guid&gt;.&lt;pid&gt;-&lt;host&gt;": the unique middle of a temp file's name, naming its writer.</summary>
    public static string Unique() => $"{Guid.NewGuid():N}.{Environment.ProcessId}-{Host}";

    /// <summary>The temp file beside <paramref name="fullPath"/> that is renamed over it: <c>.name.&lt;unique&gt;.tmp</c>.</summary>
    public static string Beside(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Unique()}.tmp");

    /// <summary>True when <paramref name="fileName"/> has the shape of a temp file Reel writes (with or without a writer).</summary>
    public static bool IsTempName(string fileName) => TempName().IsMatch(fileName);

    /// <summary>True when the temp file at <paramref name="path"/> belongs to no live writer.</summary>
    public static bool IsStale(string path, DateTimeOffset now)
    {
        var name = Path.GetFileName(path);
        if (!IsTempName(name))
        {
            return false;
        }

        // The first writer named wins: a temp file written beside another (ffmpeg's beside the workshop's) carries its tag.
        var writer = WriterTag().Match(name);
        if (writer.Success && (writer.Groups["host"].Value == Host || writer.Groups["host"].Value == LocalHost)
            && int.TryParse(writer.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return pid != Environment.ProcessId && !NativeFile.IsProcessAlive(pid);
        }

        return now - File.GetLastWriteTimeUtc(path) > UnknownWriterAge;
    }

    /// <summary>
    /// Removes the stale temp files directly in <paramref name="directory"/> (and below it when
    /// <paramref name="recursive"/>); <paramref name="everyFile"/> treats every file as a temp file (the store's
    /// <c>tmp/</c>); <paramref name="prefix"/> limits the sweep to names that start with it. Links are not followed. Returns how many were removed; a file that cannot be removed is left.
    /// </summary>
    public static int Sweep(string directory, DateTimeOffset now, bool recursive = false, bool everyFile = false, string prefix = "")
    {
        if (!Directory.Exists(directory) || ProjectFiles.IsLink(directory))
        {
            return 0;
        }

        var removed = 0;
        // Links are neither removed nor entered: a temp file is a regular file Reel wrote.
        foreach (var entry in DirectoryWalk.Walk(directory, _ => recursive))
        {
            if (entry.Kind is EntryKind.Directory or EntryKind.Link || !entry.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var stale = IsTempName(entry.Name) ? IsStale(entry.Path, now) : everyFile && now - File.GetLastWriteTimeUtc(entry.Path) > UnknownWriterAge;
            if (stale && TryDelete(entry.Path))
            {
                removed++;
            }
        }

        return removed;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    // A 32-hex GUID, then optionally ".<pid>-<host>", then the extensions Reel's writers use.
    [GeneratedRegex(@"[0-9a-f]{32}(\.[0-9]{1,10}-([0-9a-f]{8}|local))?(\.[a-z0-9]{1,8})?\.(tmp|part|partial)(\.[a-z0-9]{1,4})?$", RegexOptions.CultureInvariant)]
    private static partial Regex TempName();

    // "local" is the host of files in this machine's own temp folder (Media names them without knowing the host tag).
    [GeneratedRegex(@"[0-9a-f]{32}\.(?<pid>[0-9]{1,10})-(?<host>[0-9a-f]{8}|local)", RegexOptions.CultureInvariant)]
    private static partial Regex WriterTag();
}
