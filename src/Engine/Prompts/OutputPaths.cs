using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

/// <summary>
/// The files a run writes beside the script, named once: each clip's export under <c>out/shots/</c>, each cut's
/// output, their thumbnails and the contact sheet; and the check that no two steps write one of them.
/// </summary>
public static class OutputPaths
{
    /// <summary>The contact sheet, relative to the script's directory.</summary>
    public const string ContactSheet = "out/report.html";

    /// <summary>Where a clip step's result is exported, relative to the script's directory.</summary>
    public static string ShotExport(StepId id) => "out/shots/" + id.FileName + ".mp4";

    /// <summary>The thumbnail exported beside <paramref name="export"/>.</summary>
    public static string Thumbnail(string export) => Path.ChangeExtension(export, ".thumb.webp");

    /// <summary>
    /// Reports every file two steps would write (<see cref="DiagnosticCodes.OutputCollision"/>): a cut whose output is a
    /// shot's export, two cuts with one output, matrix values that make one file name (<c>a/b</c>, <c>a-b</c>, <c>a b</c>).
    /// Names are compared ignoring case, because a storyboard is cloned onto file systems that do.
    /// </summary>
    public static void Check(Script script, ImmutableArray<StepRequest> steps, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(diagnostics);
        // The first cut of each id (its output's location is where a collision is reported).
        var firstCuts = new Dictionary<string, CutDecl>(StringComparer.Ordinal);
        foreach (var c in script.Cuts)
        {
            firstCuts.TryAdd(c.Id, c);
        }

        // Who first writes each file: a step's index, times two, plus one for its thumbnail; -1 for the contact sheet. A step is
        // named as a writer ('id') only when a collision is reported.
        var writers = new Dictionary<string, int>((2 * steps.Length) + 1, StringComparer.OrdinalIgnoreCase) { [ContactSheet] = -1 };
        var reported = new HashSet<(string, string)>();
        for (var s = 0; s < steps.Length; s++)
        {
            var step = steps[s];
            if (step is CharacterStep)
            {
                continue;
            }

            var at = step is CutStep cut && firstCuts.TryGetValue(cut.Id, out var firstCut) ? firstCut.Output.Location : step.Location;
            var export = Written(step, thumbnail: false);
            for (var i = 0; i < 2; i++)
            {
                var path = i == 0 ? export : ThumbnailOf(step, export);
                if (!writers.TryAdd(path, (2 * s) + i))
                {
                    var first = writers[path];
                    var (writer, firstPath) = first < 0 ? ("the contact sheet", ContactSheet) : ($"'{steps[first / 2].Id.Text}'", Written(steps[first / 2], thumbnail: first % 2 == 1));
                    if (reported.Add((writer, step.Id.Text)))
                    {
                        var same = string.Equals(firstPath, path, StringComparison.Ordinal) ? $"'{path}'" : $"'{firstPath}' and '{path}' (one file where case is ignored)";
                        var fix = step is CutStep ? $"give '{step.Id}' another output" : "a shot's file name keeps only letters, digits, '-', '_' and '.', so change a matrix value or an id to tell them apart";
                        diagnostics.Report(DiagnosticCodes.OutputCollision, $"{writer} and '{step.Id}' both write {same}; {fix}", at);
                    }
                }
            }
        }
    }

    /// <summary>The file a step writes: its export (a cut's output), or the thumbnail beside it.</summary>
    private static string Written(StepRequest step, bool thumbnail)
    {
        var export = step is CutStep cut ? Normalize(cut.Output) : ShotExport(step.Id);
        return thumbnail ? ThumbnailOf(step, export) : export;
    }

    /// <summary><see cref="Thumbnail"/>; for a shot's export the extension it replaces is always ".mp4".</summary>
    private static string ThumbnailOf(StepRequest step, string export) =>
        step is CutStep ? Thumbnail(export) : string.Concat(export.AsSpan(0, export.Length - ".mp4".Length), ".thumb.webp");

    private static string Normalize(string relative)
    {
        var parts = new List<string>();
        foreach (var part in relative.Replace('\\', '/').Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }
}
