using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;

namespace Reel.Engine.Execution;

/// <summary>A file as the stamp saw it: path, length and last-write time.</summary>
public sealed record StampedFile(string Path, long Length, long Ticks)
{
    public static StampedFile Of(string path)
    {
        var info = new FileInfo(path);
        return new StampedFile(info.FullName, info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc.Ticks : 0);
    }

    public bool IsCurrent() => Of(Path) == this;
}

/// <summary>One step of a finished run, as a no-op rerun reports it.</summary>
public sealed record StampedStep(string Id, string Kind, string? Job, string? Sha256, string? Export, decimal Cost);

/// <summary>
/// The record of a complete, successful run: every file it read (script, includes, assets, lock)
/// and wrote (store objects, out/ exports), by path, length and last-write time, as make and ninja
/// do. When nothing of it changed, a rerun can only find every step cached, so <c>reel run</c>
/// answers from the stamp without loading the engine's heavier parts.
/// </summary>
public sealed record UpToDate(
    int Version,
    string Engine,
    string? ProviderOverride,
    bool AllowOutside,
    string StoreRoot,
    ImmutableArray<StampedFile> Inputs,
    ImmutableArray<StampedFile> Outputs,
    ImmutableArray<StampedStep> Steps)
{
    public const int FormatVersion = 1;

    /// <summary>Identifies this build of the engine; any rebuild invalidates every stamp.</summary>
    public static string EngineVersion => typeof(UpToDate).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    public static string PathFor(Workspace workspace) => System.IO.Path.Combine(workspace.ReelDirectory, "uptodate.json");

    /// <summary>Builds the stamp after a complete run; call it after the lock and out/ are written.</summary>
    public static UpToDate Capture(Plan plan, RunResult result, Workspace workspace, string storeRoot, string? providerOverride, bool allowOutside, IReadOnlyList<Reporting.ExportedFile> exported)
    {
        var script = plan.Script.Script;
        var inputs = new[] { script.ScriptPath, workspace.LockPath }
            .Concat(script.IncludedFiles)
            .Concat(plan.Steps.SelectMany(s => s.Request.Inputs).Select(i => i.Path))
            .Distinct(StringComparer.Ordinal)
            .Select(StampedFile.Of)
            .ToImmutableArray();
        var store = new Storage.ObjectStore(storeRoot);
        var outputs = result.Steps
            .SelectMany(s => new[] { s.Output, s.Thumbnail, s.Spritesheet })
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Select(sha => StampedFile.Of(store.PathOf(sha)))
            .Concat(exported.Select(e => StampedFile.Of(e.Path)))
            .Concat(exported.Where(e => result.Find(e.StepId)?.Thumbnail is not null).Select(e => StampedFile.Of(System.IO.Path.ChangeExtension(e.Path, ".thumb.webp"))))
            .Append(StampedFile.Of(System.IO.Path.Combine(workspace.OutDirectory, "report.html")))
            .ToImmutableArray();
        var exports = exported.ToDictionary(e => e.StepId, e => e.Path, StringComparer.Ordinal);
        var steps = plan.Steps.Select(p =>
        {
            var r = result.Find(p.Id)!;
            return new StampedStep(p.Id, p.Request.Kind.ToString().ToLowerInvariant(), r.Job, r.Output, exports.GetValueOrDefault(p.Id), r.Cost);
        }).ToImmutableArray();
        return new UpToDate(FormatVersion, EngineVersion, providerOverride, allowOutside, storeRoot, inputs, outputs, steps);
    }

    public void Write(Workspace workspace)
    {
        // Tab-separated lines rather than JSON: reading this file is all a no-op rerun does, and a
        // line reader starts far faster than a serializer in a fresh process.
        var sb = new StringBuilder();
        sb.Append("reel-uptodate\t").Append(Version.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("engine\t").Append(Engine).Append('\n');
        sb.Append("override\t").Append(ProviderOverride ?? "").Append('\n');
        sb.Append("allow-outside\t").Append(AllowOutside ? "1" : "0").Append('\n');
        sb.Append("store\t").Append(StoreRoot).Append('\n');
        foreach (var (tag, files) in new[] { ("in", Inputs), ("out", Outputs) })
        {
            foreach (var f in files)
            {
                sb.Append(tag).Append('\t').Append(f.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\t')
                    .Append(f.Length.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(f.Path).Append('\n');
            }
        }

        foreach (var st in Steps)
        {
            sb.Append("step\t").Append(st.Id).Append('\t').Append(st.Kind).Append('\t').Append(st.Job ?? "").Append('\t')
                .Append(st.Sha256 ?? "").Append('\t').Append(st.Cost.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(st.Export ?? "").Append('\n');
        }

        var path = PathFor(workspace);
        var temp = path + ".tmp";
        File.WriteAllText(temp, sb.ToString());
        File.Move(temp, path, overwrite: true);
    }

    public static void Remove(Workspace workspace) => File.Delete(PathFor(workspace));

    /// <summary>The stamp, if one exists and nothing it covers has changed since; otherwise null.</summary>
    public static UpToDate? ReadIfCurrent(Workspace workspace, string? providerOverride, bool allowOutside, string storeRoot)
    {
        var path = PathFor(workspace);
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

        var stamp = new UpToDate(
            header.GetValueOrDefault("reel-uptodate") == FormatVersion.ToString(CultureInfo.InvariantCulture) ? FormatVersion : -1,
            header.GetValueOrDefault("engine") ?? "",
            Null(header.GetValueOrDefault("override")),
            header.GetValueOrDefault("allow-outside") == "1",
            header.GetValueOrDefault("store") ?? "",
            inputs.ToImmutable(),
            outputs.ToImmutable(),
            steps.ToImmutable());
        var valid = stamp.Version == FormatVersion
            && stamp.Engine == EngineVersion
            && stamp.AllowOutside == allowOutside
            && stamp.StoreRoot == storeRoot
            && stamp.ProviderOverride == providerOverride
            && stamp.Steps.Length > 0
            && stamp.Inputs.Any(i => i.Path == Path.GetFullPath(workspace.ScriptPath));
        return valid ? stamp : null;
    }

    private static string? Null(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>The run result a full no-op rerun would have produced.</summary>
    public RunResult ToCachedResult() =>
        new([.. Steps.Select(s => new StepResult(s.Id, StepOutcome.Cached, s.Job, s.Sha256, Cost: s.Cost))], RunStop.Completed, null);

    public ImmutableArray<Reporting.ExportedFile> Exports =>
        [.. Steps.Where(s => s.Export is not null).Select(s => new Reporting.ExportedFile(s.Id, s.Export!))];

    public IEnumerable<string> CutIds => Steps.Where(s => s.Kind == nameof(StepKind.Cut).ToLowerInvariant()).Select(s => s.Id);
}
