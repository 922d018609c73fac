using System.Collections.Immutable;
using System.Globalization;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
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
    /// <summary>Copies in flight at once at the end of a run: enough to overlap their flushes, few enough for a small disk.</summary>
    private const int ExportParallelism = 8;

    /// <summary>Assembles without making thumbnails; the sheet shows the plan's steps only.</summary>
    public static ImmutableArray<ExportedFile> Assemble(Plan plan, RunResult result, Workspace workspace, ObjectStore store, ScriptLock finalLock, bool pruneLock, IReadOnlySet<string>? alsoKeep = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(result);
        return Finish(plan, SheetBuilder.Build(plan, result, finalLock, store, workspace, DerivedImagesFound.None, Summary(result)), workspace, store, finalLock, pruneLock, alsoKeep);
    }

    /// <summary>
    /// Exports this run's clips, prunes the lock, then writes the contact sheet of the whole storyboard
    /// (<paramref name="fullPlan"/>: steps a <c>--only</c> run or Ctrl+C left show their latest locked clip), making a
    /// thumbnail and a spritesheet with ffmpeg for every clip whose provider serves none (skipped once cancelled).
    /// </summary>
    /// <remarks>A task of a list, not of an <see cref="ImmutableArray{T}"/>: a task of a struct was JIT-compiled in every cold process.</remarks>
    public static async Task<IReadOnlyList<ExportedFile>> AssembleAsync(
        Plan plan,
        Plan fullPlan,
        RunResult result,
        Workspace workspace,
        ObjectStore store,
        ScriptLock finalLock,
        bool pruneLock,
        IReadOnlyDictionary<string, string?> environment,
        IReadOnlySet<string>? alsoKeep = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fullPlan);
        ArgumentNullException.ThrowIfNull(result);
        var bare = SheetBuilder.Build(fullPlan, result, finalLock, store, workspace, DerivedImagesFound.None, Summary(result));
        var clips = bare.Entries.Where(e => e.Clip is not null && e.Step.Request.Kind != StepKind.Character).ToList();
        // Side by side: each is an ffmpeg run or two per clip, and a watch waits for them after every save.
        var thumbnails = Thumbnails.EnsureAsync(
            clips.Where(e => e.Thumbnail is null).Select(e => new PictureSource(e.Clip!, SheetBuilder.ClipSize(e.Step.Request))),
            store, environment, cancellationToken);
        var spritesheets = Spritesheets.EnsureAsync(
            clips.Where(e => e.Spritesheet is null).Select(e => new PictureSource(e.Clip!, SheetBuilder.ClipSize(e.Step.Request))),
            store, environment, cancellationToken);
        await Task.WhenAll(thumbnails, spritesheets).ConfigureAwait(false);
        var derived = new DerivedImagesFound(await thumbnails.ConfigureAwait(false), await spritesheets.ConfigureAwait(false));
        return Finish(plan, SheetBuilder.WithDerived(bare, derived, store), workspace, store, finalLock, pruneLock, alsoKeep);
    }

    private static ImmutableArray<ExportedFile> Finish(Plan plan, Sheet sheet, Workspace workspace, ObjectStore store, ScriptLock finalLock, bool pruneLock, IReadOnlySet<string>? alsoKeep)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(finalLock);
        var exported = ImmutableArray.CreateBuilder<ExportedFile>();
        var ran = plan.Steps.Select(s => s.Id.Text).ToHashSet(StringComparer.Ordinal);
        var copies = new List<ExportCopy>();
        var directory = workspace.Directory;
        foreach (var entry in sheet.Entries)
        {
            if (entry.Clip is not { } sha)
            {
                continue;
            }

            var target = Path.Combine(directory, entry.Export);
            copies.Add(new ExportCopy(sha, target));
            if (entry.ThumbnailExport is { } thumbPath && entry.Thumbnail is { } thumb)
            {
                copies.Add(new ExportCopy(thumb, Path.Combine(directory, thumbPath)));
            }

            if (entry.SpritesheetExport is { } spritePath && entry.Spritesheet is { } sprite)
            {
                copies.Add(new ExportCopy(sprite, Path.Combine(directory, spritePath)));
            }

            // The run's own outputs; steps shown from the lock are exported for the sheet only.
            if (ran.Contains(entry.Step.Id) && entry.Result is { Outcome: StepOutcome.Done or StepOutcome.Reused or StepOutcome.Cached })
            {
                exported.Add(new ExportedFile(entry.Step.Id, target));
            }
        }

        ExportAll(store, copies, directory);

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

        ContactSheet.Write(sheet, workspace);
        return exported.ToImmutable();
    }

    /// <summary>The header's line about the run: what it spent and how each step ended.</summary>
    public static string Summary(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return $"spent {PlanText.Money(result.Spent)} · {Count(result, StepOutcome.Done)} rendered, {Count(result, StepOutcome.Reused)} reused, "
            + $"{Count(result, StepOutcome.Cached)} cached, {Count(result, StepOutcome.Failed)} failed, {Count(result, StepOutcome.Skipped)} skipped";
    }

    private static string Count(RunResult result, StepOutcome outcome) =>
        result.Steps.Count(s => s.Shown == outcome).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Copies the files that are not already faithful copies, side by side: each copy is flushed to disk before it is
    /// renamed into place, and those flushes overlap instead of queueing one behind the other (a run's end waited ~10 ms
    /// per file for them). Where two copies name one target, the later one is the one that stays, as when they were made
    /// one after the other. A no-op rerun only looks at each file once and copies nothing.
    /// </summary>
    private static void ExportAll(ObjectStore store, List<ExportCopy> copies, string within)
    {
        var last = new Dictionary<string, int>(copies.Count, StringComparer.Ordinal);
        for (var i = 0; i < copies.Count; i++)
        {
            last[copies[i].Target] = i;
        }

        var isStale = new bool[copies.Count];
        Core.Halves.For(copies.Count, i => isStale[i] = last[copies[i].Target] == i && !store.IsExported(copies[i].Sha, copies[i].Target));
        var stale = copies.Where((_, i) => isStale[i]).ToList();

        if (stale.Count <= 1)
        {
            // ObjectStore.Export makes the target's folder itself, once it knows the file there is not already the object.
            stale.ForEach(c => store.Export(c.Sha, c.Target, within));
            return;
        }

        try
        {
            Parallel.ForEach(stale, new ParallelOptions { MaxDegreeOfParallelism = ExportParallelism }, c => store.Export(c.Sha, c.Target, within));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // The caller reports a full disk or a missing object as it did when the copies went one by one.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>One file to place in <c>out/</c>: the object <paramref name="Sha"/> copied to <paramref name="Target"/>.</summary>
    private sealed record ExportCopy(string Sha, string Target);
}
