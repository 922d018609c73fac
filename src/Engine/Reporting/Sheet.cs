using System.Collections.Immutable;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Storage;

namespace Reel.Engine.Reporting;

/// <summary>One step as the contact sheet shows it.</summary>
/// <param name="State">done, reused, cached, failed, skipped, or "not run" (a step this run did not touch).</param>
/// <param name="Earlier">True when the clip shown is the step's latest locked one, not what this run (or the plan) asks for.</param>
/// <param name="Clip">SHA-256 of the clip shown, in the store; null when the step never had one.</param>
/// <param name="Thumbnail">SHA-256 of its thumbnail (the provider's, or one made locally), or null.</param>
/// <param name="Export">Where the clip is exported, relative to the script's directory (<c>out/shots/open.mp4</c>).</param>
/// <param name="Picked">True for the take the script picks (a step with several takes).</param>
public sealed record SheetEntry(
    PlannedStep Step,
    string State,
    bool Earlier,
    string? Clip,
    string? Thumbnail,
    string Export,
    bool Picked,
    StepResult? Result)
{
    /// <summary>Where the thumbnail is exported beside the clip: the provider's keeps its <c>.thumb.webp</c> name, a local one is a PNG.</summary>
    public string? ThumbnailExport { get; init; }

    /// <summary>SHA-256 of the clip's spritesheet (the provider's, or one made locally), or null.</summary>
    public string? Spritesheet { get; init; }

    /// <summary>Where the spritesheet is exported beside the clip (<c>out/shots/open.sprites.jpg</c>).</summary>
    public string? SpritesheetExport { get; init; }

    /// <summary>How the spritesheet lays out its frames (the page scrubs through them under the mouse).</summary>
    public SpriteGrid? SpriteGrid { get; init; }
}

/// <summary>Pictures made locally for clips whose provider serves none, by clip SHA-256: thumbnails and spritesheets.</summary>
public sealed record DerivedImagesFound(IReadOnlyDictionary<string, string> Thumbnails, IReadOnlyDictionary<string, string> Spritesheets)
{
    public static DerivedImagesFound None { get; } = new(new Dictionary<string, string>(), new Dictionary<string, string>());
}

/// <summary>One entry of the script (a scene, continuation, edit or cut) with its takes and matrix cells.</summary>
/// <param name="Axes">The matrix axes, in order (empty without a matrix).</param>
/// <param name="Takes">How many takes each cell has (1 without takes).</param>
public sealed record SheetGroup(string Source, StepKind Kind, ImmutableArray<SheetEntry> Entries, ImmutableArray<string> Axes, int Takes, int Columns);

/// <summary>What the contact sheet shows: every step of the storyboard grouped under its scene.</summary>
public sealed record Sheet(string Title, string ScriptName, string Provider, string Summary, ImmutableArray<SheetGroup> Groups)
{
    public IEnumerable<SheetEntry> Entries => Groups.SelectMany(g => g.Entries);
}

/// <summary>Builds a <see cref="Sheet"/> from a plan of the whole storyboard, this run's result (if any) and the lock.</summary>
public static class SheetBuilder
{
    /// <param name="plan">A plan of every step of the storyboard (not only those a <c>--only</c> run chose).</param>
    /// <param name="result">This run's result, or null for the live page (state from the lock and store alone).</param>
    /// <param name="derived">Locally made thumbnails and spritesheets, by clip SHA-256.</param>
    public static Sheet Build(Plan plan, RunResult? result, ScriptLock scriptLock, ObjectStore store, Workspace workspace, DerivedImagesFound derived, string summary)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(scriptLock);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(derived);
        var script = plan.Script.Script;
        var picks = script.Scenes.Cast<Scripts.StepDecl>().Concat(script.Continuations).Concat(script.Edits)
            .ToDictionary(d => d.Id, d => d, StringComparer.Ordinal);
        var results = new Dictionary<string, StepResult>(StringComparer.Ordinal);
        foreach (var r in result?.Steps ?? [])
        {
            results.TryAdd(r.Id, r);
        }

        // Every entry looks at its files in the store (a stat each, a spritesheet's header): on two threads for a large plan.
        var bySource = plan.Steps.GroupBy(s => s.Request.Source, StringComparer.Ordinal).ToList();
        var declOf = bySource.Select(g => picks.GetValueOrDefault(g.Key)).ToList();
        var steps = new List<PlannedStep>(plan.Steps.Length);
        var groupOf = new List<int>(plan.Steps.Length);
        for (var i = 0; i < bySource.Count; i++)
        {
            foreach (var step in bySource[i])
            {
                steps.Add(step);
                groupOf.Add(i);
            }
        }

        var entries = new SheetEntry[steps.Count];
        Core.Halves.For(steps.Count, i =>
        {
            var step = steps[i];
            var decl = declOf[groupOf[i]];
            var picked = (decl?.Takes ?? 1) > 1 && step.Id.Take == decl!.Pick;
            entries[i] = Entry(step, results.GetValueOrDefault(step.Id.Text), scriptLock, store, derived, picked);
        });

