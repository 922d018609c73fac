using Reel.Engine.Core;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using Reel.Engine.Tests.Scripts;

namespace Reel.Engine.Tests.Prompts;

public sealed class ExpanderTests
{
    [Fact]
    public void Expand_uses_built_in_size_and_seconds_when_nothing_is_set()
    {
        var x = ScriptText.ExpandClean("reel: 1\nscenes:\n  - id: a\n    prompt: A.\n");
        var a = Assert.IsType<GenerateStep>(Assert.Single(x.Steps));
        Assert.Equal(new VideoSize(1280, 720), a.Size);
        Assert.Equal(4, a.Seconds);
        Assert.Equal("local", a.Model);
    }

    [Fact]
    public void Expand_prefers_step_settings_over_defaults_over_built_ins()
    {
        var x = ScriptText.ExpandClean("""
            reel: 1
            defaults: { model: m-default, seconds: 8 }
            scenes:
              - { id: inherits, prompt: A. }
              - { id: own, prompt: B., model: m-own, size: 640x480, seconds: 2 }
              - { id: some, prompt: C., size: 720x1280 }
            """);
        Assert.Equal(("m-default", "1280x720", 8), Settings(x, "inherits"));
        Assert.Equal(("m-own", "640x480", 2), Settings(x, "own"));
        Assert.Equal(("m-default", "720x1280", 8), Settings(x, "some"));
    }

    [Fact]
    public void Expand_gives_extensions_their_source_size_and_model_and_defaults_seconds()
    {
        var x = ScriptText.ExpandClean("""
            reel: 1
            defaults: { seconds: 6 }
            scenes:
              - { id: a, prompt: A., model: m, size: 640x480, seconds: 2 }
            continuations:
              - { id: b, from: a, prompt: B. }
              - { id: c, from: b, prompt: C., seconds: 3 }
            """);
        var c = Assert.IsType<ExtendStep>(x.Find("c"));
        Assert.Equal(("m", "640x480", 3), Settings(x, "c"));
        Assert.Equal(StepKind.Extend, c.Kind);
        Assert.Equal(2 + 6 + 3, c.TotalSeconds);
        Assert.Equal(2, c.ExtensionDepth);
    }

    [Fact]
    public void Expand_orders_matrix_variants_by_axis_declaration_with_the_last_axis_fastest()
    {
        var x = ScriptText.ExpandClean("""
            reel: 1
            scenes:
              - id: pour
                prompt: "{{ light }}/{{ speed }}"
                matrix: { light: [dawn, neon], speed: [1, 2.5, 3] }
            """);
        Assert.Equal(
            [
                "pour[light=dawn,speed=1]", "pour[light=dawn,speed=2.5]", "pour[light=dawn,speed=3]",
                "pour[light=neon,speed=1]", "pour[light=neon,speed=2.5]", "pour[light=neon,speed=3]",
            ],
            x.Steps.Select(s => s.Id.Text));
        Assert.Equal("neon/2.5", Clip(x, "pour[light=neon,speed=2.5]").Prompt);
    }

    [Fact]
    public void Expand_names_takes_and_flows_the_picked_take_on()
    {
        var x = ScriptText.ExpandClean("""
            reel: 1
            scenes:
              - { id: open, prompt: A., takes: 3, pick: 2 }
              - { id: one, prompt: B. }
            continuations:
              - { id: picked, from: open, prompt: C. }
              - { id: named, from: 'open#3', prompt: D. }
              - { id: single, from: one, prompt: E. }
            """);
        Assert.Equal(["open#1", "open#2", "open#3", "one", "picked", "named", "single"], x.Steps.Select(s => s.Id.Text));
        Assert.Equal([1, 2, 3], x.Steps.OfType<ClipStep>().Where(s => s.Source == "open").Select(s => s.Take));
        Assert.Equal(0, Clip(x, "one").Take);
        Assert.Equal(["open#2"], Ids(x.Find("picked")!.Needs));
        Assert.Equal(["open#3"], Ids(x.Find("named")!.Needs));
        Assert.Equal(["one"], Ids(x.Find("single")!.Needs));
    }

    [Fact]
    public void Expand_resolves_a_matrix_cell_with_takes_to_its_picked_take()
    {
        var x = ScriptText.ExpandClean("""
            reel: 1
            scenes:
              - { id: pour, prompt: "{{ light }}", matrix: { light: [dawn, neon] }, takes: 2, pick: 2 }
            edits:
              - { id: warm, from: "pour[light=neon]", prompt: "Warmer {{ light }}." }
              - { id: first, from: "pour[light=dawn]#1", prompt: Cooler. }
            """);
        Assert.Equal(["pour[light=neon]#2"], Ids(x.Find("warm")!.Needs));
        Assert.Equal("Warmer neon.", Clip(x, "warm").Prompt);
        Assert.Equal(["pour[light=dawn]#1"], Ids(x.Find("first")!.Needs));
    }

