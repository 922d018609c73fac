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

        // A step is named as a writer ('id') only when a collision is reported.
        var writers = new Dictionary<string, Writer>((2 * steps.Length) + 1, StringComparer.OrdinalIgnoreCase)
        {
            [ContactSheet] = new("the contact sheet", false, ContactSheet),
        };
        var reported = new HashSet<(string, string)>();
        foreach (var step in steps)
        {
            if (step is CharacterStep)
            {
                continue;
            }

            var (export, at) = step is CutStep cut
                ? (Normalize(cut.Output), firstCuts.TryGetValue(cut.Id, out var firstCut) ? firstCut.Output.Location : cut.Location)
                : (ShotExport(step.Id), step.Location);
            for (var i = 0; i < 2; i++)
            {
                var path = i == 0 ? export : Thumbnail(export);
                if (!writers.TryAdd(path, new(step.Id.Text, true, path)))
                {
                    var first = writers[path];
                    var writer = first.IsStep ? $"'{first.Name}'" : first.Name;
                    if (reported.Add((writer, step.Id.Text)))
                    {
                        var same = string.Equals(first.Path, path, StringComparison.Ordinal) ? $"'{path}'" : $"'{first.Path}' and '{path}' (one file where case is ignored)";
                        var fix = step is CutStep ? $"give '{step.Id}' another output" : "a shot's file name keeps only letters, digits, '-', '_' and '.', so change a matrix value or an id to tell them apart";
                        diagnostics.Report(DiagnosticCodes.OutputCollision, $"{writer} and '{step.Id}' both write {same}; {fix}", at);
                    }
                }
            }
        }
    }

    /// <summary>Who writes a file: a step (named <c>'id'</c> in a diagnostic) or the report. A class: a dictionary of a struct type would be compiled at run time in a cold process.</summary>
    private sealed record Writer(string Name, bool IsStep, string Path);

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
