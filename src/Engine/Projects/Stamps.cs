using System.Collections.Immutable;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Reporting;
using Reel.Engine.Storage;

namespace Reel.Engine.Projects;

/// <summary>
/// Between a run and its <see cref="UpToDateStamp"/>: the stamp of a complete run is taken from the lock the run
/// left (so the two cannot disagree), and a no-op rerun is answered from the stamp.
/// </summary>
internal static class Stamps
{
    /// <summary>The stamp of a complete, successful run; null if a step is missing from the lock.</summary>
    public static UpToDateStamp? Capture(Plan plan, ScriptLock finalLock, IReadOnlyList<ExportedFile> exported, Workspace workspace, ObjectStore store, string storeRoot, string? setting, bool allowOutside)
    {
        var entries = plan.Steps.Select(s => finalLock.ForStep(s.Id, s.Key)).ToList();
        if (entries.Any(e => e is null))
        {
            return null;
        }

        var script = plan.Script.Script;
        string[] inputPaths =
        [
            .. new[] { script.ScriptPath, workspace.LockPath }
                .Concat(script.IncludedFiles)
                .Concat(plan.Steps.SelectMany(s => s.Request.Inputs).Select(i => i.Path))
                .Distinct(StringComparer.Ordinal),
        ];
        var exports = exported.ToDictionary(e => e.StepId, e => e.Path, StringComparer.Ordinal);
        var byId = plan.Steps.ToDictionary(s => s.Id.Text, StringComparer.Ordinal);
        string[] outputPaths =
        [
            .. entries
                .SelectMany(e => new[] { e!.Output, e.Thumbnail, e.Spritesheet })
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .Select(store.PathOf)
                .Concat(exported.Select(e => e.Path))
                .Concat(exported.Where(e => byId.GetValueOrDefault(e.StepId) is { } p && finalLock.ForStep(p.Id, p.Key)?.Thumbnail is not null).Select(e => Path.ChangeExtension(e.Path, ".thumb.webp")))
                .Append(ContactSheet.PathFor(workspace)),
        ];
        var inputs = new StampedFile[inputPaths.Length];
        var outputs = new StampedFile[outputPaths.Length];
        // A stat per file, thousands for a large run: on two threads.
        Core.Halves.For(inputPaths.Length + outputPaths.Length, i =>
        {
            if (i < inputPaths.Length)
            {
                inputs[i] = StampedFile.Of(inputPaths[i]);
            }
            else
            {
                // What Reel wrote: the store saw each object and export as it should be moments ago (ObjectStore.LastSeen).
                outputs[i - inputPaths.Length] = StampedFile.Of(outputPaths[i - inputPaths.Length], known: true);
            }
        });
        var steps = plan.Steps.Zip(entries, (p, e) =>
            new StampedStep(p.Id, p.Request.Kind.ToString().ToLowerInvariant(), e!.Job, e.Output, exports.GetValueOrDefault(p.Id), e.Cost));
        return new UpToDateStamp(setting, allowOutside, storeRoot, [.. inputs], [.. outputs], [.. steps]);
    }

    /// <summary>The report of a full no-op rerun: every step cached, as the stamp recorded it.</summary>
    public static RunReport Report(UpToDateStamp stamp, Workspace workspace)
    {
        var result = new RunResult([.. stamp.Steps.Select(s => new StepResult(s.Id, StepOutcome.Cached, s.Job, s.Sha256))], RunStop.Completed, null);
        var cuts = stamp.Steps.Where(s => s.Kind == nameof(StepKind.Cut).ToLowerInvariant()).Select(s => s.Id).ToImmutableArray();
        var exported = stamp.Steps.Where(s => s.Export is not null).Select(s => new ExportedFile(s.Id, s.Export!)).ToImmutableArray();
        return new RunReport(result, cuts, exported, ContactSheet.PathFor(workspace));
    }
}
