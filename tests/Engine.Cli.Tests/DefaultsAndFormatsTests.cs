using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>
/// Issue 14, points 2 and 3: commands read <c>./storyboard.yaml</c> when no script is named, <c>reel init</c> says
/// exactly what to type next, and every command that reports something can report it to a program.
/// </summary>
public sealed class DefaultsAndFormatsTests
{
    private const string Invalid = "reel: 1\nscenes:\n  - id: a\n    promt: hi\n";

    [Theory]
    [InlineData("validate")]
    [InlineData("plan")]
    [InlineData("run")]
    [InlineData("status")]
    [InlineData("graph")]
    public void Without_a_script_a_command_reads_storyboard_yaml_of_the_working_directory(string command)
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", CliTests.Hello);

        var r = ReelInProcess.Run(dir.Path, command);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.DoesNotContain("error", r.Stderr, StringComparison.Ordinal);
        if (command == "run")
        {
            Assert.True(File.Exists(Path.Combine(dir.Path, "out", "film.mp4")));
            Assert.True(File.Exists(Path.Combine(dir.Path, "storyboard.lock.yaml")));
        }
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("plan")]
    [InlineData("run")]
    [InlineData("status")]
    [InlineData("graph")]
    [InlineData("review")]
    public void Without_a_script_and_without_storyboard_yaml_a_command_says_what_to_do_and_writes_nothing(string command)
    {
        using var dir = new TempDirectory();
        dir.Write("other.yaml", CliTests.Hello);

        var r = ReelInProcess.Run(dir.Path, command);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: no storyboard.yaml here; name a script or run `reel init`\n", r.Stderr);
        Assert.Equal("", r.Stdout);
        Assert.Equal(["other.yaml"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Init_prints_the_exact_next_commands_and_they_work_as_printed()
    {
        using var dir = new TempDirectory();

        var init = ReelInProcess.Run(dir.Path, "init", "my film");
        var here = ReelInProcess.Run(Path.Combine(dir.Path, "my film"), "init", "sub");
        var inPlace = ReelInProcess.Run(Path.Combine(dir.Path, "my film", "sub"), "init", "nested");

        Assert.Equal("created my film/storyboard.yaml\nnext: cd 'my film' && reel plan && reel run\n", init.Stdout);
        Assert.EndsWith("next: cd sub && reel plan && reel run\n", here.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("next: cd nested && reel plan && reel run\n", inPlace.Stdout, StringComparison.Ordinal);
        var project = Path.Combine(dir.Path, "my film");
        Assert.Equal(0, ReelInProcess.Run(project, "plan").ExitCode);
        var run = ReelInProcess.Run(project, "run");
        Assert.True(run.ExitCode == 0, run.All);
        Assert.True(File.Exists(Path.Combine(project, "out", "film.mp4")));

        using var empty = new TempDirectory();
        Assert.Equal("created storyboard.yaml\nnext: reel plan && reel run\n", ReelInProcess.Run(empty.Path, "init").Stdout);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("openai")]
    [InlineData("fal")]
    [InlineData("veo")]
    [InlineData("veo-vertex")]
    public void The_scaffold_pins_no_model_so_every_provider_takes_it_unchanged(string provider)
    {
        using var dir = new TempDirectory();
        ReelInProcess.Run(dir.Path, "init");

        var validate = ReelInProcess.Run(dir.Path, "validate", "--provider", provider);
        var plan = ReelInProcess.Run(dir.Path, "plan", "--provider", provider, "--json");

        Assert.DoesNotContain("model:", File.ReadAllText(Path.Combine(dir.Path, "storyboard.yaml")), StringComparison.Ordinal);
        Assert.True(validate.ExitCode == 0, validate.All);
        Assert.Equal("", validate.Stderr);
        using var doc = JsonDocument.Parse(plan.Stdout);
        var defaultModel = Engine.Providers.ProviderCatalog.Find(provider)!.DefaultModel;
        Assert.Equal(defaultModel, doc.RootElement.GetProperty("steps")[0].GetProperty("model").GetString());
    }

    [Fact]
    public void Validate_json_lists_each_diagnostic_with_position_code_severity_message_and_help_on_stdout()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Invalid);
        dir.Write("ok.yaml", CliTests.Hello);

        var bad = ReelInProcess.Run(dir.Path, "validate", "s.yaml", "--json");
        var good = ReelInProcess.Run(dir.Path, "validate", "ok.yaml", "--format", "json");

        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("", bad.Stderr);
        using var doc = JsonDocument.Parse(bad.Stdout);
        var root = doc.RootElement;
        Assert.False(root.GetProperty("valid").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("steps").ValueKind);
        var unknown = root.GetProperty("diagnostics").EnumerateArray().Single(d => d.GetProperty("code").GetString() == "RL0110");
        Assert.Equal("s.yaml", unknown.GetProperty("file").GetString());
        Assert.Equal(4, unknown.GetProperty("line").GetInt32());
        Assert.Equal(5, unknown.GetProperty("column").GetInt32());
        Assert.Equal("error", unknown.GetProperty("severity").GetString());
        Assert.Equal("unknown key 'promt' in scene 'a' (did you mean 'prompt'?)", unknown.GetProperty("message").GetString());
        Assert.EndsWith("#rl0110", unknown.GetProperty("help").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ReelProcess.RepoRoot, unknown.GetProperty("help").GetString()!.Split('#')[0])));

        Assert.Equal(0, good.ExitCode);
        using var ok = JsonDocument.Parse(good.Stdout);
        Assert.True(ok.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(2, ok.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal("local", ok.RootElement.GetProperty("provider").GetString());
        Assert.Equal(0, ok.RootElement.GetProperty("diagnostics").GetArrayLength());
    }

    [Fact]
    public void Validate_format_github_prints_one_workflow_command_per_diagnostic_with_escaped_data()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Invalid);
        dir.Write("w.yaml", "reel: 1\ncharacters:\n  mira: { name: Mira, description: a barista }\nscenes:\n  - id: a\n    characters: [mira]\n    prompt: 100% a pond, no one\n");

        var bad = ReelInProcess.Run(dir.Path, "validate", "s.yaml", "--format", "github");
        var warned = ReelInProcess.Run(dir.Path, "validate", "w.yaml", "--format", "github");

        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("::error file=s.yaml,line=4,col=5,title=RL0110::unknown key 'promt' in scene 'a' (did you mean 'prompt'?)\n", bad.Stdout, StringComparison.Ordinal);
        Assert.All(bad.Stdout.TrimEnd('\n').Split('\n'), l => Assert.StartsWith("::error file=s.yaml,line=", l, StringComparison.Ordinal));
        Assert.Equal(0, warned.ExitCode);
        Assert.StartsWith("::warning file=w.yaml,line=", warned.Stdout, StringComparison.Ordinal);
        Assert.Contains("title=RL0506::", warned.Stdout, StringComparison.Ordinal);
        Assert.Single(warned.Stdout.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Github_annotations_escape_percent_newlines_and_property_separators()
    {
        var d = new Engine.Core.Diagnostic(Engine.Core.Severity.Error, "RL0110", "50% of\nit", new Engine.Core.SourceLocation("a,b:c.yaml", 2, 3));

        Assert.Equal("::error file=a%2Cb%3Ac.yaml,line=2,col=3,title=RL0110::50%25 of%0Ait\n", Engine.Reporting.DiagnosticFormats.GitHub([d]));
    }

    [Fact]
    public void Validate_format_sarif_is_a_sarif_2_1_0_log_with_a_rule_and_a_located_result_per_diagnostic()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Invalid);

        var r = ReelInProcess.Run(dir.Path, "validate", "s.yaml", "--format", "sarif");

        Assert.Equal(2, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal("2.1.0", doc.RootElement.GetProperty("version").GetString());
        var run = Assert.Single(doc.RootElement.GetProperty("runs").EnumerateArray());
        var driver = run.GetProperty("tool").GetProperty("driver");
        Assert.Equal("reel", driver.GetProperty("name").GetString());
        var rules = driver.GetProperty("rules").EnumerateArray().Select(x => x.GetProperty("id").GetString()).ToList();
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        foreach (var result in results)
        {
            Assert.Equal(result.GetProperty("ruleId").GetString(), rules[result.GetProperty("ruleIndex").GetInt32()]);
            Assert.Equal("error", result.GetProperty("level").GetString());
        }

        var unknown = results.Single(x => x.GetProperty("ruleId").GetString() == "RL0110");
        var location = unknown.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal("s.yaml", location.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(4, location.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal(5, location.GetProperty("region").GetProperty("startColumn").GetInt32());
    }

    [Fact]
    public void Providers_json_has_every_provider_with_its_models_options_and_environment()
    {
        using var dir = new TempDirectory();

        var all = ReelInProcess.Run(dir.Path, "providers", "--json");
        var one = ReelInProcess.Run(dir.Path, "providers", "fal", "--json");

        Assert.Equal(0, all.ExitCode);
        using var doc = JsonDocument.Parse(all.Stdout);
        var providers = doc.RootElement.GetProperty("providers").EnumerateArray().ToList();
        Assert.Equal(Engine.Providers.ProviderCatalog.Names, providers.Select(p => p.GetProperty("name").GetString()));
        using var fal = JsonDocument.Parse(one.Stdout);
        Assert.Equal(JsonSerializer.Serialize(fal.RootElement), JsonSerializer.Serialize(providers.Single(p => p.GetProperty("name").GetString() == "fal")));
        var veo31 = fal.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("id").GetString() == "veo3.1");
        Assert.Equal(0.40m, veo31.GetProperty("pricePerSecond").GetDecimal());
        Assert.Contains("extend", veo31.GetProperty("features").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains("generate_audio", fal.RootElement.GetProperty("options").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Contains("FAL_KEY", fal.RootElement.GetProperty("environment").EnumerateArray().Select(e => e.GetString()));
        Assert.False(fal.RootElement.GetProperty("canReconcile").GetBoolean());
        var local = providers.Single(p => p.GetProperty("name").GetString() == "local");
        Assert.Equal(120, local.GetProperty("limits").GetProperty("maxSeconds").GetInt32());
    }

    [Fact]
    public void Providers_name_shows_that_provider_only_and_an_unknown_name_gets_a_suggestion()
    {
        using var dir = new TempDirectory();

        var veo = ReelInProcess.Run(dir.Path, "providers", "veo");
        var typo = ReelInProcess.Run(dir.Path, "providers", "opnai");

        Assert.Equal(0, veo.ExitCode);
        Assert.StartsWith("| | `veo` |\n", veo.Stdout, StringComparison.Ordinal);
        Assert.Contains("| `veo` | `veo-2.0-generate-001` |", veo.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("`fal`", veo.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("veo-vertex", veo.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("no provider 'opnai' (did you mean 'openai'?)", typo.Stderr, StringComparison.Ordinal);
        Assert.Equal("", typo.Stdout);
    }

    [Fact]
    public void Graph_json_lists_steps_in_run_order_with_their_needs_and_edges()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", CliTests.Hello);

        var r = ReelInProcess.Run(dir.Path, "graph", "s.yaml", "--format", "json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var steps = doc.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["hello", "film"], steps.Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(["generate", "cut"], steps.Select(s => s.GetProperty("kind").GetString()));
        Assert.Equal(["hello"], steps[1].GetProperty("needs").EnumerateArray().Select(n => n.GetString()));
        var edge = Assert.Single(doc.RootElement.GetProperty("edges").EnumerateArray());
        Assert.Equal(("hello", "film"), (edge.GetProperty("from").GetString(), edge.GetProperty("to").GetString()));
    }

    [Fact]
    public void Plan_detailed_exitcode_is_4_with_changes_pending_0_when_all_is_cached_and_2_on_an_error()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", CliTests.Hello);
        dir.Write("bad.yaml", Invalid);

        var pending = ReelInProcess.Run(dir.Path, "plan", "s.yaml", "--detailed-exitcode");
        var plain = ReelInProcess.Run(dir.Path, "plan", "s.yaml");
        Assert.True(ReelInProcess.Run(dir.Path, "run", "s.yaml").ExitCode == 0);
        var clean = ReelInProcess.Run(dir.Path, "plan", "s.yaml", "--detailed-exitcode");
        var error = ReelInProcess.Run(dir.Path, "plan", "bad.yaml", "--detailed-exitcode");

        Assert.Equal(4, pending.ExitCode);
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(pending.Stdout, plain.Stdout);
        Assert.Equal(0, clean.ExitCode);
        Assert.Contains("0 to run", clean.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }
}
