using System.Text.RegularExpressions;
using Reel.Engine.Core;

namespace Reel.Engine.Tests.Core;

/// <summary>Every code is declared once in the catalogue, with one meaning, and docs/diagnostics.md shows exactly the catalogue.</summary>
public sealed partial class DiagnosticCodesTests
{
    private const string Begin = "<!-- diagnostics:begin (generated from DiagnosticCodes; a test keeps it equal) -->\n";
    private const string End = "<!-- diagnostics:end -->\n";

    [Fact]
    public void The_diagnostics_page_is_the_generated_table() =>
        Repository.AssertDocSection("docs/diagnostics.md", Begin, End, DiagnosticTable.Markdown(), "docs/diagnostics.md's diagnostic table differs from DiagnosticCodes: run this test with REEL_UPDATE_GOLDEN=1 and commit the result");

    [Fact]
    public void Every_code_is_well_formed_and_declared_once()
    {
        Assert.NotEmpty(DiagnosticCodes.All);
        Assert.All(DiagnosticCodes.All, d =>
        {
            Assert.Matches("^RL[0-9]{4}$", d.Code);
            Assert.False(string.IsNullOrWhiteSpace(d.Title), d.Code);
            Assert.Equal(d.Code.ToLowerInvariant(), d.HelpAnchor);
            Assert.All(d.Examples, e => Assert.False(string.IsNullOrWhiteSpace(e), d.Code));
        });
        Assert.Equal(DiagnosticCodes.All.Length, DiagnosticCodes.All.Select(d => d.Code).Distinct(StringComparer.Ordinal).Count());
        Assert.Same(DiagnosticCodes.MatrixSelector, DiagnosticCodes.Find("RL0206"));
        Assert.Null(DiagnosticCodes.Find("RL9999"));
    }

    [Fact]
    public void A_diagnostic_takes_code_and_severity_from_its_descriptor()
    {
        var bag = new DiagnosticBag();
        bag.Report(DiagnosticCodes.NoNativeExtension, "falls back", new SourceLocation("s.yaml", 3, 5));
        Assert.False(bag.HasErrors);
        bag.Report(DiagnosticCodes.UnknownKey, "unknown key 'x'", new SourceLocation("s.yaml", 2, 1));
        Assert.True(bag.HasErrors);
        Assert.Equal(
            ["s.yaml(2,1): error RL0110: unknown key 'x'", "s.yaml(3,5): warning RL0408: falls back"],
            bag.ToImmutable().Select(d => d.ToString()));
    }

    [Fact]
    public void No_code_is_written_as_text_outside_the_catalogue()
    {
        var src = Path.Combine(Repository.Root, "src");
        var catalogue = Path.Combine(src, "Engine", "Core", "DiagnosticCodes.cs");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Where(f => f != catalogue)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => CodeLiteral().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(src, l.File)}({l.Line}): {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "report through a DiagnosticCodes descriptor instead:\n" + string.Join("\n", offenders));
    }

    [GeneratedRegex("\"RL[0-9]{4}\"")]
    private static partial Regex CodeLiteral();
}
