using System.Buffers;
using System.Globalization;
using System.Text;

namespace Reel.Engine.Storage;

/// <summary>
/// The rules for every file Reel reads or writes on a project's behalf: links are resolved before a path is
/// judged inside or outside the project, only regular files are opened (a device, FIFO or socket may never
/// end or never start), and what is read is capped (docs/files-and-state.md).
/// </summary>
public static class ProjectFiles
{
    /// <summary>The most Reel reads of a script or an included file.</summary>
    public const long MaxYamlBytes = 2L << 20;

    /// <summary>The most Reel reads of an image input.</summary>
    public const long MaxImageBytes = 64L << 20;

    /// <summary>The most Reel reads of any other input (a character video, music).</summary>
    public const long MaxMediaBytes = 2L << 30;

    private const int MaxLinkHops = 40;

    /// <summary>
    /// The absolute <paramref name="path"/> with every link in it resolved, like <c>realpath</c>; the part that does
    /// not exist yet is kept as written. A link loop (or a chain of more than 40 links) is an <see cref="IOException"/>.
    /// </summary>
    public static string ResolveLinks(string path)
    {
        if (!Path.IsPathRooted(path))
        {
            throw new ArgumentException($"'{path}' is not an absolute path.", nameof(path));
        }

        var hops = 0;
        return Resolve(path, Path.GetPathRoot(path)!, ref hops);
    }

    /// <summary>True when <paramref name="path"/>, links resolved, is <paramref name="directory"/> or inside it.</summary>
    public static bool IsWithin(string path, string directory)
    {
        var real = ResolveLinks(path);
        var root = ResolveLinks(directory);
        var prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return real == root || real.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>
    /// The first link found in the tree under <paramref name="folder"/> (links not followed) that leads to a folder
    /// outside <paramref name="project"/>, or that cannot be resolved, with where it leads; null when there is none.
    /// A link to a file is left alone: a copy replaces it rather than writing through it. The fan-out folders of a store
    /// (<c>sha256/ab/</c>) hold only objects and are not listed.
    /// </summary>
    public static (string Link, string Target)? FolderLinkOutside(string folder, string project)
    {
        if (!Directory.Exists(folder) || IsLink(folder))
        {
            return null;
        }

        var root = ResolveLinks(project);
        var prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        // The fan-out folders of a store hold only objects: listed (one may be a link), not entered.
        var links = DirectoryWalk.Walk(folder, e => !Path.GetFileName(e.Directory.AsSpan()).SequenceEqual("sha256"))
            .Where(e => e.Kind == EntryKind.Link)
            .Select(e => e.Path);
        foreach (var link in links)
        {
            string target;
            try
            {
                target = ResolveLinks(link);
            }
            catch (IOException ex)
            {
                return (link, ex.Message);
            }

            if (target != root && !target.StartsWith(prefix, StringComparison.Ordinal) && !File.Exists(target))
            {
                // A folder outside, or nothing yet: a folder Reel makes there would be outside.
                return (link, target);
            }
        }

        return null;
    }

    /// <summary>True when the last component of <paramref name="path"/> is itself a link (dangling or not).</summary>
    public static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>
    /// Why the file at <paramref name="path"/> may not be read, or null when it is a regular file of at most
    /// <paramref name="maxBytes"/> bytes. The reason completes "cannot read 'x': …".
    /// </summary>
    public static string? ReadProblem(string path, long maxBytes)
    {
        switch (NativeFile.TypeOf(path))
        {
            case FileType.Missing:
                return "file not found";
            case FileType.Directory:
                return "it is a directory";
            case FileType.Special:
                return "it is not a regular file (a device, FIFO or socket); Reel reads only regular files";
        }

        var length = new FileInfo(path).Length;
        return length > maxBytes ? $"it is {Size(length)}, over the limit of {Size(maxBytes)} for this kind of file" : null;
    }

    /// <summary>Opens a regular file of at most <paramref name="maxBytes"/> bytes for reading; anything else is an <see cref="IOException"/> saying why.</summary>
    public static FileStream OpenRead(string path, long maxBytes, FileOptions options = FileOptions.SequentialScan)
    {
        if (ReadProblem(path, maxBytes) is { } problem)
        {
            throw new IOException($"cannot read '{Path.GetFileName(path)}': {problem}");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, options);
    }

    /// <summary>The UTF-8 text of a regular file of at most <paramref name="maxBytes"/> bytes; anything else is an <see cref="IOException"/> saying why.</summary>
    public static string ReadText(string path, long maxBytes)
    {
        if (ReadProblem(path, maxBytes) is { } problem)
        {
            throw new IOException(problem);
        }

        // Read at most one byte past the cap: the file may have grown since it was measured. Into a pooled buffer, so
        // reading a large script allocates only its text (no large temporary arrays for the collector to sweep).
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(stream.Length, 0) + 1, maxBytes + 1));
        try
        {
            var total = 0;
            int read;
            while ((read = stream.Read(buffer, total, (int)Math.Min(buffer.Length - total, maxBytes + 1 - total))) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    throw new IOException($"it is over the limit of {Size(maxBytes)} for this kind of file");
                }

                if (total == buffer.Length)
                {
                    // The file grew while it was read: a larger buffer, up to the cap.
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            var bytes = buffer.AsSpan(0, total);
            if (!bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) && !bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) && !bytes.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]))
            {
                // UTF-8, with or without its mark: decoded in one go into the one string (a reader would build it in pieces).
                return Encoding.UTF8.GetString(bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes);
            }

            // A UTF-16 or UTF-32 mark: the reader tells which.
            using var reader = new StreamReader(new MemoryStream(buffer, 0, total, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A byte count as people read it: "2 MB", "64 MB", "2 GB", "512 bytes".</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{(bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture)} GB",
        >= 1L << 20 => $"{(bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture)} MB",
        >= 1L << 10 => $"{(bytes / (double)(1L << 10)).ToString("0.#", CultureInfo.InvariantCulture)} KB",
        _ => $"{bytes} bytes",
    };

    /// <summary>Walks <paramref name="path"/> component by component, as the OS does: ".." after a link leaves the link's target.</summary>
    private static string Resolve(string path, string from, ref int hops)
    {
        var full = Path.IsPathRooted(path) ? path : Path.Combine(from, path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                {
                    throw new IOException($"too many levels of links at '{next}'");
                }

                current = Resolve(target, current, ref hops);
            }
            else
            {
                current = next;
            }
        }

        return current;
    }
}
