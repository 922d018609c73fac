namespace Reel.Engine.Tests;

/// <summary>The repository the tests run in, and the sections of README.md and docs/ generated from the code.</summary>
internal static class Repository
{
    /// <summary>The folder holding Pipeline.sln.</summary>
    public static string Root
    {
        get
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

    /// <summary>
    /// Asserts that the README's text between <paramref name="begin"/> and <paramref name="end"/> equals
    /// <paramref name="generated"/>; with <c>REEL_UPDATE_GOLDEN=1</c> it rewrites that text instead.
    /// </summary>
    public static void AssertReadmeSection(string begin, string end, string generated, string whenDifferent) =>
        AssertDocSection("README.md", begin, end, generated, whenDifferent);

    /// <summary>
    /// Asserts that the text of <paramref name="document"/> (relative to the repository root) between <paramref name="begin"/>
    /// and <paramref name="end"/> equals <paramref name="generated"/>; with <c>REEL_UPDATE_GOLDEN=1</c> it rewrites that text instead.
    /// </summary>
    public static void AssertDocSection(string document, string begin, string end, string generated, string whenDifferent)
    {
        var path = Path.Combine(Root, document);
        var readme = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = readme.IndexOf(begin, StringComparison.Ordinal);
        var stop = readme.IndexOf(end, StringComparison.Ordinal);
        Assert.True(start >= 0 && stop > start, $"{document} lacks the markers {begin.Trim()} … {end.Trim()}");
        if (Environment.GetEnvironmentVariable("REEL_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, readme[..(start + begin.Length)] + generated + readme[stop..]);
            return;
        }

        Assert.True(readme[(start + begin.Length)..stop] == generated, whenDifferent);
    }
}
