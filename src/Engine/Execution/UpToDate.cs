using System.Collections.Immutable;
using System.Text.Json;
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

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

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
        var path = PathFor(workspace);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
    }

    public static void Remove(Workspace workspace) => File.Delete(PathFor(workspace));

    /// <summary>The stamp, if one exists and nothing it covers has changed since; otherwise null.</summary>
    public static UpToDate? ReadIfCurrent(Workspace workspace, string? providerOverride, bool allowOutside, string storeRoot)
    {
        UpToDate? stamp;
        try
        {
            var path = PathFor(workspace);
            if (!File.Exists(path))
            {
                return null;
            }

            stamp = JsonSerializer.Deserialize<UpToDate>(File.ReadAllText(path), Json);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (stamp is null
            || stamp.Version != FormatVersion
            || stamp.Engine != EngineVersion
            || stamp.AllowOutside != allowOutside
            || stamp.StoreRoot != storeRoot
            || stamp.ProviderOverride != providerOverride
            || stamp.Inputs.IsDefault || stamp.Outputs.IsDefault || stamp.Steps.IsDefault
            || !stamp.Inputs.Any(i => i.Path == Path.GetFullPath(workspace.ScriptPath))
            || !stamp.Inputs.All(f => f.IsCurrent())
            || !stamp.Outputs.All(f => f.IsCurrent()))
        {
            return null;
        }

        return stamp;
    }

    /// <summary>The run result a full no-op rerun would have produced.</summary>
    public RunResult ToCachedResult() =>
        new([.. Steps.Select(s => new StepResult(s.Id, StepOutcome.Cached, s.Job, s.Sha256, Cost: s.Cost))], RunStop.Completed, null);

    public ImmutableArray<Reporting.ExportedFile> Exports =>
        [.. Steps.Where(s => s.Export is not null).Select(s => new Reporting.ExportedFile(s.Id, s.Export!))];

    public IEnumerable<string> CutIds => Steps.Where(s => s.Kind == nameof(StepKind.Cut).ToLowerInvariant()).Select(s => s.Id);
}
