using System.Collections.Immutable;
using Newtonsoft.Json.Linq;
using Reel.Engine.Core;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

public sealed class SchemaValidatorTests
{
    private const string FullExample = """
        # yaml-language-server: $schema=../../schemas/reel.schema.json
        reel: 1
        title: Morning Shift
        provider: local
        include: [cast.yaml]
        defaults:
          model: sora-2
          size: 1280x720
          seconds: 8
        vars:
          city: Lisbon
          look: 35mm film, warm dawn light, shallow depth of field
          year: 1999
          moody: true
          palette: [amber, teal]
          crew: { lead: Ana }
        templates:
          establishing: "{{ look }}. Wide establishing shot of {{ city }}"
        characters:
          mira:
            name: Mira
            description: a barista in her 30s, short silver hair, green apron
            video: assets/mira.mp4
        scenes:
          - id: open
            prompt: |
              {{ include 'establishing' }}. {{ characters.mira.name }}, {{ characters.mira.description }},
              unlocks the door of a tiny coffee shop.
            characters: [mira]
            image: assets/storefront.png
            fit: pad
            takes: 2
            pick: 2
            options: { anything: [goes, 1] }
          - id: pour
            model: sora-2-pro
            seconds: 4
            size: 720x1280
            matrix: { light: [dawn, neon], speed: [1, 2.5] }
            prompt: "Close-up: {{ characters.mira.name }} pours latte art in {{ light }} light."
        continuations:
          - id: open-2
            from: open
            prompt: She flips the sign to OPEN and smiles.
            seconds: 4
            mode: extend
          - id: open-3
            from: open#2
            prompt: She waves.
            mode: last-frame
            takes: 3
            pick: 1
        edits:
          - id: pour-warm
            from: pour[light=dawn, speed=2.5]#1
            prompt: Warmer grade, steam more visible.
        cut:
          - id: film
            output: out/morning-shift.mp4
            shots: [open-2, 'pour[light=neon,speed=1]', pour-warm]
        """;

    [Fact]
    public void SchemaValidator_accepts_the_full_design_example()
    {
        Assert.Empty(Check(FullExample));
    }

