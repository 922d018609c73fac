using System.Collections.Immutable;
using Reel.Engine.Planning;
using Reel.Engine.Reporting;

namespace Reel.Engine.Projects;

/// <summary>
/// The live contact sheet <c>reel review</c> serves: the storyboard's state now, from its lock and store, and the only
/// files the page may load (each a store object, named by the project path the page links it as).
/// </summary>
/// <param name="Sheet">The sheet; null when the script does not compile or plan (see <paramref name="Problem"/>).</param>
/// <param name="Files">Project-relative path (<c>out/shots/open.mp4</c>) → the file in the store that holds it.</param>
/// <param name="Problem">What stops the sheet (the script's first error), shown on the page instead.</param>
/// <param name="Watched">The files (script, includes, lock) and the store's objects folder whose changes change the sheet.</param>
public sealed record ReviewSnapshot(Sheet? Sheet, ImmutableDictionary<string, string> Files, string? Problem, ImmutableArray<string> Watched);

/// <summary>Why a pick from the review page was refused, or null when it was written.</summary>
/// <param name="Status">400 for a step that does not exist or cannot be picked (nothing was changed).</param>
public sealed record ReviewPick(bool Succeeded, int Status, string Message);

public sealed partial class Project
{
    /// <summary>The storyboard as the review page shows it now. Writes nothing.</summary>
    public ReviewSnapshot Review()
    {
        var watched = ImmutableArray.Create(Workspace.ScriptPath, Workspace.LockPath, OpenStore().ObjectsDirectory);
        var planned = Plan();
        if (!planned.Succeeded)
        {
            var first = planned.Compilation.Diagnostics.Concat(planned.LockDiagnostics).FirstOrDefault(d => d.Severity == Core.Severity.Error);
            var included = planned.Compilation.Script?.IncludedFiles ?? [];
            return new ReviewSnapshot(null, ImmutableDictionary<string, string>.Empty,
                first is null ? "the script cannot be planned" : $"{first.Location.File}({first.Location.Line},{first.Location.Column}): {first.Code}: {first.Message}",
                watched.AddRange(included));
        }

        var store = OpenStore();
        var plan = planned.Plan!;
        var known = plan.Steps.Select(s => s.Id.Text).ToHashSet(StringComparer.Ordinal);
        var clips = planned.Lock!.Entries.Where(e => known.Contains(e.Step)).Select(e => e.Output).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var derived = new DerivedImagesFound(Found(clips, clip => Thumbnails.Find(store, clip)), Found(clips, clip => Spritesheets.Find(store, clip)));
        var sheet = SheetBuilder.Build(plan, null, planned.Lock!, store, Workspace, derived, "live: updates when the script, the lock or the store change");
        var files = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var entry in sheet.Entries.Where(e => e.Clip is not null))
        {
            files[entry.Export] = store.PathOf(entry.Clip!);
            if (entry.ThumbnailExport is { } thumb && entry.Thumbnail is { } sha)
            {
                files[thumb] = store.PathOf(sha);
            }

            if (entry.SpritesheetExport is { } sprites && entry.Spritesheet is { } spritesSha)
            {
                files[sprites] = store.PathOf(spritesSha);
            }
        }

        return new ReviewSnapshot(sheet, files.ToImmutable(), null, watched.AddRange(plan.Script.Script.IncludedFiles));
    }

    private static Dictionary<string, string> Found(List<string> clips, Func<string, string?> find) =>
        clips.Select(clip => (Clip: clip, Made: find(clip))).Where(x => x.Made is not null).ToDictionary(x => x.Clip, x => x.Made!, StringComparer.Ordinal);

    /// <summary>
    /// A pick from the review page: <paramref name="stepAndTake"/> must be one of the storyboard's steps with takes
    /// (<c>street#2</c>); else 400 and nothing changes. Written with the same in-place edit as <c>reel pick</c>.
    /// </summary>
    public ReviewPick ReviewPick(string stepAndTake)
    {
        ArgumentNullException.ThrowIfNull(stepAndTake);
        var compilation = Compile();
        if (!compilation.Succeeded)
        {
            return new ReviewPick(false, 409, "the script has errors; fix them first");
        }

        var step = compilation.Expanded!.Steps.FirstOrDefault(s => s.Id.Text == stepAndTake);
        if (step is null || step.Id.Take < 1)
        {
            return new ReviewPick(false, 400, $"no take '{stepAndTake}' in {DisplayPath}; nothing was changed");
        }

        var outcome = Pick(stepAndTake);
        return new ReviewPick(outcome.Succeeded, outcome.Succeeded ? 200 : 400, outcome.Message);
    }
}
