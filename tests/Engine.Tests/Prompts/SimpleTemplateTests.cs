using System.Text;
using Reel.Engine.Core;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using Reel.Engine.Tests.Scripts;

namespace Reel.Engine.Tests.Prompts;

/// <summary>
/// Prompts rendered by substitution (issue 17) must be exactly what Scriban renders: seeded random templates
/// over vars, maps, characters, nested includes and matrix values, each rendered both ways.
/// </summary>
public sealed class SimpleTemplateTests
{
    private const string Script = """
        reel: 1
        vars:
          city: Lisbon
          look: " 35mm film,  warm light "
          year: 1999
          moody: true
          empty: ""
          crew: { lead: Ana, size: 3, deep: { name: Rui } }
          palette: [amber, teal]
          date: shadowed builtin
        templates:
          base: "{{ look }}."
          establishing: "{{ include 'base' }} Wide shot of {{ city }}"
          nested: "{{ include 'establishing' }} and {{ crew.lead }}"
          fancy: "{{ city | string.upcase }}"
        characters:
          mira: { name: Mira, description: "a barista, short silver hair" }
          tomas: { name: Tomás }
        scenes:
          - id: open
            prompt: x
        """;

    private static readonly string[] Pieces =
    [
        "A boat", " drifts ", "\n", "  ", "é ü ✓", "!", "{{ city }}", "{{ look }}", "{{ year }}", "{{ moody }}", "{{ empty }}",
        "{{ crew.lead }}", "{{ crew.size }}", "{{ crew.deep.name }}", "{{ crew.nope }}", "{{ palette }}", "{{ palette[0] }}", "{{ palette[1] }}", "{{ palette[7] }}", "{{ palette[-1] }}", "{{ crew[0] }}",
        "{{ characters.mira.name }}", "{{ characters.mira.description }}", "{{ characters.tomas.description }}", "{{ characters.mira.id }}",
        "{{ characters.nobody.name }}", "{{ include 'base' }}", "{{ include 'nested' }}", "{{ include 'fancy' }}", "{{ include 'nope' }}",
        "{{ light }}", "{{ lens }}", "{{ date }}", "{{ math.pi }}", "{{city}}", "{{ city | string.upcase }}", "{{~ city ~}}",
        "{{ if true }}yes{{ end }}", "{ brace }", "}}", "{{ undefined_thing }}", "{{ characters }}", "\t", "{{ end }}",
    ];

    [Fact]
    public void Substitution_renders_exactly_what_Scriban_renders()
    {
        var bag = new DiagnosticBag();
        var script = Compilation.Bind(ScriptText.Source(Script), bag)!;
        Assert.True(script is not null, string.Join("\n", bag.ToImmutable()));
        var renderer = new PromptRenderer(script);
        var random = new Random(17);
        var simple = 0;
        for (var i = 0; i < 3000; i++)
        {
            var text = new StringBuilder();
            for (var n = random.Next(1, 7); n > 0; n--)
            {
                text.Append(Pieces[random.Next(Pieces.Length)]);
            }

            var locals = random.Next(3) switch
            {
                0 => new List<KeyValuePair<string, string>>(),
                1 => [new("light", "dawn")],
                _ => [new("light", "neon"), new("lens", "35mm"), new("city", "Porto")],
            };
            var prompt = new TemplateText(text.ToString(), script.Scenes[0].Prompt.Node, script.Scenes[0].Prompt.Source);
            var fast = SimpleTemplate.TryRender(prompt.Text, locals, script, PromptRenderer.MaxPromptLength);
            if (fast is null)
            {
                continue;
            }

            simple++;
            var scriban = renderer.RenderWithScriban(prompt, locals, new DiagnosticBag());
            var expected = scriban ?? "<null>";
            var actual = fast.Trim().Length == 0 ? "<null>" : fast.Trim();
            Assert.True(expected == actual, $"template {Show(prompt.Text)} with [{string.Join(", ", locals)}]: Scriban {Show(expected)}, substitution {Show(actual)}");
        }

        Assert.True(simple > 300, $"only {simple} templates took the substitution path");
    }

    [Theory]
    [InlineData("{{ year }}")]
    [InlineData("{{ crew.nope }}")]
    [InlineData("{{ include 'fancy' }}")]
    [InlineData("{{ date }} is a var here, but {{ math.pi }} is not")]
    [InlineData("{{city}}")]
    public void Anything_outside_the_subset_is_left_to_Scriban(string template)
    {
        var script = Compilation.Bind(ScriptText.Source(Script), new DiagnosticBag())!;
        Assert.Null(SimpleTemplate.TryRender(template, [], script, PromptRenderer.MaxPromptLength));
    }

    private static string Show(string s) => "'" + s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "'";
}
