using Reel.Engine.Core;
using Reel.Engine.Scripts;

namespace Reel.Cli;

/// <summary>
/// Prints diagnostics MSBuild-style, each followed by its source line and a caret. Relative file names
/// are read from <paramref name="baseDirectory"/>.
/// </summary>
internal sealed class DiagnosticPrinter(TextWriter writer, bool color, string baseDirectory)
{
    /// <summary>A printer for the invocation's stderr.</summary>
    public DiagnosticPrinter(CliContext context)
        : this(context.Error, context.ErrorColor, context.WorkingDirectory)
    {
    }

    private readonly Dictionary<string, string[]?> _files = new(StringComparer.Ordinal);

    public void Print(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            var text = d.ToString();
            writer.WriteLine(color ? Colorize(d, text) : text);
            var line = SourceLine(d.Location);
            if (line is null)
            {
                continue;
            }

            var expanded = line.Replace("\t", "    ", StringComparison.Ordinal);
            var col = Math.Clamp(d.Location.Column - 1 + (line[..Math.Min(line.Length, Math.Max(0, d.Location.Column - 1))].Count(c => c == '\t') * 3), 0, expanded.Length);
            writer.WriteLine("  " + expanded);
            writer.WriteLine("  " + new string(' ', col) + (color ? "\u001b[1;32m^\u001b[0m" : "^"));
        }
    }

    public static void PrintSummary(TextWriter writer, IReadOnlyCollection<Diagnostic> diagnostics)
    {
        var errors = diagnostics.Count(d => d.Severity == Severity.Error);
        var warnings = diagnostics.Count - errors;
        writer.WriteLine($"{errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}");
    }

    private static string Colorize(Diagnostic d, string text) =>
        (d.Severity == Severity.Error ? "\u001b[31m" : "\u001b[33m") + text + "\u001b[0m";

    private string? SourceLine(SourceLocation location)
    {
        if (!location.IsKnown)
        {
            return null;
        }

        if (!_files.TryGetValue(location.File, out var lines))
        {
            try
            {
                lines = File.ReadAllText(Path.Combine(baseDirectory, location.File)).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                lines = null;
            }

            _files[location.File] = lines;
        }

        return lines is not null && location.Line <= lines.Length ? lines[location.Line - 1].TrimEnd() : null;
    }
}
