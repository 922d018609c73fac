using CsCheck;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Properties;

/// <summary><c>reel pick</c> edits one line of any valid storyboard, whatever its style, and means exactly the new pick.</summary>
public sealed class PickPropertiesTests
{
    [Fact]
    public void Pick_changes_exactly_one_line_and_plans_as_the_storyboard_with_that_pick()
    {
        var gen = Storyboards.Model
            .Where(m => m.Scenes.Any(s => s.Takes > 1))
            .SelectMany(m => Gen.Select(Gen.Int[0, 1000], Gen.Int, Gen.Bool).Select((i, form, drop) => (Model: m, Index: i, Form: form, Drop: drop)));
        gen.Sample(sample =>
        {
            var scenes = sample.Model.Scenes.Where(s => s.Takes > 1).ToList();
            var scene = scenes[sample.Index % scenes.Count];
            var take = (sample.Index % scene.Takes) + 1;
            var before = sample.Model with { Scenes = [.. sample.Model.Scenes.Select(s => s == scene && sample.Drop ? s with { Pick = 0 } : s)] };
            var expected = sample.Model with { Scenes = [.. sample.Model.Scenes.Select(s => s == scene ? s with { Pick = take } : s)] };
            using var dir = new Storage.TempDirectory();
            var path = Storyboards.Write(before, dir.Combine(), "storyboard.yaml", sample.Form);
            var text = File.ReadAllText(path);

            var edited = PickEditor.SetPick(text, scene.Id, take, out var error);

            Assert.True(edited is not null, error);
            if (edited == text)
            {
                // Only when that take was already picked.
                Assert.Equal((false, take), (sample.Drop, scene.Pick));
            }
            else
            {
                AssertOneLineDiffers(text, edited);
            }

            File.WriteAllText(path, edited);
            var expectedPath = Storyboards.Write(expected, dir.Combine("expected"), "storyboard.yaml", formSeed: null);
            Assert.True(Plan(expectedPath).SequenceEqual(Plan(path)), $"picking {scene.Id}#{take} planned otherwise:\n{edited}");
        }, iter: 250);
    }

    [Theory]
    [InlineData("scenes:\n  - id: a   # the opening\n    prompt: x\n    takes: 3\n\n  - id: b\n    prompt: y\n", "scenes:\n  - id: a   # the opening\n    pick: 2\n    prompt: x\n    takes: 3\n\n  - id: b\n    prompt: y\n")]
    [InlineData("scenes:\r\n  - prompt: x\r\n    id: \"a\"\r\n    pick: 1 # first\r\n", "scenes:\r\n  - prompt: x\r\n    id: \"a\"\r\n    pick: 2 # first\r\n")]
    [InlineData("scenes: [ { id: a, takes: 3 }, {id: b} ]\n", "scenes: [ { id: a, takes: 3, pick: 2 }, {id: b} ]\n")]
    [InlineData("edits:\n- id: a\n  from: b\n", "edits:\n- id: a\n  pick: 2\n  from: b\n")]
    public void Pick_keeps_comments_quoting_line_ends_and_styles(string before, string after)
    {
        Assert.Equal(after, PickEditor.SetPick(before, "a", 2, out _));
    }

    [Fact]
    public void Pick_names_a_step_that_is_not_in_the_file()
    {
        Assert.Null(PickEditor.SetPick("scenes:\n  - id: a\n", "b", 2, out var error));
        Assert.Equal("no scene, continuation or edit with id 'b' in this file", error);
    }

    private static void AssertOneLineDiffers(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        var prefix = a.Zip(b).TakeWhile(p => p.First == p.Second).Count();
        var suffix = a.Reverse().Zip(b.Reverse()).TakeWhile(p => p.First == p.Second).Count();
        var changed = Math.Max(a.Length, b.Length) - prefix - suffix;
        if (!(changed == 1 && Math.Abs(a.Length - b.Length) <= 1))
        {
            File.WriteAllText(Path.Combine(Path.GetTempPath(), "reel-pick-before.yaml"), before);
            File.WriteAllText(Path.Combine(Path.GetTempPath(), "reel-pick-after.yaml"), after);
        }

        Assert.True(changed == 1 && Math.Abs(a.Length - b.Length) <= 1, $"{changed} lines changed (before and after: reel-pick-*.yaml in the temp folder)");
    }

    private static List<(string Id, string Key)> Plan(string path)
    {
        var compilation = Compilation.Compile(path);
        Assert.True(compilation.Succeeded, string.Join('\n', compilation.Diagnostics) + "\n" + File.ReadAllText(path));
        return [.. Planner.Plan(compilation.Expanded!, NoHistory.Instance).Steps.Select(s => (s.Id.Text, s.Key))];
    }
}
