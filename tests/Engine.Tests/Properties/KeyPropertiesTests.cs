using CsCheck;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Properties;

/// <summary>
/// Step keys are content addresses (design.md §5): they depend on what the script means, never
/// on how it is spelled or where it lives.
/// </summary>
public sealed class KeyPropertiesTests
{
    private const int Iterations = 80;

    [Fact]
    public void Reformatting_a_script_never_changes_any_step_key()
    {
        Gen.Select(Storyboards.Model, Gen.Int.Array[3]).Sample((model, forms) =>
        {
            using var dir = new ScratchDirectory();
            var expected = Keys(Storyboards.Write(model, dir.Path, "canonical.yaml", formSeed: null));
            for (var i = 0; i < forms.Length; i++)
            {
                var path = Storyboards.Write(model, dir.Path, $"form{i}.yaml", forms[i]);
                var actual = Keys(path);
                Assert.True(
                    expected.SequenceEqual(actual),
                    $"form {forms[i]} planned other keys than the canonical form:\n{File.ReadAllText(path)}");
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Changing_one_prompt_changes_exactly_that_steps_key_and_its_downstream_keys()
    {
        var gen = Storyboards.Model.SelectMany(m => Gen.Int[0, m.StepIds.Count() - 1].Select(i => (Model: m, Changed: m.StepIds.ElementAt(i))));
        gen.Sample(sample =>
        {
            using var dir = new ScratchDirectory();
            var before = Plan(Storyboards.Write(sample.Model, dir.Path, "before.yaml", formSeed: null));
            var after = Plan(Storyboards.Write(sample.Model.WithPromptChanged(sample.Changed), dir.Path, "after.yaml", formSeed: null));

            Assert.Equal(before.Steps.Select(s => s.Id.Text), after.Steps.Select(s => s.Id.Text));
            var expected = Downstream(after, after.Steps.Where(s => s.Request.Source == sample.Changed).Select(s => s.Id.Text));
            var changed = after.Steps.Where(s => s.Key != before.Find(s.Id)!.Key).Select(s => s.Id.Text).ToHashSet(StringComparer.Ordinal);
            Assert.True(
                expected.SetEquals(changed),
                $"changing '{sample.Changed}' changed [{string.Join(", ", changed.Order(StringComparer.Ordinal))}], expected [{string.Join(", ", expected.Order(StringComparer.Ordinal))}]");
        }, iter: Iterations);
    }

    [Fact]
    public void Step_keys_do_not_depend_on_the_scripts_directory()
    {
        Gen.Select(Storyboards.Model, Gen.Int).Sample((model, form) =>
        {
            using var one = new ScratchDirectory();
            using var two = new ScratchDirectory();
            var deeper = Path.Combine(two.Path, "some where", "else");
            var first = Keys(Storyboards.Write(model, one.Path, "storyboard.yaml", form));
            var second = Keys(Storyboards.Write(model, deeper, "storyboard.yaml", form));
            Assert.Equal(first, second);
        }, iter: Iterations);
    }

    private static Plan Plan(string path)
    {
        var compilation = Compilation.Compile(path);
        Assert.True(
            compilation.Succeeded,
            $"{path} did not compile:\n{string.Join('\n', compilation.Diagnostics.Select(d => d.ToString()))}\n{File.ReadAllText(path)}");
        return Planner.Plan(compilation.Expanded!, NoHistory.Instance);
    }

    private static List<KeyValuePair<string, string>> Keys(string path) =>
        [.. Plan(path).Steps.Select(s => new KeyValuePair<string, string>(s.Id, s.Key))];

    /// <summary>The given steps and every step that needs one of them, transitively.</summary>
    private static HashSet<string> Downstream(Plan plan, IEnumerable<string> roots)
    {
        var result = new HashSet<string>(roots, StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            // Run order is topological, so one pass sees every upstream step first.
            if (step.Request.Needs.Any(n => result.Contains(n.Text)))
            {
                result.Add(step.Id);
            }
        }

        return result;
    }

    private sealed class ScratchDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reel-keys-" + Guid.NewGuid().ToString("N"))).FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
