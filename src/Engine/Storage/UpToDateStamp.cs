using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Reel.Engine.Storage;

/// <summary>A file as the stamp saw it: full path, length and last-write time.</summary>
public sealed record StampedFile(string Path, long Length, long Ticks)
{
    public static StampedFile Of(string path) => Of(path, known: false);

    /// <summary>
    /// The file at <paramref name="path"/> as this process last found it when <paramref name="known"/> and the store
    /// saw it at a run's end (<see cref="ObjectStore.LastSeen"/>), else as it is now.
    /// </summary>
    internal static StampedFile Of(string path, bool known)
    {
        // A regular file on Linux: one statx (a stamp holds thousands of files); anything else as .NET sees it, links followed.
        var full = System.IO.Path.GetFullPath(path);
        if (((known ? ObjectStore.LastSeen(full) : null) ?? NativeFile.Identify(full)) is { } identity)
        {
            return new StampedFile(full, identity.Length, DateTime.UnixEpoch.Ticks + (identity.ModifiedNs / 100));
        }

        var info = new FileInfo(full);
        return new StampedFile(info.FullName, info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc.Ticks : 0);
    }

    public bool IsCurrent() => Of(Path) == this;
}

/// <summary>One step of a complete run as its lock entry records it, and where it was exported.</summary>
public sealed record StampedStep(string Id, string Kind, string? Job, string? Sha256, string? Export, decimal Cost);

/// <summary>
/// <c>.reel/uptodate.tsv</c>: the record of the last complete, successful run — every file it read (script,
/// includes, inputs, lock) and wrote (store objects, <c>out/</c> files) by path, length and last-write time,
/// as make and ninja do, and each step as the lock recorded it. While none of those files changed, a rerun
/// can only find every step cached, so <c>reel run</c> answers from the stamp without compiling the script.
/// Tab-separated lines: reading this file is all a no-op rerun does, and a line reader starts far faster than
/// a serializer in a fresh process.
/// </summary>
public sealed record UpToDateStamp(
    string? ProviderOverride,
    bool AllowOutside,
    string StoreRoot,
    ImmutableArray<StampedFile> Inputs,
    ImmutableArray<StampedFile> Outputs,
    ImmutableArray<StampedStep> Steps)
{
    public const string FileName = "uptodate.tsv";

    private const int FormatVersion = 2;

    /// <summary>Identifies this build of the engine; any rebuild invalidates every stamp.</summary>
    private static string EngineVersion => typeof(UpToDateStamp).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    public static string PathIn(string reelDirectory) => System.IO.Path.Combine(reelDirectory, FileName);

    /// <summary>Removes the stamp (and the JSON-named file an earlier version kept beside it).</summary>
    public static void Remove(string path)
    {
        File.Delete(path);
        File.Delete(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, "uptodate.json"));
    }

    public void Write(string path)
    {
        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 14))
        {
            WriteTo(writer);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The stamp's lines, written as they are made: a large run's stamp is never one string.</summary>
    private void WriteTo(TextWriter writer)
    {
        Line(writer, "reel-uptodate", FormatVersion.ToString(CultureInfo.InvariantCulture));
        Line(writer, "engine", EngineVersion);
        Line(writer, "override", ProviderOverride ?? "");
        Line(writer, "allow-outside", AllowOutside ? "1" : "0");
        Line(writer, "store", StoreRoot);
        WriteFiles(writer, "in", Inputs);
        WriteFiles(writer, "out", Outputs);
        foreach (var st in Steps)
        {
            writer.Write("step\t");
            writer.Write(st.Id);
            writer.Write('\t');
            writer.Write(st.Kind);
            writer.Write('\t');
            writer.Write(st.Job ?? "");
            writer.Write('\t');
            writer.Write(st.Sha256 ?? "");
            writer.Write('\t');
            writer.Write(st.Cost.ToString(CultureInfo.InvariantCulture));
            writer.Write('\t');
            writer.Write(st.Export ?? "");
            writer.Write('\n');
        }
    }

    private static void Line(TextWriter writer, string name, string value)
    {
        writer.Write(name);
        writer.Write('\t');
        writer.Write(value);
        writer.Write('\n');
    }

    private static void WriteFiles(TextWriter writer, string tag, ImmutableArray<StampedFile> files)
    {
        Span<char> number = stackalloc char[24];
        foreach (var f in files)
        {
            writer.Write(tag);
            writer.Write('\t');
            _ = f.Ticks.TryFormat(number, out var written, default, CultureInfo.InvariantCulture);
            writer.Write(number[..written]);
            writer.Write('\t');
            _ = f.Length.TryFormat(number, out written, default, CultureInfo.InvariantCulture);
            writer.Write(number[..written]);
            writer.Write('\t');
            writer.Write(f.Path);
            writer.Write('\n');
        }
    }

    /// <summary>
    /// The stamp at <paramref name="path"/>, if it was written by this engine for the same script, provider
    /// override, path rule and store, and no file it covers has changed since; otherwise null.
    /// </summary>
    public static UpToDateStamp? ReadIfCurrent(string path, string scriptPath, string? providerOverride, bool allowOutside, string storeRoot)
    {
        string[] lines;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        var inputs = ImmutableArray.CreateBuilder<StampedFile>();
        var outputs = ImmutableArray.CreateBuilder<StampedFile>();
        var steps = ImmutableArray.CreateBuilder<StampedStep>();
        foreach (var line in lines)
        {
            var f = line.Split('\t');
            switch (f[0])
            {
                case "in" or "out" when f.Length == 4
                    && long.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks)
                    && long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var length):
                    var file = new StampedFile(f[3], length, ticks);
                    if (!file.IsCurrent())
                    {
                        return null;
                    }

                    (f[0] == "in" ? inputs : outputs).Add(file);
                    break;
                case "step" when f.Length == 7 && decimal.TryParse(f[5], NumberStyles.Number, CultureInfo.InvariantCulture, out var cost):
                    steps.Add(new StampedStep(f[1], f[2], Null(f[3]), Null(f[4]), Null(f[6]), cost));
                    break;
                case "reel-uptodate" or "engine" or "override" or "allow-outside" or "store" when f.Length == 2:
                    header[f[0]] = f[1];
                    break;
                default:
                    return null;
            }
        }

        var valid = header.GetValueOrDefault("reel-uptodate") == FormatVersion.ToString(CultureInfo.InvariantCulture)
            && header.GetValueOrDefault("engine") == EngineVersion
            && header.GetValueOrDefault("allow-outside") == (allowOutside ? "1" : "0")
            && header.GetValueOrDefault("store") == storeRoot
            && Null(header.GetValueOrDefault("override")) == providerOverride
            && steps.Count > 0
            && inputs.Any(i => i.Path == System.IO.Path.GetFullPath(scriptPath));
        return valid ? new UpToDateStamp(providerOverride, allowOutside, storeRoot, inputs.ToImmutable(), outputs.ToImmutable(), steps.ToImmutable()) : null;
    }

    private static string? Null(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
