using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

/// <summary>Profiles: which one applies, and the rule that a profile wins where it sets something.</summary>
public sealed class ProfileTests
{
    private const string Script = """
        reel: 1
        provider: local
        defaults:
          model: veo3.1-fast
          size: 720x1280
          options: { generate_audio: false, negative_prompt: text }
        profiles:
          draft: { provider: fal, takes: 2 }
          final: { provider: fal, model: veo3.1, size: 1920x1080, options: { generate_audio: true }, takes: picked }
        scenes:
          - id: open
            prompt: Dawn over the harbour.
            model: veo3.1
            size: 1280x720
            options: { negative_prompt: people, seed: 7 }
            pick: 2
          - id: quay
            prompt: The quay.
        """;

    private static Compilation Compile(string text, LoadOptions? options = null) => Compilation.Compile(ScriptText.Source(text), options);

    private static Dictionary<string, string?> Options(ClipStep step) => step.Options.ToDictionary(o => o.Name, o => o.Value);

    [Fact]
    public void Without_profile_the_first_listed_applies_and_the_steps_own_settings_win_where_it_sets_nothing()
    {
        var c = Compile(Script);

        Assert.True(c.Succeeded, string.Join("\n", c.Diagnostics));
        Assert.Equal("draft", c.Script!.Profile!.Name);
        Assert.Equal("fal", c.Expanded!.Provider);
        var steps = c.Expanded.Steps.OfType<GenerateStep>().ToList();
        Assert.Equal(["open#1", "open#2", "quay#1", "quay#2"], steps.Select(s => s.Id.Text));
        Assert.Equal(("veo3.1", "1280x720"), (steps[0].Model, steps[0].Size.ToString()));
        Assert.Equal(("veo3.1-fast", "720x1280"), (steps[2].Model, steps[2].Size.ToString()));
    }

    [Fact]
    public void A_profile_wins_where_it_sets_model_size_and_options_which_merge_key_by_key()
    {
        var c = Compile(Script, new LoadOptions(Profile: "final"));

        Assert.True(c.Succeeded, string.Join("\n", c.Diagnostics));
        var open = Assert.Single(c.Expanded!.Steps.OfType<GenerateStep>(), s => s.Source == "open");
        Assert.Equal(("open#2", "veo3.1", "1920x1080"), (open.Id.Text, open.Model, open.Size.ToString()));
        Assert.Equal(
            new Dictionary<string, string?> { ["generate_audio"] = "true", ["negative_prompt"] = "people", ["seed"] = "7" },
            Options(open));
        var quay = Assert.Single(c.Expanded.Steps.OfType<GenerateStep>(), s => s.Source == "quay");
        Assert.Equal(new Dictionary<string, string?> { ["generate_audio"] = "true", ["negative_prompt"] = "text" }, Options(quay));
    }

    [Fact]
    public void Provider_on_the_command_line_wins_over_the_profiles()
    {
        const string text = """
            reel: 1
            profiles:
              draft: { provider: fal }
            scenes:
              - id: open
                prompt: Dawn over the harbour.
            """;

        Assert.Equal("fal", Compile(text).Expanded!.Provider);
        Assert.Equal("local", Compile(text, new LoadOptions("local")).Expanded!.Provider);
    }

    [Fact]
    public void Picked_takes_keep_the_draft_takes_count_so_a_take_has_one_name_in_both_profiles()
    {
        var c = Compile(Script, new LoadOptions(Profile: "final"));

        Assert.Equal("draft", c.Script!.PicksFrom);
        Assert.Equal(2, c.Script.Scenes[1].Takes);
        var d = Assert.Single(c.Diagnostics);
        Assert.Equal(("RL0221", "'quay' has 2 takes and no pick; choose one with `reel pick test.yaml quay#N` (N from 1 to 2)"), (d.Code, d.Message));
        Assert.Equal(["open#2", "quay#1"], c.Expanded!.Steps.Select(s => s.Id.Text));
    }

    [Fact]
    public void A_script_without_profiles_plans_the_same_keys_as_before_profiles_existed()
    {
        const string plain = """
            reel: 1
            scenes:
              - id: open
                prompt: Dawn over the harbour.
                takes: 2
            """;
        var before = Planner.Plan(Compile(plain).Expanded!, NoHistory.Instance).Steps.Select(s => s.Key).ToList();
        var withProfile = Planner.Plan(Compile(plain.Replace("scenes:", "profiles:\n  draft: {}\nscenes:", StringComparison.Ordinal)).Expanded!, NoHistory.Instance).Steps.Select(s => s.Key).ToList();

        Assert.Equal(before, withProfile);
    }

    [Fact]
    public void The_picked_take_key_enters_the_final_key()
    {
        var final = Compile(Script, new LoadOptions(Profile: "final")).Expanded!;
        var open = final.Steps.OfType<ClipStep>().First();
        var key = StepKeys.Compute(open, []);

        Assert.NotEqual(key, StepKeys.Compute(open with { Draft = new DraftTake("draft", "a", null) }, []));
        Assert.NotEqual(StepKeys.Compute(open with { Draft = new DraftTake("draft", "a", null) }, []), StepKeys.Compute(open with { Draft = new DraftTake("draft", "b", null) }, []));
    }

    [Fact]
    public void Reel_profile_is_ignored_by_a_script_without_profiles_but_profile_asked_on_the_command_line_is_not()
    {
        const string plain = """
            reel: 1
            scenes:
              - id: open
                prompt: Dawn over the harbour.
            """;

        Assert.True(Compile(plain, new LoadOptions(Profile: "final", ProfileFromEnvironment: true)).Succeeded);
        var d = Assert.Single(Compile(plain, new LoadOptions(Profile: "final")).Diagnostics);
        Assert.Equal("RL0220", d.Code);
        Assert.False(Compile(Script, new LoadOptions(Profile: "fianl", ProfileFromEnvironment: true)).Succeeded);
    }

    [Theory]
    [InlineData("fianl", "unknown profile 'fianl' (the script's profiles: draft, final) (did you mean 'final'?)")]
    [InlineData("preview", "unknown profile 'preview' (the script's profiles: draft, final)")]
    public void An_unknown_profile_is_reported_with_the_profiles_there_are(string asked, string message)
    {
        var c = Compile(Script, new LoadOptions(Profile: asked));

        Assert.False(c.Succeeded);
        var d = Assert.Single(c.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(("RL0220", 7, 1, message), (d.Code, d.Location.Line, d.Location.Column, d.Message));
    }
}
