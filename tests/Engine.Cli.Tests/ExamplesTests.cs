using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>
/// Every storyboard under <c>examples/</c> is documentation that must keep working: it validates on
/// every provider the README promises, runs offline, and a second run changes nothing.
/// </summary>
public sealed class ExamplesTests
{
    public static TheoryData<string> Examples() => [.. ExampleNames()];

    /// <summary>Each folder under <c>examples/</c> holding a <c>storyboard.yaml</c>, e.g. <c>hello</c>.</summary>
    private static List<string> ExampleNames()
    {
        var root = Path.Combine(ReelProcess.RepoRoot, "examples");
        return [.. Directory.EnumerateFiles(root, "storyboard.yaml", SearchOption.AllDirectories)
            .Select(script => Path.GetRelativePath(root, Path.GetDirectoryName(script)!).Replace('\\', '/'))
            .Where(name => !name.Split('/').Any(part => part is ".reel" or "out"))
            .Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void The_examples_folder_holds_the_documented_examples()
    {
        var names = ExampleNames();
        Assert.Contains("hello", names);
        Assert.Contains("morning-shift", names);
        Assert.Contains("social-ad", names);
        Assert.Contains("night-market", names);
        Assert.Contains("paper-boats", names);
        Assert.Contains("market-shots", names);
    }

    /// <summary>The remote providers each example is written for (default: openai); it must validate on each.</summary>
    private static string[] TargetsOf(string example) => example switch
    {
        "night-market" => ["fal", "veo", "veo-vertex"],
        "lantern-alley" => ["runway", "kling"],
        "market-shots" => ["kling"],
        "paper-boats" => ["comfy"],
        _ => ["openai"],
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_validates_on_local_and_its_providers_runs_offline_and_reruns_fully_cached(string example)
    {
        using var temp = TempDirectory.OfExample(example);
        const string Script = "storyboard.yaml";

        var local = ReelInProcess.Run(temp.Path, "validate", Script);
        Assert.True(local.ExitCode == 0, $"reel validate {example}: exit {local.ExitCode}\n{local.All}");

        foreach (var provider in TargetsOf(example))
        {
            var remote = ReelInProcess.Run(temp.Path, "validate", Script, "--provider", provider);
            Assert.True(remote.ExitCode == 0, $"reel validate --provider {provider} {example}: exit {remote.ExitCode}\n{remote.All}");
        }

        var plan = ReelInProcess.Run(temp.Path, "plan", Script, "--json");
        Assert.True(plan.ExitCode == 0, $"reel plan {example}: exit {plan.ExitCode}\n{plan.All}");
        var cuts = ParseSteps(plan.Stdout)
            .Where(s => s.GetProperty("kind").GetString() == "cut")
            .Select(s => s.GetProperty("id").GetString()!)
            .ToList();
        Assert.NotEmpty(cuts);

        var first = ReelInProcess.Run(temp.Path, "run", Script, "--json");
        Assert.True(first.ExitCode == 0, $"reel run {example}: exit {first.ExitCode}\n{first.All}");
        var firstSteps = ParseSteps(first.Stdout).ToDictionary(s => s.GetProperty("id").GetString()!);
        foreach (var cut in cuts)
        {
            Assert.True(firstSteps.TryGetValue(cut, out var step), $"cut '{cut}' missing from run --json");
            var output = step.GetProperty("output").GetString();
            Assert.False(string.IsNullOrEmpty(output), $"cut '{cut}' has no output");
            var path = Path.Combine(temp.Path, output!);
            Assert.True(File.Exists(path), $"cut '{cut}': {output} was not written");
            AssertMp4(path);
        }

        Assert.True(File.Exists(Path.Combine(temp.Path, "out", "report.html")), "out/report.html was not written");

        var second = ReelInProcess.Run(temp.Path, "run", Script, "--json");
        Assert.True(second.ExitCode == 0, $"second reel run {example}: exit {second.ExitCode}\n{second.All}");
        var statuses = ParseSteps(second.Stdout)
            .Select(s => (Id: s.GetProperty("id").GetString(), Status: s.GetProperty("status").GetString()))
            .ToList();
        Assert.Equal(firstSteps.Count, statuses.Count);
        Assert.All(statuses, s => Assert.True(s.Status == "cached", $"second run: step '{s.Id}' was {s.Status}, expected cached"));
    }

    private static List<JsonElement> ParseSteps(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.Clone())];
    }

    private static void AssertMp4(string path)
    {
        var head = new byte[8];
        using (var file = File.OpenRead(path))
        {
            Assert.Equal(8, file.Read(head, 0, 8));
        }

        Assert.True(head[4] == 'f' && head[5] == 't' && head[6] == 'y' && head[7] == 'p', $"{path} does not start with an MP4 'ftyp' box");
    }
}
