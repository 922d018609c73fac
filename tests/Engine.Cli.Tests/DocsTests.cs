using System.Text.RegularExpressions;

namespace Reel.Cli.Tests;

/// <summary>
/// Issue 14, point 9: the README is short and followable — its quick start unchanged, its tutorial's storyboard valid on
/// every provider it names and rendered locally, its scaffold the one <c>reel init</c> writes — and no link in it or in
/// docs/ is broken.
/// </summary>
public sealed partial class DocsTests
{
    private static string Read(string relative) =>
        File.ReadAllText(Path.Combine(ReelProcess.RepoRoot, relative)).Replace("\r\n", "\n", StringComparison.Ordinal);

    [Fact]
    public void The_readme_is_under_300_lines_and_keeps_the_quick_start_commands()
    {
        var readme = Read("README.md");

        Assert.True(readme.Split('\n').Length < 300, $"README.md has {readme.Split('\n').Length} lines");
        Assert.Contains("## Quick start\n", readme, StringComparison.Ordinal);
        Assert.Contains("```sh\ndotnet run --project src/Engine.Cli -- run examples/hello/storyboard.yaml\ndotnet test Pipeline.sln\n```\n", readme, StringComparison.Ordinal);
        Assert.True(readme.IndexOf("## Install\n", StringComparison.Ordinal) > readme.IndexOf("## Quick start\n", StringComparison.Ordinal));
        Assert.Contains("dotnet pack src/Engine.Cli -o nupkg\ndotnet tool install --global reel --add-source nupkg\n", readme, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("reel plan --force")] // what a re-roll costs, before it is paid
    [InlineData("reel run --force")]
    [InlineData("`reused` at $0.00")] // the ledger's word for a job that exists
    [InlineData("## Draft, choose, finish\n")]
    [InlineData("## Work as a team\n")]
    [InlineData("endpoint: https://ACCOUNT.r2.cloudflarestorage.com")] // R2
    [InlineData("path-style: true")] // MinIO
    [InlineData("reel push")]
    [InlineData("{{ characters['old-tom'].name }}")] // the template form of a hyphenated id
    [InlineData("$schema=./reel.include.schema.json")] // completion in included files
    public void The_readme_walks_a_first_timer_to_each_workflow(string shown) =>
        Assert.Contains(shown, Read("README.md"), StringComparison.Ordinal);

    [Fact]
    public void Every_relative_link_of_the_readme_and_docs_reaches_a_file_and_its_anchor()
    {
        var documents = new[] { "README.md" }.Concat(Directory.EnumerateFiles(Path.Combine(ReelProcess.RepoRoot, "docs"), "*.md").Select(f => "docs/" + Path.GetFileName(f))).ToList();
        var broken = new List<string>();
        var checkedAnchors = 0;
        foreach (var document in documents)
        {
            var text = WithoutCode(Read(document));
            foreach (Match link in Link().Matches(text))
            {
                var target = link.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                var (file, anchor) = target.Split('#', 2) is [var f, var a] ? (f, a) : (target, null);
                var path = file.Length == 0 ? document : Path.GetRelativePath(ReelProcess.RepoRoot, Path.GetFullPath(Path.Combine(ReelProcess.RepoRoot, Path.GetDirectoryName(document)!, file)));
                var full = Path.Combine(ReelProcess.RepoRoot, path);
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    broken.Add($"{document}: {target} (no such file)");
                }
                else if (anchor is not null && path.EndsWith(".md", StringComparison.Ordinal))
                {
                    checkedAnchors++;
                    if (!Anchors(Read(path)).Contains(anchor))
                    {
                        broken.Add($"{document}: {target} (no such anchor)");
                    }
                }
            }
        }

        Assert.True(broken.Count == 0, "broken links:\n" + string.Join("\n", broken));
        Assert.True(checkedAnchors >= 20, $"only {checkedAnchors} links with an anchor were found: the link pattern no longer matches");
    }

    [Theory]
    [InlineData("local")]
    [InlineData("fal")]
    [InlineData("veo")]
    [InlineData("veo-vertex")]
    public void The_tutorial_storyboard_is_valid_on_every_provider_it_names(string provider)
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", TutorialStoryboard());

        var r = ReelInProcess.Run(dir.Path, "validate", "--provider", provider);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal($"storyboard.yaml: valid (6 steps on {provider})\n", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void The_tutorial_storyboard_renders_locally_and_its_first_form_is_the_scaffold_of_reel_init()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, ReelInProcess.Run(dir.Path, "init").ExitCode);
        var scaffold = Uncommented(File.ReadAllText(Path.Combine(dir.Path, "storyboard.yaml")));
        var shown = Regex.Match(Read("README.md"), "Open `storyboard.yaml`: without its comments it reads\n\n```yaml\n(?<yaml>.*?)```", RegexOptions.Singleline).Groups["yaml"].Value;
        Assert.Equal(scaffold, shown);

        File.WriteAllText(Path.Combine(dir.Path, "storyboard.yaml"), TutorialStoryboard());
        var run = ReelInProcess.Run(dir.Path, "run");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("6 steps: 6 done, 0 reused, 0 cached, 0 failed, 0 skipped", run.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "film.mp4")));
    }

    private static string TutorialStoryboard() =>
        Regex.Match(Read("README.md"), "<!-- tutorial:begin[^\n]*-->\n```yaml\n(?<yaml>.*?)```\n<!-- tutorial:end -->", RegexOptions.Singleline).Groups["yaml"].Value is { Length: > 0 } yaml
            ? yaml
            : throw new InvalidOperationException("README.md has no tutorial storyboard between the tutorial markers");

    /// <summary>A YAML text without its comment lines, trailing comments and blank lines.</summary>
    private static string Uncommented(string yaml) =>
        string.Concat(yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Where(l => !l.TrimStart().StartsWith('#') && l.Trim().Length > 0)
            .Select(l => TrailingComment().Replace(l, "") + "\n"));

    /// <summary>The anchors of a Markdown page: its headings as GitHub slugs them, and every <c>id="…"</c>.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in WithoutCode(markdown).Split('\n'))
        {
            if (Heading().Match(line) is { Success: true } h)
            {
                anchors.Add(Slug().Replace(h.Groups["text"].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-'));
            }
        }

        foreach (Match id in Id().Matches(markdown))
        {
            anchors.Add(id.Groups["id"].Value);
        }

        return anchors;
    }

    /// <summary>The text outside fenced code blocks.</summary>
    private static string WithoutCode(string markdown)
    {
        var inFence = false;
        return string.Join('\n', markdown.Split('\n').Where(l =>
        {
            if (l.StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                return false;
            }

            return !inFence;
        }));
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (?<text>.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{N}_\- ]")]
    private static partial Regex Slug();

    [GeneratedRegex("id=\"(?<id>[^\"]+)\"")]
    private static partial Regex Id();

    [GeneratedRegex(@"\s+#.*$")]
    private static partial Regex TrailingComment();
}