    [Fact]
    public void SchemaValidator_reports_unknown_key_at_the_key_with_a_suggestion()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: open
                prompt: hi
                promt: hi
            """);

        AssertDiagnostic(diagnostics, "RL0110", 5, 5, "unknown key 'promt' in scene 'open' (did you mean 'prompt'?)");
    }

    [Fact]
    public void SchemaValidator_reports_unknown_top_level_key()
    {
        var diagnostics = Check("""
            reel: 1
            scnes: []
            """);

        AssertDiagnostic(diagnostics, "RL0110", 2, 1, "unknown key 'scnes' (did you mean 'scenes'?)");
    }

    [Fact]
    public void SchemaValidator_reports_unknown_key_without_suggestion_when_nothing_is_close()
    {
        var diagnostics = Check("""
            reel: 1
            defaults: { model: x, colour: red }
            """);

        AssertDiagnostic(diagnostics, "RL0110", 2, 23, "unknown key 'colour' in 'defaults'");
    }

    [Fact]
    public void SchemaValidator_reports_missing_required_key_at_the_mapping()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: open
                model: sora-2
            """);

        AssertDiagnostic(diagnostics, "RL0111", 3, 5, "scene 'open' is missing required key 'prompt'");
    }

    [Fact]
    public void SchemaValidator_merges_several_missing_keys_of_one_mapping()
    {
        var diagnostics = Check("""
            reel: 1
            cut:
              - id: film
            """);

        AssertDiagnostic(diagnostics, "RL0111", 3, 5, "cut 'film' is missing required keys 'output' and 'shots'");
    }

    [Fact]
    public void SchemaValidator_reports_missing_reel()
    {
        var diagnostics = Check("""
            title: x
            """);

        AssertDiagnostic(diagnostics, "RL0111", 1, 1, "the script is missing required key 'reel'; a script starts with 'reel: 1'");
    }

    [Fact]
    public void SchemaValidator_reports_an_empty_script()
    {
        var diagnostics = Check("# nothing yet\n");

        AssertDiagnostic(diagnostics, "RL0111", 1, 1, "the script is empty; it must start with 'reel: 1'");
    }

    [Fact]
    public void SchemaValidator_reports_wrong_type_at_the_value()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: open
                prompt: hi
                seconds: eight
            """);

        AssertDiagnostic(diagnostics, "RL0112", 5, 14, "'seconds' in scene 'open' must be an integer, not a string (\"eight\")");
    }

    [Theory]
    [InlineData("8", null)]
    [InlineData("\"8\"", "'seconds' in 'defaults' must be an integer, not a string (\"8\")")]
    [InlineData("'8'", "'seconds' in 'defaults' must be an integer, not a string (\"8\")")]
    [InlineData("8.5", "'seconds' in 'defaults' must be an integer, not a number (8.5)")]
    [InlineData("true", "'seconds' in 'defaults' must be an integer, not a boolean (true)")]
    [InlineData("", "'seconds' in 'defaults' must be an integer, not empty")]
    [InlineData("~", "'seconds' in 'defaults' must be an integer, not null")]
    public void SchemaValidator_types_scalars_by_the_yaml_core_schema(string value, string? message)
    {
        var diagnostics = Check($"reel: 1\ndefaults:\n  seconds: {value}\n");

        if (message is null)
        {
            Assert.Empty(diagnostics);
        }
        else
        {
            var d = Assert.Single(diagnostics);
            Assert.Equal(("RL0112", message), (d.Code, d.Message));
            Assert.Equal(3, d.Location.Line);
        }
    }

    [Fact]
    public void SchemaValidator_reports_a_quoted_title_number_as_fine_and_a_plain_one_as_wrong_type()
    {
        Assert.Empty(Check("reel: 1\ntitle: \"1999\"\n"));
        AssertDiagnostic(Check("reel: 1\ntitle: 1999\n"), "RL0112", 2, 8, "'title' must be a string, not a number (1999)");
    }

    [Fact]
    public void SchemaValidator_names_all_allowed_types_of_a_variable()
    {
        var diagnostics = Check("""
            reel: 1
            vars:
              city:
            """);

        AssertDiagnostic(diagnostics, "RL0112", 3, 3, "'city' in 'vars' must be a string, number, boolean, list or mapping, not empty");
    }

    [Fact]
    public void SchemaValidator_reports_a_script_that_is_not_a_mapping()
    {
        var diagnostics = Check("- reel: 1\n");

        AssertDiagnostic(diagnostics, "RL0112", 1, 1, "a script must be a mapping of keys such as 'reel:' and 'scenes:', not a list");
    }

    [Fact]
    public void SchemaValidator_reports_enum_value_with_suggestion()
    {
        var diagnostics = Check("""
            reel: 1
            continuations:
              - { id: more, from: open, prompt: p, mode: extnd }
            """);

        AssertDiagnostic(diagnostics, "RL0113", 3, 46, "'mode' in continuation 'more' must be one of: extend, last-frame (got 'extnd'; did you mean 'extend'?)");
    }

    [Fact]
    public void SchemaValidator_reports_invalid_id()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: Open_1
                prompt: hi
            """);

        AssertDiagnostic(diagnostics, "RL0113", 3, 9, "invalid scene id 'Open_1': ids are lower-case letters, digits and '-', starting with a letter or digit");
    }

    [Fact]
    public void SchemaValidator_reports_invalid_character_id_at_the_key()
    {
        var diagnostics = Check("""
            reel: 1
            characters:
              Mira:
                name: Mira
            """);

        AssertDiagnostic(diagnostics, "RL0113", 3, 3, "invalid character id 'Mira': ids are lower-case letters, digits and '-', starting with a letter or digit (use 'mira')");
    }

    [Fact]
    public void SchemaValidator_reports_invalid_size()
    {
        var diagnostics = Check("""
            reel: 1
            defaults:
              size: 1280*720
            """);

        AssertDiagnostic(diagnostics, "RL0113", 3, 9, "'size' in 'defaults' must look like 1280x720 (got '1280*720')");
    }

    [Fact]
    public void SchemaValidator_reports_invalid_output_and_step_reference()
    {
        var diagnostics = Check("""
            reel: 1
            cut:
              - id: film
                output: film.mov
                shots: [open, "pour[Light=dawn]"]
            """);

        Assert.Collection(
            diagnostics,
            d => Assert.Equal(("RL0113", 4, 13, "'output' in cut 'film' must end in .mp4 (got 'film.mov')"), (d.Code, d.Location.Line, d.Location.Column, d.Message)),
            d => Assert.Equal(("RL0113", 5, 19, "invalid step reference 'pour[Light=dawn]' in cut 'film': write a step id, optionally with a matrix cell and a take: 'open', 'open#2', 'pour[light=dawn]', 'pour[light=dawn]#2' (use 'pour[light=dawn]')"), (d.Code, d.Location.Line, d.Location.Column, d.Message)));
    }

    [Theory]
    [InlineData("open", true)]
    [InlineData("open-2", true)]
    [InlineData("open#2", true)]
    [InlineData("pour[light=dawn]", true)]
    [InlineData("pour[light=dawn,time=late night]#3", true)]
    [InlineData("pour[light=dawn, time=2]", true)]
    [InlineData("open#0", false)]
    [InlineData("Open", false)]
    [InlineData("pour[]", false)]
    [InlineData("pour[light]", false)]
    [InlineData("pour[light=dawn", false)]
    public void SchemaValidator_checks_the_shape_of_step_references(string reference, bool valid)
    {
        var diagnostics = Check($"reel: 1\nedits:\n  - id: e\n    from: '{reference}'\n    prompt: p\n");

        if (valid)
        {
            Assert.Empty(diagnostics);
        }
        else
        {
            var d = Assert.Single(diagnostics);
            Assert.Equal(("RL0113", 4, 11), (d.Code, d.Location.Line, d.Location.Column));
        }
    }

    [Fact]
    public void SchemaValidator_reports_unsupported_reel_version()
    {
        var diagnostics = Check("reel: 2\n");

        AssertDiagnostic(diagnostics, "RL0113", 1, 7, "unsupported script format 'reel: 2'; this version of Reel reads 'reel: 1'");
    }

    [Fact]
    public void SchemaValidator_reports_a_quoted_reel_version_as_wrong_type()
    {
        var diagnostics = Check("reel: \"1\"\n");

        AssertDiagnostic(diagnostics, "RL0112", 1, 7, "'reel' must be an integer, not a string (\"1\")");
    }

    [Fact]
    public void SchemaValidator_points_at_the_key_of_an_empty_value()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: a
                prompt:
                model: m
            """);

        AssertDiagnostic(diagnostics, "RL0112", 4, 5, "'prompt' in scene 'a' must be a string, not empty");
    }

    [Fact]
    public void SchemaValidator_reports_a_node_shared_through_an_alias_once()
    {
        var diagnostics = Check("""
            reel: 1
            scenes: [&s { id: q }, *s]
            """);

        AssertDiagnostic(diagnostics, "RL0111", 2, 10, "scene 'q' is missing required key 'prompt'");
    }

    [Fact]
    public void SchemaValidator_reports_out_of_range_numbers()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: open
                prompt: hi
                takes: 40
                pick: 0
                seconds: 121
            """);

        Assert.Collection(
            diagnostics,
            d => Assert.Equal(("RL0114", 5, 12, "'takes' in scene 'open' must be between 1 and 16 (got 40)"), (d.Code, d.Location.Line, d.Location.Column, d.Message)),
            d => Assert.Equal(("RL0114", 6, 11, "'pick' in scene 'open' must be at least 1 (got 0)"), (d.Code, d.Location.Line, d.Location.Column, d.Message)),
            d => Assert.Equal(("RL0114", 7, 14, "'seconds' in scene 'open' must be between 1 and 120 (got 121)"), (d.Code, d.Location.Line, d.Location.Column, d.Message)));
    }

    [Fact]
    public void SchemaValidator_reports_empty_lists()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: pour
                prompt: p
                matrix: { light: [] }
            cut:
              - { id: film, output: out/film.mp4, shots: [] }
            """);

        Assert.Collection(
            diagnostics,
            d => Assert.Equal(("RL0114", 5, 22, "matrix axis 'light' in scene 'pour' must not be empty"), (d.Code, d.Location.Line, d.Location.Column, d.Message)),
            d => Assert.Equal(("RL0114", 7, 46, "'shots' in cut 'film' must not be empty"), (d.Code, d.Location.Line, d.Location.Column, d.Message)));
    }

    [Fact]
    public void SchemaValidator_reports_other_errors_readably()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: pour
                prompt: p
                matrix:
                  light: [dawn, neon, dawn]
            """);

        AssertDiagnostic(diagnostics, "RL0115", 6, 27, "matrix axis 'light' in scene 'pour' lists 'dawn' more than once");
    }

    [Fact]
    public void SchemaValidator_reports_one_error_per_node_in_source_order()
    {
        var diagnostics = Check("""
            reel: 1
            scenes:
              - id: b
                prompt: 1
              - id: A
            """);

        Assert.Equal(
            ["t.yaml(4,13): error RL0112: 'prompt' in scene 'b' must be a string, not a number (1)",
             "t.yaml(5,5): error RL0111: scene 'A' is missing required key 'prompt'",
             "t.yaml(5,9): error RL0113: invalid scene id 'A': ids are lower-case letters, digits and '-', starting with a letter or digit (use 'a')"],
            diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void SchemaValidator_accepts_an_include_file_with_characters_vars_and_templates()
    {
        var diagnostics = Check(
            """
            characters:
              bob: { name: Bob }
            vars: { city: Porto }
            templates: { wide: "wide shot of {{ city }}" }
            """,
            include: true);

        Assert.Empty(diagnostics);
    }

    [Fact]
    public void SchemaValidator_rejects_steps_in_an_include_file()
    {
        var diagnostics = Check(
            """
            vars: { city: Porto }
            scenes: []
            """,
            include: true);

        AssertDiagnostic(diagnostics, "RL0110", 2, 1, "'scenes' is not allowed in an included file; included files may only contain characters, vars and templates");
    }

    [Fact]
    public void SchemaValidator_is_safe_to_call_in_parallel()
    {
        var expected = Check("reel: 1\nscenes: [{ id: x, promt: p }]\n");
        var results = new ImmutableArray<Diagnostic>[16];
        Parallel.For(0, results.Length, i => results[i] = Check("reel: 1\nscenes: [{ id: x, promt: p }]\n"));

        Assert.All(results, r => Assert.Equal(expected.AsEnumerable(), r));
    }

    [Theory]
    [InlineData("hello", ScalarKind.Plain, JTokenType.String)]
    [InlineData("1280x720", ScalarKind.Plain, JTokenType.String)]
    [InlineData("yes", ScalarKind.Plain, JTokenType.String)]
    [InlineData("8", ScalarKind.Plain, JTokenType.Integer)]
    [InlineData("-3", ScalarKind.Plain, JTokenType.Integer)]
    [InlineData("0x1F", ScalarKind.Plain, JTokenType.Integer)]
    [InlineData("0o17", ScalarKind.Plain, JTokenType.Integer)]
    [InlineData("2.5", ScalarKind.Plain, JTokenType.Float)]
    [InlineData("1e3", ScalarKind.Plain, JTokenType.Float)]
    [InlineData(".inf", ScalarKind.Plain, JTokenType.Float)]
    [InlineData("99999999999999999999", ScalarKind.Plain, JTokenType.Float)]
    [InlineData("true", ScalarKind.Plain, JTokenType.Boolean)]
    [InlineData("FALSE", ScalarKind.Plain, JTokenType.Boolean)]
    [InlineData("null", ScalarKind.Plain, JTokenType.Null)]
    [InlineData("~", ScalarKind.Plain, JTokenType.Null)]
    [InlineData("", ScalarKind.Plain, JTokenType.Null)]
    [InlineData("8", ScalarKind.DoubleQuoted, JTokenType.String)]
    [InlineData("true", ScalarKind.SingleQuoted, JTokenType.String)]
    [InlineData("null", ScalarKind.Literal, JTokenType.String)]
    public void SchemaJson_types_scalars_by_the_yaml_1_2_core_schema(string text, ScalarKind kind, JTokenType expected)
    {
        var scalar = new YScalar(text, kind, SourceLocation.None, SourceLocation.None);

        Assert.Equal(expected, SchemaJson.Typed(scalar).Type);
    }

    [Fact]
    public void SchemaValidator_embeds_the_schema_file_from_the_repository()
    {
        var path = Path.Combine(Repository.Root, "schemas", "reel.schema.json");

        Assert.Equal(File.ReadAllText(path), SchemaValidator.SchemaText);
    }

    [Fact]
    public void SchemaValidator_schema_describes_every_property_and_rejects_unknown_keys()
    {
        var schema = JObject.Parse(SchemaValidator.SchemaText);
        var problems = new List<string>();
        Walk(schema, "#");
        Assert.Empty(problems);

        void Walk(JToken token, string path)
        {
            if (path == "#/allOf")
            {
                // The per-provider if/then blocks only annotate keys described (and closed) above them.
                return;
            }

            if (token is JObject obj)
            {
                if (obj["properties"] is JObject props)
                {
                    foreach (var p in props.Properties())
                    {
                        var prop = (JObject)p.Value;
                        if (prop["description"] is null && prop["$ref"] is null)
                        {
                            problems.Add($"{path}/properties/{p.Name} has no description");
                        }

                        if (prop["$ref"] is JValue { Value: string target } && schema.SelectToken(target.TrimStart('#', '/').Replace('/', '.'))?["description"] is null)
                        {
                            problems.Add($"{path}/properties/{p.Name} refers to {target}, which has no description");
                        }
                    }
                }

                var isFreeForm = path.EndsWith("/options", StringComparison.Ordinal) || path.EndsWith("/vars", StringComparison.Ordinal) || path.EndsWith("/templates", StringComparison.Ordinal)
                    || path.Contains("additionalProperties", StringComparison.Ordinal);
                if (obj["type"] is JValue { Value: "object" } && !isFreeForm && obj["additionalProperties"] is not JValue { Value: false })
                {
                    problems.Add($"{path} allows unknown keys");
                }

                foreach (var p in obj.Properties())
                {
                    Walk(p.Value, $"{path}/{p.Name}");
                }
            }
            else if (token is JArray arr)
            {
                for (var i = 0; i < arr.Count; i++)
                {
                    Walk(arr[i], $"{path}/{i}");
                }
            }
        }
    }

    private static ImmutableArray<Diagnostic> Check(string yaml, bool include = false)
    {
        var bag = new DiagnosticBag();
        var doc = YamlLoader.Load(new SourceFile("/scripts/t.yaml", "t.yaml", yaml), bag);
        Assert.False(bag.HasErrors, string.Join("\n", bag.ToImmutable()));
        if (include)
        {
            SchemaValidator.ValidateInclude(doc, bag);
        }
        else
        {
            SchemaValidator.Validate(doc, bag);
        }

        return bag.ToImmutable();
    }

    private static void AssertDiagnostic(ImmutableArray<Diagnostic> diagnostics, string code, int line, int column, string message)
    {
        var d = Assert.Single(diagnostics);
        Assert.Equal((code, line, column, message), (d.Code, d.Location.Line, d.Location.Column, d.Message));
        Assert.Equal("t.yaml", d.Location.File);
        Assert.Equal(Severity.Error, d.Severity);
    }
}