        var groups = ImmutableArray.CreateBuilder<SheetGroup>(bySource.Count);
        var next = 0;
        for (var i = 0; i < bySource.Count; i++)
        {
            var group = bySource[i];
            var decl = declOf[i];
            var count = group.Count();
            var takes = decl?.Takes ?? 1;
            var axes = decl?.Matrix.Select(a => a.Name).ToImmutableArray() ?? [];
            var columns = decl is { Matrix.IsEmpty: false } ? decl.Matrix[^1].Values.Length * takes : Math.Max(1, takes);
            groups.Add(new SheetGroup(group.Key, group.First().Request.Kind, [.. entries.AsSpan(next, count)], axes, takes, columns));
            next += count;
        }

        var title = script.Title ?? Path.GetFileNameWithoutExtension(workspace.ScriptPath);
        return new Sheet(title, Path.GetFileName(workspace.ScriptPath), plan.Script.Provider, summary, groups.ToImmutable());
    }

    private static SheetEntry Entry(PlannedStep step, StepResult? r, ScriptLock scriptLock, ObjectStore store, DerivedImagesFound derived, bool picked)
    {
        var export = step.Request is CutStep cut ? cut.Output.Replace('\\', '/') : OutputPaths.ShotExport(step.Id);
        string? clip = null, thumb = null, sprite = null;
        var earlier = false;
        string state;
        if (r is not null && r.Outcome is StepOutcome.Done or StepOutcome.Reused or StepOutcome.Cached && r.Output is { } output && store.Contains(output))
        {
            (clip, thumb, sprite, state) = (output, r.Thumbnail, r.Spritesheet, r.Status);
        }
        else
        {
            // Not made by this run (not chosen, failed, cancelled): show what the lock knows, newest first.
            var current = scriptLock.ForStep(step.Id, step.Key);
            var entry = current is { Output: { } o } && store.Contains(o) ? current : scriptLock.ForStep(step.Id);
            if (entry?.Output is { } locked && store.Contains(locked))
            {
                (clip, thumb, sprite) = (locked, entry.Thumbnail, entry.Spritesheet);
                earlier = entry.Key != step.Key;
            }

            state = r?.Outcome.ToString().ToLowerInvariant() ?? (clip is not null && !earlier ? "cached" : "not run");
        }

        thumb = thumb is not null && store.Contains(thumb) ? thumb : null;
        string? thumbExport = null;
        if (thumb is not null)
        {
            thumbExport = OutputPaths.Thumbnail(export);
        }
        else if (clip is not null && derived.Thumbnails.TryGetValue(clip, out var made) && store.Contains(made))
        {
            (thumb, thumbExport) = (made, Path.ChangeExtension(export, ".thumb.png"));
        }

        sprite = sprite is not null && store.Contains(sprite) ? sprite
            : clip is not null && derived.Spritesheets.TryGetValue(clip, out var sheet) && store.Contains(sheet) ? sheet : null;
        var grid = sprite is null ? null : SpriteGrid.Of(store.PathOf(sprite), ClipSize(step.Request));
        return new SheetEntry(step, state, earlier, clip, thumb, export, picked, r)
        {
            ThumbnailExport = thumbExport,
            Spritesheet = grid is null ? null : sprite,
            SpritesheetExport = grid is null ? null : Path.ChangeExtension(export, ".sprites.jpg"),
            SpriteGrid = grid,
        };
    }

    /// <summary>
    /// <paramref name="sheet"/> with the pictures made locally since it was built: only entries still without a thumbnail
    /// or a spritesheet, whose clip now has one, are looked at again (a sheet of a large storyboard is built once).
    /// </summary>
    public static Sheet WithDerived(Sheet sheet, DerivedImagesFound derived, ObjectStore store)
    {
        ArgumentNullException.ThrowIfNull(sheet);
        ArgumentNullException.ThrowIfNull(derived);
        ArgumentNullException.ThrowIfNull(store);
        if (derived.Thumbnails.Count == 0 && derived.Spritesheets.Count == 0)
        {
            return sheet;
        }

        var groups = ImmutableArray.CreateBuilder<SheetGroup>(sheet.Groups.Length);
        foreach (var group in sheet.Groups)
        {
            var entries = ImmutableArray.CreateBuilder<SheetEntry>(group.Entries.Length);
            foreach (var entry in group.Entries)
            {
                entries.Add(Derived(entry, derived, store));
            }

            groups.Add(group with { Entries = entries.MoveToImmutable() });
        }

        return sheet with { Groups = groups.MoveToImmutable() };
    }

    private static SheetEntry Derived(SheetEntry entry, DerivedImagesFound derived, ObjectStore store)
    {
        if (entry.Clip is not { } clip)
        {
            return entry;
        }

        if (entry.Thumbnail is null && derived.Thumbnails.TryGetValue(clip, out var made) && store.Contains(made))
        {
            entry = entry with { Thumbnail = made, ThumbnailExport = Path.ChangeExtension(entry.Export, ".thumb.png") };
        }

        if (entry.Spritesheet is null && derived.Spritesheets.TryGetValue(clip, out var sprite) && store.Contains(sprite)
            && SpriteGrid.Of(store.PathOf(sprite), ClipSize(entry.Step.Request)) is { } grid)
        {
            entry = entry with { Spritesheet = sprite, SpritesheetExport = Path.ChangeExtension(entry.Export, ".sprites.jpg"), SpriteGrid = grid };
        }

        return entry;
    }

    /// <summary>The size a step's clip has (a cut's is not known here: 16:9).</summary>
    internal static Core.VideoSize ClipSize(StepRequest request) => request is CutStep ? new Core.VideoSize(16, 9) : StepFacts.Size(request);
}
