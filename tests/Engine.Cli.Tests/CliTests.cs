using System.Text.Json;

namespace Reel.Cli.Tests;

public sealed class CliTests
{
    internal const string Hello = """
        reel: 1
        title: Hello
        defaults: { size: 1280x720, seconds: 4 }
        scenes:
          - id: hello
            prompt: A paper boat on a pond.
        cut:
          - id: film
            output: out/film.mp4
            shots: [hello]
        """;

    [Fact]
    public void Run_of_an_invalid_script_touches_no_state()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", "reel: 1\nscenes:\n  - id: a\n    prompt: '{{ nope }}'\n");

        var r = ReelInProcess.Run(dir.Path, "run", "s.yaml");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("RL0502", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(["s.yaml"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Unknown_option_is_a_usage_error_with_exit_2()
    {
        using var dir = new TempDirectory();
        var r = ReelInProcess.Run(dir.Path, "plan", "s.yaml", "--bogus");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--bogus", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_step_in_only_is_a_usage_error()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);
        var r = ReelInProcess.Run(dir.Path, "run", "s.yaml", "--only", "helo");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no step 'helo'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("did you mean 'hello'?", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Paths_are_read_from_and_printed_relative_to_the_working_directory()
    {
        using var dir = new TempDirectory();
        dir.Write("project/s.yaml", Hello);
        dir.Write("project/bad.yaml", "reel: 1\nscenes:\n  - id: a\n    promt: hi\n");
        var elsewhere = Path.Combine(dir.Path, "elsewhere");
        Directory.CreateDirectory(elsewhere);

        var run = ReelInProcess.Run(elsewhere, "run", "../project/s.yaml");
        var bad = ReelInProcess.Run(elsewhere, "validate", "../project/bad.yaml");
        var init = ReelInProcess.Run(elsewhere, "init", "new");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("film: ../project/out/film.mp4\n", run.Stdout, StringComparison.Ordinal);
        // bad.yaml is another storyboard in the folder, so the report is named after its script (issue 13).
        Assert.Contains("report: ../project/out/s.html\n", run.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.Path, "project", "out", "film.mp4")));
        Assert.Contains("../project/bad.yaml(4,5): error RL0110", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("\n      promt: hi\n", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal("created new/storyboard.yaml\nnext: cd new && reel plan && reel run\n", init.Stdout);
        Assert.True(File.Exists(Path.Combine(elsewhere, "new", "storyboard.yaml")));
    }

    [Fact]
    public void A_shared_store_is_taken_from_the_invocations_environment()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);
        var shared = Path.Combine(dir.Path, "shared-store");

        var r = ReelInProcess.Run(dir.Path, ["run", "s.yaml"], new Dictionary<string, string?> { ["REEL_STORE"] = shared });

        Assert.True(r.ExitCode == 0, r.All);
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(shared, "objects"), "*", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel", "objects")));
    }

    [Fact]
    public async Task Cancelling_the_invocation_mid_run_exits_130_after_the_summary()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", CrashResumeTests.Storyboard(12));
        using var stdout = new SharedStringWriter();
        using var stderr = new SharedStringWriter();
        using var ctrlC = new CancellationTokenSource();
        var context = ReelInProcess.Context(dir.Path, stdout, stderr, cancellationToken: ctrlC.Token);

        var run = Task.Run(() => ReelCli.InvokeAsync(["run", "storyboard.yaml", "--concurrency", "2"], context));
        while (!stderr.ToString().Contains(": done\n", StringComparison.Ordinal) && !run.IsCompleted)
        {
            await Task.Delay(20);
        }

        await ctrlC.CancelAsync();

        Assert.Equal(130, await run.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("cancelled: jobs already submitted keep running on the provider; run again to pick them up", stderr.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^19 steps: \d+ done, \d+ reused, \d+ cached, \d+ failed, [1-9]\d* skipped", stdout.ToString());
    }

    [Fact]
    public void A_response_file_is_read_from_the_working_directory()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);
        dir.Write("validate.rsp", "validate\ns.yaml\n");

        var r = ReelInProcess.Run(dir.Path, "@validate.rsp");
        var missing = ReelInProcess.Run(dir.Path, "@missing.rsp");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("s.yaml: valid (2 steps on local)\n", r.Stdout);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("error: Response file not found 'missing.rsp'.", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_command_has_help()
    {
        using var dir = new TempDirectory();
        foreach (var command in new[] { "init", "validate", "plan", "run", "status", "graph", "schema", "providers", "gc", "emulator" })
        {
            var r = ReelInProcess.Run(dir.Path, command, "--help");
            Assert.True(r.ExitCode == 0, command + ": " + r.All);
            Assert.Contains("Usage:", r.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Max_cost_below_the_estimate_refuses_before_the_first_submit()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test-secret-123", ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1" };

        var r = ReelInProcess.Run(dir.Path, ["run", "s.yaml", "--provider", "openai", "--max-cost", "0.10"], env);

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("$0.40", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-test-secret-123", r.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));
    }

    [Fact]
    public void Openai_without_a_key_is_a_clear_error_before_any_work()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);

        var r = ReelInProcess.Run(dir.Path, "run", "s.yaml", "--provider", "openai");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("OPENAI_API_KEY", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "s.lock.yaml")));
    }

    [Fact]
    public void Plan_json_has_the_documented_shape_and_needs_no_key()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);

        var r = ReelInProcess.Run(dir.Path, "plan", "s.yaml", "--provider", "openai", "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("s.yaml", root.GetProperty("script").GetString());
        Assert.Equal("openai", root.GetProperty("provider").GetString());
        var step = root.GetProperty("steps")[0];
        foreach (var name in new[] { "id", "source", "kind", "take", "needs", "model", "size", "seconds", "prompt", "key", "status", "reason", "estimatedCost" })
        {
            Assert.True(step.TryGetProperty(name, out _), name);
        }

        Assert.Equal(0.4m, step.GetProperty("estimatedCost").GetDecimal());
        Assert.Equal(2, root.GetProperty("totals").GetProperty("steps").GetInt32());
        Assert.Equal(0.4m, root.GetProperty("totals").GetProperty("estimatedCost").GetDecimal());
    }

    [Fact]
    public void Run_json_reports_each_step_and_a_rerun_is_all_cached()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);

