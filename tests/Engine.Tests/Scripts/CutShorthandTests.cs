using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

public sealed class CutShorthandTests
{
    private static string CutKey(string cutLines)
    {
        var dir = Path.Combine(Path.GetTempPath(), "reel-shorthand-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "assets"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "assets", "bed.m4a"), "bed");
            var text = "reel: 1\nscenes:\n  - id: a\n    prompt: A.\n  - id: b\n    prompt: B.\ncut:\n  - id: film\n    output: out/film.mp4\n    shots: [a, b]\n" + cutLines;
            var path = Path.Combine(dir, "storyboard.yaml");
            File.WriteAllText(path, text);
            var compilation = Compilation.Compile(new SourceFile(path, "storyboard.yaml", text));
            Assert.True(compilation.Succeeded, string.Join("\n", compilation.Diagnostics));
            var plan = Planner.Plan(compilation.Expanded!, NoHistory.Instance);
            return plan.Steps.Single(s => s.Request.Id.ToString() == "film").Key;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Transition_and_music_shorthands_plan_the_same_cut_as_their_long_forms()
    {
        var shorthand = CutKey("    transition: crossfade\n    music: assets/bed.m4a\n");
        var longForm = CutKey("    transition: { type: crossfade, seconds: 0.5 }\n    music: { file: assets/bed.m4a, volume: -12, duck: true }\n");
        Assert.Equal(longForm, shorthand);
        Assert.NotEqual(CutKey("    transition: fade\n    music: assets/bed.m4a\n"), shorthand);
    }
}
