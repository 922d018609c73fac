using Reel.Engine.Core;
using Reel.Engine.Prompts;
using Reel.Engine.Tests.Scripts;

namespace Reel.Engine.Tests.Prompts;

/// <summary>The checks against the provider's table run after expansion, on every scene and every continuation or edit that expanded.</summary>
public sealed class CapabilityChecksTests
{
    [Fact]
    public void A_scene_is_checked_even_when_its_prompt_fails()
    {
        var (x, diagnostics) = ScriptText.Expand("""
            reel: 1
            provider: openai
            scenes:
              - { id: open, prompt: "{{ nope }}", seconds: 5 }
            """);

        Assert.Null(x);
        Assert.Equal(["RL0502", "RL0404"], diagnostics.Select(d => d.Code));
    }

    [Fact]
    public void A_continuation_whose_prompt_fails_is_not_checked_against_the_table()
    {
        var (x, diagnostics) = ScriptText.Expand("""
            reel: 1
            provider: openai
            scenes:
              - { id: open, prompt: A street., seconds: 4 }
            continuations:
              - { id: more, from: open, prompt: "{{ nope }}", seconds: 6 }
            """);

        Assert.Null(x);
        var d = Assert.Single(diagnostics);
        Assert.Equal("RL0502", d.Code);
    }

    [Fact]
    public void A_continuation_without_native_extension_warns_and_continues_from_the_last_frame()
    {
        var (x, diagnostics) = ScriptText.Expand("""
            reel: 1
            provider: fal
            defaults: { model: sora-2, seconds: 4 }
            scenes:
              - { id: open, prompt: A street. }
            continuations:
              - { id: more, from: open, prompt: The tram arrives. }
            """);

        Assert.NotNull(x);
        var d = Assert.Single(diagnostics);
        Assert.Equal(("RL0408", Severity.Warning), (d.Code, d.Severity));
        Assert.Equal((StepKind.Generate, "open"), (x.Find("more")!.Kind, ((GenerateStep)x.Find("more")!).LastFrameOf?.Text));
    }

    [Fact]
    public void The_input_hasher_reads_each_file_once()
    {
        var path = Path.Combine(Path.GetTempPath(), "reel-hasher-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "abc");
        var hasher = new InputHasher();

        var first = hasher.Input("image", path);
        File.Delete(path);
        var again = hasher.Input("music", path);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", first.Sha256);
        Assert.Equal(("music", path, first.Sha256), (again.Role, again.Path, again.Sha256));
    }
}