        var first = ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json");
        Assert.True(first.ExitCode == 0, first.All);
        using (var doc = JsonDocument.Parse(first.Stdout))
        {
            var steps = doc.RootElement.GetProperty("steps").EnumerateArray().ToList();
            Assert.All(steps, s => Assert.Equal("done", s.GetProperty("status").GetString()));
            Assert.Equal(Path.Combine("out", "film.mp4"), steps.Single(s => s.GetProperty("id").GetString() == "film").GetProperty("output").GetString());
            Assert.Equal(64, steps[0].GetProperty("sha256").GetString()!.Length);
        }

        var second = ReelInProcess.Run(dir.Path, "run", "s.yaml", "--json");
        using var again = JsonDocument.Parse(second.Stdout);
        Assert.All(again.RootElement.GetProperty("steps").EnumerateArray(), s => Assert.Equal("cached", s.GetProperty("status").GetString()));
    }

    [Fact]
    public void Graph_prints_mermaid_and_dot()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);

        var mermaid = ReelInProcess.Run(dir.Path, "graph", "s.yaml");
        var dot = ReelInProcess.Run(dir.Path, "graph", "s.yaml", "--format", "dot");
        var bad = ReelInProcess.Run(dir.Path, "graph", "s.yaml", "--format", "png");

        Assert.StartsWith("flowchart LR", mermaid.Stdout, StringComparison.Ordinal);
        Assert.Contains("s0 --> s1", mermaid.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"hello\" -> \"film\";", dot.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
    }

    [Fact]
    public void Providers_prints_the_capability_tables_the_providers_page_shows()
    {
        using var dir = new TempDirectory();
        var r = ReelInProcess.Run(dir.Path, "providers");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("| | `local` | `openai` | `fal` | `veo` | `veo-vertex` |", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("| `fal` | `generate_audio` | true\\|false |", r.Stdout, StringComparison.Ordinal);
        Assert.Contains(r.Stdout, File.ReadAllText(Path.Combine(ReelProcess.RepoRoot, "docs", "providers.md")).Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_prints_the_draft_07_schema()
    {
        using var dir = new TempDirectory();
        var r = ReelInProcess.Run(dir.Path, "schema");
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal("http://json-schema.org/draft-07/schema#", doc.RootElement.GetProperty("$schema").GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(ReelProcess.RepoRoot, "schemas", "reel.schema.json")), r.Stdout);
    }

    [Fact]
    public void Init_scaffolds_a_valid_runnable_project_and_refuses_to_overwrite()
    {
        using var dir = new TempDirectory();

        var r = ReelInProcess.Run(dir.Path, "init", "film");
        Assert.Equal(0, r.ExitCode);
        Assert.True(File.Exists(Path.Combine(dir.Path, "film", "reel.schema.json")));
        Assert.Contains(".reel/", File.ReadAllText(Path.Combine(dir.Path, "film", ".gitignore")), StringComparison.Ordinal);
        Assert.Equal(0, ReelInProcess.Run(Path.Combine(dir.Path, "film"), "validate", "storyboard.yaml").ExitCode);
        Assert.Equal(0, ReelInProcess.Run(Path.Combine(dir.Path, "film"), "run", "storyboard.yaml").ExitCode);

        var again = ReelInProcess.Run(dir.Path, "init", "film");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_reads_lock_and_journal_without_writing()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);

        var before = ReelInProcess.Run(dir.Path, "status", "s.yaml");
        Assert.Equal(0, before.ExitCode);
        Assert.Contains("not run", before.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".reel")));

        ReelInProcess.Run(dir.Path, "run", "s.yaml");
        var after = ReelInProcess.Run(dir.Path, "status", "s.yaml");
        Assert.Contains("2 steps: 2 locked", after.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_lock_is_reported_with_position_and_exit_2()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", Hello);
        dir.Write("s.lock.yaml", "reel-lock: 1\nsteps:\n  hello: [\n");

        var r = ReelInProcess.Run(dir.Path, "plan", "s.yaml");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("RL0002", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("s.lock.yaml(", r.Stderr, StringComparison.Ordinal);
    }
}