    [Fact]
    public void Expand_cut_of_a_matrix_step_takes_every_variant_and_a_slice_takes_the_matching_ones()
    {
        var x = ScriptText.ExpandClean("""
            reel: 1
            scenes:
              - { id: pour, prompt: "{{ light }} {{ angle }}", matrix: { light: [dawn, neon], angle: [top, side] }, takes: 2 }
            cut:
              - { id: all, output: out/all.mp4, shots: [pour] }
              - { id: dawn, output: out/dawn.mp4, shots: ["pour[light=dawn]"] }
            """);
        Assert.Equal(
            ["pour[light=dawn,angle=top]#1", "pour[light=dawn,angle=side]#1", "pour[light=neon,angle=top]#1", "pour[light=neon,angle=side]#1"],
            Ids(((CutStep)x.Find("all")!).Shots));
        Assert.Equal(["pour[light=dawn,angle=top]#1", "pour[light=dawn,angle=side]#1"], Ids(((CutStep)x.Find("dawn")!).Shots));
        Assert.Equal("out/dawn.mp4", ((CutStep)x.Find("dawn")!).Output);
    }

    [Fact]
    public void Expand_registers_only_characters_with_a_video_that_a_scene_uses()
    {
        using var dir = new TempCaseDir();
        File.WriteAllBytes(Path.Combine(dir.Path, "mira.mp4"), [1, 2, 3]);
        var x = dir.ExpandClean("""
            reel: 1
            characters:
              mira: { name: Mira, video: mira.mp4 }
              theo: { name: Theo }
              ghost: { name: Ghost, video: mira.mp4 }
            scenes:
              - { id: open, prompt: Mira and Theo., characters: [mira, theo] }
              - { id: close, prompt: Theo., characters: [theo] }
            """);
        var character = Assert.IsType<CharacterStep>(Assert.Single(x.Steps, s => s.Kind == StepKind.Character));
        Assert.Equal("@mira", character.Id.Text);
        Assert.Equal("Mira", character.Name);
        Assert.Equal(["@mira"], Ids(x.Find("open")!.Needs));
        Assert.Equal(["@mira"], Ids(((GenerateStep)x.Find("open")!).Characters));
        Assert.Empty(x.Find("close")!.Needs);
        Assert.Equal(0, x.Steps.IndexOf(character));
    }

    [Fact]
    public void Expand_warns_when_a_listed_character_is_not_named_in_the_prompt()
    {
        var (x, diagnostics) = ScriptText.Expand("""
            reel: 1
            characters:
              mira: { name: Mira }
            scenes:
              - { id: open, prompt: A barista opens the shop., characters: [mira] }
            """);
        Assert.NotNull(x);
        var d = Assert.Single(diagnostics);
        Assert.Equal(("RL0506", Severity.Warning, 5, 65), (d.Code, d.Severity, d.Location.Line, d.Location.Column));
    }

    [Fact]
    public void Expand_is_deterministic()
    {
        const string text = "reel: 1\nscenes:\n  - { id: pour, prompt: \"{{ l }}\", matrix: { l: [a, b] }, takes: 2 }\n";
        Assert.Equal(ScriptText.ExpandClean(text).Steps.OfType<ClipStep>().Select(s => s.Id + s.Prompt), ScriptText.ExpandClean(text).Steps.OfType<ClipStep>().Select(s => s.Id + s.Prompt));
    }

    private static (string Model, string Size, int Seconds) Settings(ExpandedScript x, string id)
    {
        var s = Clip(x, id);
        return (s.Model, s.Size.ToString(), s.Seconds);
    }

    private static ClipStep Clip(ExpandedScript x, string id) => Assert.IsAssignableFrom<ClipStep>(x.Find(id));

    private static string[] Ids(IEnumerable<StepId> ids) => [.. ids.Select(i => i.Text)];

    private sealed class TempCaseDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reel-expander-" + Guid.NewGuid().ToString("N"));

        public TempCaseDir() => Directory.CreateDirectory(Path);

        public ExpandedScript ExpandClean(string text)
        {
            var compilation = Compilation.Compile(new SourceFile(System.IO.Path.Combine(Path, "test.yaml"), "test.yaml", text));
            Assert.True(compilation.Expanded is not null && !compilation.Diagnostics.Any(d => d.Severity == Severity.Error), string.Join("\n", compilation.Diagnostics));
            return compilation.Expanded!;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
