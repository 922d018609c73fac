using System.Buffers;
using System.Text;
using Reel.Engine.Storage;

namespace Reel.Engine.Reporting;

/// <summary>Where the contact sheet goes and how it is written: <c>out/report.html</c>, left alone when it already holds the page.</summary>
public static partial class ContactSheet
{
    /// <summary>
    /// Where the report of <paramref name="workspace"/>'s script goes: <c>out/report.html</c>, or <c>out/&lt;script&gt;.html</c>
    /// when other storyboards (YAML files with a top-level <c>scenes:</c>) share the folder and so its <c>out/</c>.
    /// </summary>
    public static string PathFor(Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var script = Path.GetFullPath(workspace.ScriptPath);
        var others = Directory.Exists(workspace.Directory)
            && Directory.EnumerateFiles(workspace.Directory)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Where(f => !f.EndsWith(".lock.yaml", StringComparison.OrdinalIgnoreCase) && !string.Equals(Path.GetFullPath(f), script, StringComparison.Ordinal))
                .Any(IsStoryboard);
        return Path.Combine(workspace.OutDirectory, others ? Path.GetFileNameWithoutExtension(script) + ".html" : "report.html");
    }

    private static bool IsStoryboard(string path)
    {
        try
        {
            return File.ReadLines(path).Take(500).Any(l => l.StartsWith("scenes:", StringComparison.Ordinal));
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

    /// <summary>Writes the report from disk, linking the exported files relative to it.</summary>
    public static string Write(Sheet sheet, Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var path = PathFor(workspace);
        Directory.CreateDirectory(workspace.OutDirectory);
        var directory = workspace.Directory;
        var outDirectory = Path.Combine(directory, "out");
        var links = new SheetLinks(file => string.Join('/', RelativeToOut(outDirectory, directory, file)
            .Replace('\\', '/').Split('/').Select(Uri.EscapeDataString)));
        var html = RenderInto(sheet, links);
        if (IsAlready(path, html))
        {
            // A no-op rerun's report is the last one: left as it is, with its time.
            return path;
        }

        var temp = path + ".tmp";
        File.WriteAllText(temp, html.ToString());
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// <paramref name="file"/> (relative to the script's directory) relative to <c>out/</c>: a plain <c>out/…</c> path
    /// (every export but a cut's output elsewhere) loses its prefix, as <see cref="Path.GetRelativePath"/> would say,
    /// without resolving both paths for each of a large sheet's links; anything else is resolved.
    /// </summary>
    internal static string RelativeToOut(string outDirectory, string directory, string file)
    {
        if (file.StartsWith("out/", StringComparison.Ordinal) && IsPlain(file.AsSpan(4)))
        {
            return file[4..];
        }

        return Path.GetRelativePath(outDirectory, Path.Combine(directory, file));
    }

    /// <summary>True for <c>a/b.mp4</c>: no empty, <c>.</c> or <c>..</c> segment, no backslash, no rooted or drive-like part.</summary>
    private static bool IsPlain(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty || path.ContainsAny('\\', ':'))
        {
            return false;
        }

        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment.IsEmpty || segment is "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="path"/> is a regular file holding exactly <paramref name="html"/> in UTF-8 (as it is
    /// written): the page is encoded a slice at a time and compared with the file as it is read, never held whole as bytes.
    /// </summary>
    internal static bool IsAlready(string path, StringBuilder html)
    {
        const int Slice = 16 * 1024;
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null)
        {
            return false;
        }

        var encoded = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(Slice));
        var held = ArrayPool<byte>.Shared.Rent(encoded.Length);
        try
        {
            using var file = File.OpenHandle(path);
            var length = RandomAccess.GetLength(file);
            var encoder = Encoding.UTF8.GetEncoder();
            var offset = 0L;
            bool Same(ReadOnlySpan<char> chars, bool flush)
            {
                var count = encoder.GetBytes(chars, encoded, flush);
                if (offset + count > length)
                {
                    return false;
                }

                var read = 0;
                for (int n; read < count && (n = RandomAccess.Read(file, held.AsSpan(read, count - read), offset + read)) > 0;)
                {
                    read += n;
                }

                offset += count;
                return read == count && held.AsSpan(0, count).SequenceEqual(encoded.AsSpan(0, count));
            }

            foreach (var chunk in html.GetChunks())
            {
                for (var start = 0; start < chunk.Length; start += Slice)
                {
                    if (!Same(chunk.Span.Slice(start, Math.Min(Slice, chunk.Length - start)), flush: false))
                    {
                        return false;
                    }
                }
            }

            return Same([], flush: true) && offset == length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(held);
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }
}
