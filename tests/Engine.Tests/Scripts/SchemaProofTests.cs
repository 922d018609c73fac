using Reel.Engine.Core;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

/// <summary>
/// The fast validity proof (issue 17) may skip NJsonSchema only where NJsonSchema would find nothing:
/// every tree it proves valid must have no NJsonSchema error, over every example, golden case and
/// thousands of seeded mutants; and it must prove the valid scripts, or it saves nothing.
/// </summary>
public sealed class SchemaProofTests
{
    private const int MutantsPerSource = 200;

    [Fact]
    public void Every_example_and_valid_golden_case_is_proven_valid_without_NJsonSchema()
    {
        var sources = ValidSources();
        Assert.NotEmpty(sources);
        foreach (var path in sources)
        {
            var doc = Load(File.ReadAllText(path), path);
            Assert.True(doc.Root is not null && SchemaValidator.ProvenValid(doc.Root, isInclude: false), $"{path} is valid but not proven so");
        }
    }

    [Fact]
    public void The_proof_never_passes_a_tree_that_NJsonSchema_rejects()
    {
        var checkedTrees = 0;
        var proven = 0;
        var texts = AllCaseFiles().Select(p => (p, File.ReadAllText(p))).ToList();
        for (var s = 0; s < texts.Count; s++)
        {
            var (path, text) = texts[s];
            var variants = new List<string> { text };
            variants.AddRange(Enumerable.Range(0, MutantsPerSource).Select(i => ScriptMutator.Mutate(text, new Random((17 * 100_000) + (s * 1000) + i))));
            foreach (var variant in variants)
            {
                var doc = Load(variant, path);
                if (doc.Root is null)
                {
                    continue;
                }

                foreach (var isInclude in new[] { false, true })
                {
                    checkedTrees++;
                    if (!SchemaValidator.ProvenValid(doc.Root, isInclude))
                    {
                        continue;
                    }

                    proven++;
                    var schema = isInclude ? SchemaResource.Include : SchemaResource.Script;
                    var errors = schema.Validate(SchemaJson.From(doc.Root).Root);
                    Assert.True(errors.Count == 0, $"proven valid but NJsonSchema disagrees ({(isInclude ? "include" : "script")}, from {path}):\n{variant}\n---\n{string.Join("\n", errors)}");
                }
            }
        }

        Assert.True(proven > 100 && proven < checkedTrees, $"{proven} of {checkedTrees} trees proven valid");
    }

    [Theory]
    [InlineData("reel: 1\nscenes:\n  - id: a\n    prompt: x\n    seconds: 8.0\n")]
    [InlineData("reel: 1\nscenes:\n  - id: a\n    prompt: x\n    seconds: 0x8\n    unknown: 1\n")]
    [InlineData("reel: 1\ncut:\n  - id: c\n    output: out/c.mp4\n    shots: [{ shot: a, trim: { in: 1e-300 } }]\n")]
    [InlineData("reel: 1\nscenes:\n  - id: a\n    prompt: x\n    matrix: { light: [8, '8'] }\n")]
    [InlineData("reel: 2\n")]
    public void A_doubtful_tree_is_left_to_NJsonSchema(string text)
    {
        var doc = Load(text, "doubt.yaml");
        Assert.False(SchemaValidator.ProvenValid(doc.Root!, isInclude: false));
    }

    [Fact]
    public void A_keyword_the_proof_does_not_know_proves_nothing()
    {
        var proof = SchemaProof.Parse("""{ "type": "object", "properties": { "a": { "type": "string", "format": "uri" } } }""");
        Assert.True(proof.Script.Proves(Load("b: 1\n", "x.yaml").Root!));
        Assert.False(proof.Script.Proves(Load("a: x\n", "x.yaml").Root!));
    }

    [Fact]
    public void Annotations_are_skipped_but_a_property_named_like_one_is_still_a_schema()
    {
        // "title" and "default" name properties here, not annotations; the descriptions and examples (with escapes
        // and nested values) are annotations, stepped over without being read.
        var proof = SchemaProof.Parse("""
            {
              "description": "a \"quoted\" \\ text", "examples": [{ "title": 1, "nested": ["]", "}"] }],
              "type": "object", "additionalProperties": false, "required": ["title"],
              "properties": {
                "title": { "type": "string", "pattern": "^a\\.b$", "description": "shown", "default": "a.b" },
                "default": { "enum": ["x", "y"], "examples": ["x"] }
              }
            }
            """);
        Assert.True(proof.Script.Proves(Load("title: a.b\ndefault: y\n", "x.yaml").Root!));
        Assert.False(proof.Script.Proves(Load("title: axb\n", "x.yaml").Root!));
        Assert.False(proof.Script.Proves(Load("title: a.b\ndefault: z\n", "x.yaml").Root!));
        Assert.False(proof.Script.Proves(Load("title: a.b\ndescription: d\n", "x.yaml").Root!));
    }

    private static LoadedYaml Load(string text, string path) =>
        YamlLoader.Load(new SourceFile(path, Path.GetFileName(path), text), new DiagnosticBag());

    private static List<string> ValidSources()
    {
        var examples = Directory.EnumerateFiles(Path.Combine(Repository.Root, "examples"), "storyboard.yaml", SearchOption.AllDirectories);
        var cases = AllCaseFiles().Where(p => File.Exists(Path.ChangeExtension(p, ".plan.txt")) && !File.Exists(Path.ChangeExtension(p, ".diagnostics.txt")));
        return [.. examples.Concat(cases).Order(StringComparer.Ordinal)];
    }

    private static List<string> AllCaseFiles() =>
        [.. GoldenTests.Discover(Path.Combine(Repository.Root, "tests", "Engine.Tests", "Cases")).Order(StringComparer.Ordinal)];
}
