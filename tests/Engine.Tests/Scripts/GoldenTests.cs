using System.Text;
using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Reporting;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

/// <summary>
/// Golden cases: every <c>Cases/NNN-area/NNN-name.yaml</c> is compiled and its diagnostics
/// (<c>.diagnostics.txt</c>) and, when it compiles, its plan (<c>.plan.txt</c>) are compared with
/// the expected files beside it. <c>REEL_UPDATE_GOLDEN=1</c> rewrites the expected files in the
/// source tree from the actual output; review the diff before committing.
/// </summary>
public sealed class GoldenTests
{
    private const string DiagnosticsSuffix = ".diagnostics.txt";
    private const string PlanSuffix = ".plan.txt";

    private static readonly string CasesRoot = Path.Combine(AppContext.BaseDirectory, "Cases");

    private static bool Updating => Environment.GetEnvironmentVariable("REEL_UPDATE_GOLDEN") == "1";

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var path in Discover(CasesRoot))
        {
            data.Add(Path.GetRelativePath(CasesRoot, path).Replace('\\', '/'));
        }

        return data;
    }

    [Fact]
    public void Golden_cases_are_discovered_in_every_area()
    {
        var cases = Discover(CasesRoot).ToList();
        Assert.True(cases.Count >= 50, $"expected at least 50 golden cases, found {cases.Count}");
        Assert.All(cases, c => Assert.Matches(@"^\d{3}-[a-z0-9-]+\.yaml$", Path.GetFileName(c)));
    }

    [Fact]
    public void Golden_case_names_are_unique()
    {
        var names = Discover(CasesRoot).Select(Path.GetFileName).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_case_matches_expected_output(string relativePath)
    {
        var fullPath = Path.Combine(CasesRoot, relativePath);
        var (diagnostics, plan) = Run(fullPath);
        var baseName = relativePath[..^".yaml".Length];

        if (Updating)
        {
            var sourceCases = Path.Combine(RepoRoot(), "tests", "Engine.Tests", "Cases");
            if (!File.Exists(Path.Combine(sourceCases, relativePath)))
            {
                return; // a stale copy in bin/ of a case deleted from the source tree
            }

            Write(Path.Combine(sourceCases, baseName + DiagnosticsSuffix), diagnostics);
            Write(Path.Combine(sourceCases, baseName + PlanSuffix), plan);
            return;
        }

        var expectedDiagnostics = ReadOrNull(Path.Combine(CasesRoot, baseName + DiagnosticsSuffix));
        var expectedPlan = ReadOrNull(Path.Combine(CasesRoot, baseName + PlanSuffix));
        Assert.True(
            expectedDiagnostics is not null || expectedPlan is not null,
            $"{relativePath} has no expected {DiagnosticsSuffix} or {PlanSuffix}; run with REEL_UPDATE_GOLDEN=1 and review the files");

        var failures = new StringBuilder();
        Compare(failures, "diagnostics", expectedDiagnostics, diagnostics);
        Compare(failures, "plan", expectedPlan, plan);
        Assert.True(failures.Length == 0, $"{relativePath} differs from its golden files (REEL_UPDATE_GOLDEN=1 rewrites them):\n{failures}");
    }

    /// <summary>
    /// Compiles one case: diagnostics text (null when clean) and plan text (null when it does not compile). A first line
    /// <c># reel-args: --provider NAME --profile NAME</c> compiles it as the command line would with those options.
    /// </summary>
    internal static (string? Diagnostics, string? Plan) Run(string fullPath)
    {
        var fileName = Path.GetFileName(fullPath);
        var text = File.ReadAllText(fullPath);
        var source = new SourceFile(fullPath, fileName, text);
        var compilation = Compilation.Compile(source, Options(text));
        var all = compilation.Diagnostics;

        var diagnostics = all.IsEmpty ? null : string.Concat(all.Select(d => d.ToString() + "\n"));
        var plan = compilation.Expanded is not { } expanded ? null : PlanText.Render(Planner.Plan(expanded, NoHistory.Instance), fileName);
        return (diagnostics, plan);
    }

    private static LoadOptions? Options(string text)
    {
        const string Prefix = "# reel-args:";
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var args = text[Prefix.Length..text.IndexOf('\n', StringComparison.Ordinal)].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var provider = Array.IndexOf(args, "--provider") is var i and >= 0 ? args[i + 1] : null;
        var profile = Array.IndexOf(args, "--profile") is var j and >= 0 ? args[j + 1] : null;
        return new LoadOptions(provider, args.Contains("--allow-outside"), profile);
    }

    /// <summary>Case scripts: <c>NNN-area/*.yaml</c>, but not include files (<c>*.inc.yaml</c>) or anything under <c>assets/</c>.</summary>
    internal static IEnumerable<string> Discover(string root) =>
        Directory.EnumerateFiles(root, "*.yaml", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith(".inc.yaml", StringComparison.Ordinal))
            .Where(p => !Path.GetRelativePath(root, p).Replace('\\', '/').Split('/').Contains("assets"))
            .Order(StringComparer.Ordinal);

    private static void Compare(StringBuilder failures, string what, string? expected, string? actual)
    {
        if (Normalize(expected) == Normalize(actual))
        {
            return;
        }

        failures.Append("--- expected ").Append(what).Append('\n').Append(expected ?? "(none)\n");
        failures.Append("+++ actual ").Append(what).Append('\n').Append(actual ?? "(none)\n");
    }

    private static string? Normalize(string? text) => text?.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string? ReadOrNull(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    private static void Write(string path, string? text)
    {
        if (text is null)
        {
            File.Delete(path);
        }
        else
        {
            File.WriteAllText(path, text);
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }
}
