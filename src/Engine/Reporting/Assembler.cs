using System.Collections.Immutable;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Reporting;

/// <summary>One exported file in <c>out/</c>.</summary>
public sealed record ExportedFile(string StepId, string Path);

/// <summary>
/// Assemble stage: exports every finished clip and cut from the store to human-named files under
/// <c>out/</c>, writes the contact sheet, and tidies the lock.
/// </summary>
public static class Assembler
{
    public static ImmutableArray<ExportedFile> Assemble(Plan plan, RunResult result, Workspace workspace, ObjectStore store, ScriptLock finalLock, bool pruneLock, IReadOnlySet<string>? alsoKeep = null)
    {
        var exported = ImmutableArray.CreateBuilder<ExportedFile>();
        foreach (var step in plan.Steps)
        {
            var r = result.Find(step.Id);
            if (r?.Output is not { } sha || r.Outcome is not (StepOutcome.Done or StepOutcome.Reused or StepOutcome.Cached) || !store.Contains(sha))
            {
                continue;
            }

            var target = step.Request is CutStep cut
                ? Path.Combine(workspace.Directory, cut.Output)
                : Path.Combine(workspace.Directory, OutputPaths.ShotExport(step.Id));
            Export(store, sha, target);
            exported.Add(new ExportedFile(step.Id, target));
            if (r.Thumbnail is { } thumb && store.Contains(thumb))
            {
                Export(store, thumb, OutputPaths.Thumbnail(target));
            }
        }

        if (pruneLock)
        {
            // alsoKeep: the steps of the script's other profiles, whose results stay for when they are chosen again.
            var ids = plan.Steps.Select(s => s.Id.Text).Concat(alsoKeep ?? ImmutableHashSet<string>.Empty).ToHashSet(StringComparer.Ordinal);
            var pruned = finalLock.Entries.Where(e => !ids.Contains(e.Step)).Aggregate(finalLock, (l, e) => l.Without(e.Step));
            if (!pruned.Equals(finalLock) || !File.Exists(workspace.LockPath))
            {
                LockFile.Write(workspace.LockPath, pruned);
            }
        }

        ContactSheet.Write(plan, result, workspace, exported.ToImmutable());
        return exported.ToImmutable();
    }

    private static void Export(ObjectStore store, string sha, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        store.Export(sha, target);
    }
}
