using Reel.Engine.Core;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

/// <summary>Compiles script text held in a test, as if it were <c>test.yaml</c> in an empty directory.</summary>
internal static class ScriptText
{
    private static readonly string Dir = Path.Combine(Path.GetTempPath(), "reel-tests-no-files");

    public static SourceFile Source(string text) => new(Path.Combine(Dir, "test.yaml"), "test.yaml", text);

    public static (ExpandedScript? Expanded, IReadOnlyList<Diagnostic> Diagnostics) Expand(string text)
    {
        var compilation = Compilation.Compile(Source(text));
        return (compilation.Expanded, compilation.Diagnostics);
    }

    public static ExpandedScript ExpandClean(string text)
    {
        var (expanded, diagnostics) = Expand(text);
        Assert.True(expanded is not null && diagnostics.Count == 0, string.Join("\n", diagnostics));
        return expanded!;
    }

    /// <summary>The scalar at <paramref name="key"/> of the root mapping.</summary>
    public static (SourceFile File, YScalar Node) Scalar(string text, string key)
    {
        var file = Source(text);
        var bag = new DiagnosticBag();
        var doc = YamlLoader.Load(file, bag);
        Assert.Empty(bag.ToImmutable());
        return (file, (YScalar)((YMapping)doc.Root!)[key]!);
    }
}
