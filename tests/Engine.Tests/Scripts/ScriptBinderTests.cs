using Reel.Engine.Core;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

/// <summary>Load, Validate, Includes and Bind are separate stages; <see cref="Compilation"/> runs them in order.</summary>
public sealed class ScriptBinderTests
{
    private static readonly string Cases = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "Cases"));

    [Fact]
    public void The_stages_called_one_by_one_bind_what_the_pipeline_binds()
    {
        var path = Path.Combine(Cases, "070-valid", "707-includes.yaml");
        var file = new SourceFile(path, "707-includes.yaml", File.ReadAllText(path));
        var bag = new DiagnosticBag();

        var document = YamlLoader.Load(file, bag);
        SchemaValidator.Validate(document, bag);
        var included = Includes.Load(document, bag);
        var script = ScriptBinder.Bind(document, included, bag);

        Assert.Empty(bag.ToImmutable());
        Assert.NotNull(script);
        Assert.Equal(
            [Path.Combine(Cases, "070-valid", "cast.inc.yaml"), Path.Combine(Cases, "070-valid", "style.inc.yaml")],
            included.IncludedFiles.AsEnumerable());
        Assert.Equal(["mira", "theo"], included.Characters.Select(c => c.Id));
        Assert.Equal(["city", "look", "palette"], included.Vars.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["city", "look", "palette", "shop"], script.Vars.Keys.Order(StringComparer.Ordinal));

        var compiled = Compilation.Compile(file);
        Assert.True(compiled.Succeeded);
        Assert.Equal(compiled.Script!.Steps.Select(s => s.Id), script.Steps.Select(s => s.Id));
        Assert.Equal(compiled.Script.IncludedFiles.AsEnumerable(), script.IncludedFiles.AsEnumerable());
    }

    [Fact]
    public void Bind_checks_repeated_matrix_values_and_characters_itself_when_Validate_did_not_run()
    {
        var document = YamlLoader.Load(ScriptText.Source("""
            reel: 1
            characters:
              mira: { name: Mira }
            scenes:
              - id: pour
                prompt: "{{ light }}"
                characters: [mira, mira]
                matrix: { light: [dawn, dawn] }
            """), new DiagnosticBag());
        var bag = new DiagnosticBag();

        var script = ScriptBinder.Bind(document, Definitions.None, bag);

        Assert.Null(script);
        Assert.Collection(
            bag.ToImmutable(),
            d => Assert.Equal(("RL0208", 7, 24, "character 'mira' is listed twice"), (d.Code, d.Location.Line, d.Location.Column, d.Message)),
            d => Assert.Equal(("RL0208", 8, 22, "matrix axis 'light' lists 'dawn' twice"), (d.Code, d.Location.Line, d.Location.Column, d.Message)));
    }

    [Fact]
    public void An_empty_script_is_reported_once_by_the_pipeline_before_Validate()
    {
        var compilation = Compilation.Compile(ScriptText.Source("# nothing here\n"));

        var d = Assert.Single(compilation.Diagnostics);
        Assert.Equal(("RL0106", "the script is empty; a script starts with 'reel: 1'"), (d.Code, d.Message));
        Assert.Null(compilation.Script);
    }

    [Fact]
    public void A_script_without_includes_defines_nothing_beyond_its_own()
    {
        var document = YamlLoader.Load(ScriptText.Source("reel: 1\nvars: { a: 1 }\nscenes:\n  - { id: a, prompt: A. }\n"), new DiagnosticBag());

        Assert.Same(Definitions.None, Includes.Load(document, new DiagnosticBag()));
    }
}
