using Reel.Engine.Core;

namespace Reel.Engine.Prompts;

/// <summary>
/// A matrix axis that changes nothing: every group of cells that differ only in that axis has one prompt and one set
/// of settings, so the cells would all render the same clip (Reel renders it once and shares it). Usually the prompt
/// forgot <c>{{ axis }}</c>.
/// </summary>
internal static class MatrixChecks
{
    public static void ReportIdleAxes(ExpandedScript script, DiagnosticBag bag)
    {
        foreach (var scene in script.Steps.OfType<GenerateStep>().Where(s => !s.Matrix.IsEmpty).GroupBy(s => s.Source))
        {
            var cells = scene.ToList();
            foreach (var axis in cells[0].Matrix.Select(m => m.Key))
            {
                var groups = cells.GroupBy(c => Others(c, axis) + "\u0001" + c.Take).ToList();
                var varies = groups.Any(g => g.Select(c => Value(c, axis)).Distinct(StringComparer.Ordinal).Count() > 1);
                if (varies && groups.All(g => g.Select(Content).Distinct(StringComparer.Ordinal).Count() == 1))
                {
                    bag.Report(
                        DiagnosticCodes.MatrixAxisChangesNothing,
                        $"matrix axis '{axis}' changes nothing in '{scene.Key}': its cells have the same prompt and settings, so they share one clip; use {{{{ {axis} }}}} in the prompt, or drop the axis",
                        cells[0].Location);
                }
            }
        }
    }

    private static string Value(GenerateStep cell, string axis) => cell.Matrix.First(m => m.Key == axis).Value;

    private static string Others(GenerateStep cell, string axis) =>
        string.Join('\u0002', cell.Matrix.Where(m => m.Key != axis).Select(m => m.Key + "=" + m.Value));

    /// <summary>What a cell's job is made of, apart from its id.</summary>
    private static string Content(GenerateStep cell) => string.Join('\u0001',
        cell.Prompt, cell.Model, cell.Size.ToString(), cell.Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        string.Join(',', cell.Inputs.Select(i => i.Role + ":" + i.Sha256)),
        string.Join(',', cell.Options.Select(o => $"{o.Name}={o.Value}[{string.Join('|', o.Paths)}]")),
        string.Join(',', cell.Characters.Select(c => c.Text)),
        cell.Image?.Sha256 ?? "", cell.LastFrameOf?.Text ?? "");
}
