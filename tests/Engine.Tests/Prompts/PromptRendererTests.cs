using Reel.Engine.Core;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using Reel.Engine.Tests.Scripts;

namespace Reel.Engine.Tests.Prompts;

/// <summary>The render budget of issue 18 (golden cases 090-limits cover time and regex through the default limits).</summary>
public sealed class PromptRendererTests
{
    /// <summary>Doubles a 30,000-character string fifteen levels deep: within Scriban's limits, about 2 GB if let run.</summary>
    private const string MemoryBomb = """
        reel: 1
        scenes:
          - id: open
            prompt: |
              {{ func f; if $0 > 0; ret (f($0 - 1)) + (f($0 - 1)); else; ret "abcdefghij" * 3000; end; end }}A boat. {{ (f 15) | string.size }}
        """;

    [Fact]
    public void A_prompt_that_allocates_past_the_memory_budget_is_stopped_at_the_prompt()
    {
        // A generous time budget, so only memory can stop it however loaded the machine is.
        var (script, prompt) = Bind(MemoryBomb);
        var bag = new DiagnosticBag();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var text = new PromptRenderer(script, RenderLimits.Default with { Time = TimeSpan.FromMinutes(5), Memory = 64L * 1024 * 1024 }).Render(prompt, [], bag);

        Assert.Null(text);
        var d = Assert.Single(bag.ToImmutable());
        Assert.Equal("RL0504", d.Code);
        Assert.Equal("template limit exceeded: the prompt allocated more than 64 MB while rendering", d.Message);
        Assert.Equal(new SourceLocation("test.yaml", 4, 13), d.Location);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 512L * 1024 * 1024, "the render should stop soon after the budget");
    }

    [Fact]
    public void A_prompt_that_runs_past_the_time_budget_is_stopped_at_the_prompt()
    {
        var (script, prompt) = Bind("""
            reel: 1
            scenes:
              - id: open
                prompt: "{{ func f; if $0 > 0; f($0 - 1); f($0 - 1); f($0 - 1); f($0 - 1); end; end }}A boat. {{ f 15 }}"
            """);
        var bag = new DiagnosticBag();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var text = new PromptRenderer(script, RenderLimits.Default with { Time = TimeSpan.FromMilliseconds(200) }).Render(prompt, [], bag);

        Assert.Null(text);
        var d = Assert.Single(bag.ToImmutable());
        Assert.Equal("template limit exceeded: the prompt did not finish rendering within 0.2 s", d.Message);
        Assert.Equal(new SourceLocation("test.yaml", 4, 13), d.Location);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopped after {clock.Elapsed}");
    }

    [Fact]
    public void A_prompt_within_the_budget_renders()
    {
        var (script, prompt) = Bind("""
            reel: 1
            scenes:
              - id: open
                prompt: "{{ for i in 1..3 }}{{ i }}{{ end }} boats, {{ 'a-b' | regex.replace '-' ' ' }}."
            """);
        var bag = new DiagnosticBag();
        Assert.Equal("123 boats, a b.", new PromptRenderer(script).Render(prompt, [], bag));
        Assert.Empty(bag.ToImmutable());
    }

    [Theory]
    [InlineData("{{ math.uuid }}", "math.uuid")]
    [InlineData("{{ math.random 1 9 }}", "math.random")]
    [InlineData("{{ date.now | date.to_string '%Y' }}", "date.now")]
    [InlineData("{{ f = date.now; f }}", "date.now")]
    [InlineData("{{ [1] | array.each @math.uuid }}", "math.uuid")]
    public void Non_deterministic_functions_are_refused_however_they_are_reached(string template, string function)
    {
        var (script, prompt) = Bind($"reel: 1\nscenes:\n  - id: open\n    prompt: \"A boat {template}\"\n");
        var bag = new DiagnosticBag();

        Assert.Null(new PromptRenderer(script).Render(prompt, [], bag));
        var d = Assert.Single(bag.ToImmutable());
        Assert.Equal("RL0508", d.Code);
        Assert.StartsWith($"'{function}' gives a different value on every render", d.Message, StringComparison.Ordinal);
        Assert.Equal(4, d.Location.Line);
    }

    private static (Script Script, TemplateText Prompt) Bind(string text)
    {
        var bag = new DiagnosticBag();
        var script = Compilation.Bind(ScriptText.Source(text), bag);
        Assert.True(script is not null, string.Join("\n", bag.ToImmutable()));
        return (script!, script!.Scenes[0].Prompt);
    }
}
