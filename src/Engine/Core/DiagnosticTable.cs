using System.Text;

namespace Reel.Engine.Core;

/// <summary>
/// The diagnostic catalogue as the Markdown table of docs/diagnostics.md (code, meaning, example message).
/// That table is this text; a test keeps the two equal.
/// </summary>
public static class DiagnosticTable
{
    public static string Markdown()
    {
        var text = new StringBuilder();
        text.Append("| code | meaning | example message |\n|---|---|---|\n");
        foreach (var d in DiagnosticCodes.All)
        {
            var meaning = d.Severity == Severity.Warning ? "warning: " + d.Title : d.Title;
            var examples = d.Examples.IsEmpty ? "—" : string.Join("; ", d.Examples.Select(Code));
            text.Append($"| <a id=\"{d.HelpAnchor}\"></a>{d.Code} | {Escape(meaning)} | {Escape(examples)} |\n");
        }

        return text.ToString();
    }

    /// <summary>A Markdown code span; one with backticks inside is fenced with two.</summary>
    private static string Code(string message) =>
        message.Contains('`', StringComparison.Ordinal) ? $"`` {message} ``" : $"`{message}`";

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal);
}
