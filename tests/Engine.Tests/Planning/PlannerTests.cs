using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Planning;

public sealed partial class PlannerTests : IDisposable
{
    private const string Storyboard = """
        reel: 1
        defaults: { size: 128x72, seconds: 2 }
        vars: { city: Lisbon }
        scenes:
          - id: open
            prompt: Dawn over {{ city }}.
            image: frame.png
          - id: pour
            prompt: Latte art in {{ light }} light.
            matrix: { light: [dawn, neon] }
          - id: close
            prompt: The door closes.
            seconds: 3
        continuations:
          - id: open-2
            from: open
            prompt: She flips the sign.
        edits:
          - id: open-3
            from: open-2
            prompt: Warmer grade.
          - id: pour-warm
            from: pour[light=dawn]
            prompt: More steam.
        cut:
          - id: film
            output: out/film.mp4
            shots: [open-3, pour-warm]
        """;

    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "reel-planner-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Order_is_topological_and_among_ready_steps_the_one_declared_first_goes_first()
    {
        StepRequest Step(string id, params string[] needs) => new GenerateStep(
            StepId.Plain(id), [.. needs.Select(StepId.Plain)], "local", "m", new VideoSize(64, 64), 1, 1, "p", [], [], ImageFit.Cover, [], SourceLocation.None);

        var steps = ImmutableArray.Create(Step("x", "y"), Step("y"), Step("z"), Step("w", "x", "z"));

        Assert.Equal(["y", "x", "z", "w"], Planner.Order(steps).Select(s => s.Id.Text));
    }

    [Fact]
    public void Step_key_is_the_sha256_of_the_canonical_request_json()
    {
        var step = new GenerateStep(
            StepId.Plain("open"), [], "local", "m", new VideoSize(64, 64), 1, 1, "Dawn — \"café\"",
            [new InputFile("image", "/anywhere/frame.png", "ab12")], [], ImageFit.Cover, [], SourceLocation.None);

        var json = System.Text.Encoding.UTF8.GetString(StepKeys.CanonicalJson(step, ["k1"]));

        Assert.Equal("""{"inputs":["image:ab12"],"kind":"generate","model":"m","prompt":"Dawn — \"café\"","provider":"local","seconds":1,"size":"64x64","take":0,"upstream":["k1"]}""", json);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json))), StepKeys.Compute(step, ["k1"]));
    }

    [Fact]
    public void A_multi_shot_steps_key_holds_each_shots_prompt_and_seconds_in_order()
    {
        var step = new GenerateStep(
            StepId.Plain("open"), [], "kling", "kling-v3", new VideoSize(1280, 720), 5, 5, "Dawn",
            [], [], ImageFit.Cover, [], SourceLocation.None) { Shots = [new("Wide", 2), new("Close", 3)] };

        var json = System.Text.Encoding.UTF8.GetString(StepKeys.CanonicalJson(step, []));

        Assert.Equal("""{"inputs":[],"kind":"generate","model":"kling-v3","prompt":"Dawn","provider":"kling","seconds":5,"shots":[{"prompt":"Wide","seconds":2},{"prompt":"Close","seconds":3}],"size":"1280x720","take":0,"upstream":[]}""", json);
        Assert.NotEqual(StepKeys.Compute(step, []), StepKeys.Compute(step with { Shots = [new("Close", 3), new("Wide", 2)] }, []));
        Assert.NotEqual(StepKeys.Compute(step, []), StepKeys.Compute(step with { Shots = [new("Wide", 3), new("Close", 2)] }, []));
        Assert.DoesNotContain("shots", System.Text.Encoding.UTF8.GetString(StepKeys.CanonicalJson(step with { Shots = [] }, [])), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_lists_steps_in_a_stable_topological_run_order()
    {
        var expanded = Compile(Storyboard);

        var plan = Planner.Plan(expanded, NoHistory.Instance);

        Assert.Equal(["open", "pour[light=dawn]", "pour[light=neon]", "close", "open-2", "open-3", "pour-warm", "film"], plan.Steps.Select(s => s.Id.Text));
        var seen = new HashSet<string>();
        foreach (var step in plan.Steps)
        {
            Assert.All(step.Request.Needs, n => Assert.Contains(n, seen));
            seen.Add(step.Id);
        }

        Assert.Equal(plan.Steps.Select(s => (s.Id, s.Key)), Planner.Plan(Compile(Storyboard), NoHistory.Instance).Steps.Select(s => (s.Id, s.Key)));
    }

    [Fact]
    public void Plan_runs_every_step_as_new_without_history()
    {
        var plan = Planner.Plan(Compile(Storyboard), NoHistory.Instance);

        Assert.All(plan.Steps, s => Assert.Equal((StepStatus.Run, PlanReason.New), (s.Status, s.Reason)));
        Assert.Equal(new PlanTotals(8, 8, 0m, plan.Totals.EstimatedDuration), plan.Totals);
    }

    [Fact]
    public void Plan_keeps_locked_steps_cached_when_nothing_changed()
    {
        var history = FakeHistory.After(Planner.Plan(Compile(Storyboard), NoHistory.Instance));

        var plan = Planner.Plan(Compile(Storyboard), history);

        Assert.All(plan.Steps, s => Assert.Equal((StepStatus.Cached, PlanReason.Locked), (s.Status, s.Reason)));
        Assert.Equal(0, plan.Totals.ToRun);
        Assert.Equal(TimeSpan.Zero, plan.Totals.EstimatedDuration);
    }

    [Fact]
    public void Plan_marks_downstream_steps_stale_when_a_prompt_changes()
    {
        var history = FakeHistory.After(Planner.Plan(Compile(Storyboard), NoHistory.Instance));

        var plan = Planner.Plan(Compile(Storyboard.Replace("She flips the sign.", "She flips the sign twice.", StringComparison.Ordinal)), history);

        Assert.Equal(
            [
                ("open", StepStatus.Cached, PlanReason.Locked),
                ("pour[light=dawn]", StepStatus.Cached, PlanReason.Locked),
                ("pour[light=neon]", StepStatus.Cached, PlanReason.Locked),
                ("close", StepStatus.Cached, PlanReason.Locked),
                ("open-2", StepStatus.Run, PlanReason.PromptChanged),
                ("open-3", StepStatus.Run, PlanReason.UpstreamChanged),
                ("pour-warm", StepStatus.Cached, PlanReason.Locked),
                ("film", StepStatus.Run, PlanReason.UpstreamChanged),
            ],
            Statuses(plan));
    }

    [Fact]
    public void Plan_runs_a_step_again_when_its_image_changes()
    {
        var history = FakeHistory.After(Planner.Plan(Compile(Storyboard), NoHistory.Instance));
        File.WriteAllBytes(Path.Combine(_dir, "frame.png"), Media.BombImages.Png(4, 4));

        var plan = Planner.Plan(Compile(Storyboard), history);

        Assert.Equal((StepStatus.Run, PlanReason.InputChanged), Status(plan, "open"));
        Assert.Equal((StepStatus.Run, PlanReason.UpstreamChanged), Status(plan, "open-2"));
        Assert.Equal((StepStatus.Cached, PlanReason.Locked), Status(plan, "close"));
    }

    [Fact]
    public void Plan_runs_a_step_again_when_its_settings_change()
    {
        var history = FakeHistory.After(Planner.Plan(Compile(Storyboard), NoHistory.Instance));

        var plan = Planner.Plan(Compile(Storyboard.Replace("    seconds: 3", "    seconds: 4", StringComparison.Ordinal)), history);

        Assert.Equal((StepStatus.Run, PlanReason.SettingsChanged), Status(plan, "close"));
        Assert.Equal(1, plan.Totals.ToRun);
    }

    [Fact]
    public void Plan_fetches_an_output_missing_from_the_store_and_keeps_its_downstream_cached()
    {
        var before = Planner.Plan(Compile(Storyboard), NoHistory.Instance);
        var history = FakeHistory.After(before);
        history.Objects.Remove(FakeHistory.OutputOf(before.Find("open-2")!));

        var plan = Planner.Plan(Compile(Storyboard), history);

        Assert.Equal((StepStatus.Run, PlanReason.OutputMissing), Status(plan, "open-2"));
        Assert.Equal(0m, plan.Find("open-2")!.EstimatedCost);
        Assert.Equal((StepStatus.Cached, PlanReason.Locked), Status(plan, "open-3"));
        Assert.Equal((StepStatus.Cached, PlanReason.Locked), Status(plan, "film"));
    }

    [Theory]
    [InlineData("close", new[] { "close" })]
    [InlineData("pour", new[] { "pour[light=dawn]", "pour[light=neon]" })]
    [InlineData("pour[light=neon]", new[] { "pour[light=neon]" })]
    [InlineData("*", new[] { "open", "pour[light=dawn]", "pour[light=neon]", "close", "open-2", "open-3", "pour-warm", "film" })]
    public void Plan_forces_steps_named_by_step_id_scene_id_or_star(string force, string[] forced)
    {
        var history = FakeHistory.After(Planner.Plan(Compile(Storyboard), NoHistory.Instance));

        var plan = Planner.Plan(Compile(Storyboard), history, new PlanOptions(Force: [force]));

        Assert.Equal(forced, plan.Steps.Where(s => s.Reason == PlanReason.Forced).Select(s => s.Id.Text));
        Assert.All(plan.Steps.Where(s => s.Reason == PlanReason.Forced), s => Assert.Equal(StepStatus.Run, s.Status));
    }

    [Fact]
    public void Plan_marks_the_downstream_of_a_forced_step_stale()
    {
        var history = FakeHistory.After(Planner.Plan(Compile(Storyboard), NoHistory.Instance));

        var plan = Planner.Plan(Compile(Storyboard), history, new PlanOptions(Force: ["pour"]));

        Assert.Equal((StepStatus.Run, PlanReason.UpstreamChanged), Status(plan, "pour-warm"));
        Assert.Equal((StepStatus.Run, PlanReason.UpstreamChanged), Status(plan, "film"));
        Assert.Equal((StepStatus.Cached, PlanReason.Locked), Status(plan, "open-3"));
    }

    [Fact]
    public void A_re_roll_is_a_new_key_whose_downstream_never_reuses_the_jobs_of_the_old_clip()
    {
        var before = Planner.Plan(Compile(Storyboard), NoHistory.Instance);
        var history = FakeHistory.After(before);
        foreach (var s in before.Steps)
        {
            history.Jobs[s.Key] = new ExistingJob("job-" + s.Id, InFlight: false);
        }

        var plan = Planner.Plan(Compile(Storyboard), history, new PlanOptions(Force: ["pour[light=dawn]"]));

        var forced = plan.Find("pour[light=dawn]")!;
        Assert.Equal((StepStatus.Run, PlanReason.Forced, 1), (forced.Status, forced.Reason, forced.Roll));
        Assert.Equal(StepKeys.Rolled(before.Find("pour[light=dawn]")!.Key, 1), forced.Key);
        Assert.NotEqual(before.Find("pour-warm")!.Key, plan.Find("pour-warm")!.Key);
        Assert.Equal((StepStatus.Run, PlanReason.UpstreamChanged), Status(plan, "pour-warm"));
        Assert.Equal(before.Find("open")!.Key, plan.Find("open")!.Key);
        Assert.True(plan.Find("pour[light=dawn]")!.EstimatedCost == plan.Totals.EstimatedCost - plan.Find("pour-warm")!.EstimatedCost);
    }

    [Fact]
    public void A_rolled_step_keeps_its_roll_and_key_while_nothing_changes_and_starts_over_when_it_does()
    {
        var before = Planner.Plan(Compile(Storyboard), NoHistory.Instance);
        var history = FakeHistory.After(Planner.Plan(Compile(Storyboard), NoHistory.Instance, new PlanOptions(Force: ["open"])));
        history.Steps["open"] = history.Steps["open"] with { Roll = 1 };

        var same = Planner.Plan(Compile(Storyboard), history);
        var changed = Planner.Plan(Compile(Storyboard.Replace("Dawn", "Dusk", StringComparison.Ordinal)), history);

        Assert.Equal((StepStatus.Cached, 1), (same.Find("open")!.Status, same.Find("open")!.Roll));
        Assert.Equal((StepStatus.Cached, PlanReason.Locked), Status(same, "open-2"));
        Assert.Equal(0, changed.Find("open")!.Roll);
        Assert.NotEqual(before.Find("open")!.Key, same.Find("open")!.Key);
    }

    [Fact]
    public void A_step_whose_key_has_a_job_is_reused_for_free_unless_a_step_it_needs_renders_anew()
    {
        var fresh = Planner.Plan(Compile(Storyboard), NoHistory.Instance);
        var history = new FakeHistory();
        history.Jobs[fresh.Find("open")!.Key] = new ExistingJob("job-open", InFlight: true);
        history.Jobs[fresh.Find("open-2")!.Key] = new ExistingJob("job-open-2", InFlight: false);
        history.Jobs[fresh.Find("pour-warm")!.Key] = new ExistingJob("job-pour-warm", InFlight: false);

        var plan = Planner.Plan(Compile(Storyboard), history);

        Assert.Equal((StepStatus.Reuse, PlanReason.JobExists), Status(plan, "open"));
        Assert.Equal((StepStatus.Reuse, PlanReason.JobExists), Status(plan, "open-2"));
        Assert.Equal((StepStatus.Run, PlanReason.New), Status(plan, "pour-warm"));
        Assert.Equal(0m, plan.Find("open")!.EstimatedCost + plan.Find("open-2")!.EstimatedCost);
        Assert.Equal(plan.Steps.Where(s => s.Status == StepStatus.Run).Sum(s => s.EstimatedCost), plan.Totals.EstimatedCost);
    }

    [Theory]
    [InlineData("open-3", new[] { "open", "open-2", "open-3" })]
    [InlineData("pour", new[] { "pour[light=dawn]", "pour[light=neon]" })]
    [InlineData("film", new[] { "open", "pour[light=dawn]", "open-2", "open-3", "pour-warm", "film" })]
    public void Plan_with_only_selects_the_step_and_its_upstream(string only, string[] selected)
    {
        var plan = Planner.Plan(Compile(Storyboard), NoHistory.Instance, new PlanOptions(Only: [only]));

        Assert.Equal(selected, plan.Steps.Select(s => s.Id.Text));
        Assert.Equal(selected.Length, plan.Totals.Steps);
    }

    [Fact]
    public void Plan_estimates_openai_costs_per_second_and_bills_extensions_only_for_new_seconds()
    {
        var expanded = Compile("""
            reel: 1
            provider: openai
            defaults: { model: sora-2, size: 1280x720 }
            scenes:
              - id: open
                prompt: Dawn.
                seconds: 8
              - id: pour
                prompt: Latte art.
                model: sora-2-pro
                size: 1792x1024
                seconds: 4
            continuations:
              - id: open-2
                from: open
                prompt: She smiles.
                seconds: 4
            cut:
              - id: film
                output: out/film.mp4
                shots: [open-2, pour]
            """);

        var plan = Planner.Plan(expanded, NoHistory.Instance);

        Assert.Equal(0.80m, plan.Find("open")!.EstimatedCost);
        Assert.Equal(2.00m, plan.Find("pour")!.EstimatedCost);
        Assert.Equal(0.40m, plan.Find("open-2")!.EstimatedCost);
        Assert.Equal(0m, plan.Find("film")!.EstimatedCost);
        Assert.Equal(3.20m, plan.Totals.EstimatedCost);
        Assert.Equal(4, plan.Totals.ToRun);

        // open (8 s × 12 s/s) → open-2 (4 s × 12 s/s) → film (100 ms + 10 ms × 16 s): the longest chain.
        Assert.Equal(TimeSpan.FromSeconds(96 + 48) + TimeSpan.FromMilliseconds(260), plan.Totals.EstimatedDuration);
    }

    [Fact]
    public void Plan_costs_nothing_for_cached_steps()
    {
        const string script = """
            reel: 1
            provider: openai
            defaults: { model: sora-2, size: 1280x720, seconds: 8 }
            scenes:
              - { id: a, prompt: Dawn. }
              - { id: b, prompt: Dusk. }
            """;
        var history = FakeHistory.After(Planner.Plan(Compile(script), NoHistory.Instance));

        var plan = Planner.Plan(Compile(script.Replace("Dusk.", "Night.", StringComparison.Ordinal)), history);

        Assert.Equal(0.80m, plan.Totals.EstimatedCost);
        Assert.Equal(TimeSpan.FromSeconds(96), plan.Totals.EstimatedDuration);
    }

    private ExpandedScript Compile(string yaml)
    {
        var frame = Path.Combine(_dir, "frame.png");
        if (!File.Exists(frame))
        {
            File.WriteAllBytes(frame, Media.BombImages.Png(2, 2));
        }

        var path = Path.Combine(_dir, "storyboard.yaml");
        File.WriteAllText(path, yaml);
        var compilation = Compilation.Compile(path);
        Assert.True(compilation.Succeeded, string.Join('\n', compilation.Diagnostics));
        return compilation.Expanded!;
    }

    private static (StepStatus, PlanReason) Status(Plan plan, string id) => (plan.Find(id)!.Status, plan.Find(id)!.Reason);

    private static List<(string, StepStatus, PlanReason)> Statuses(Plan plan) => [.. plan.Steps.Select(s => (s.Id, s.Status, s.Reason))];

    /// <summary>A lock and store as the runner would leave them after running a plan.</summary>
    private sealed class FakeHistory : IStepHistory
    {
        public Dictionary<string, PriorStep> Steps { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Objects { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ExistingJob> Jobs { get; } = new(StringComparer.Ordinal);

        public static FakeHistory After(Plan plan)
        {
            var history = new FakeHistory();
            foreach (var s in plan.Steps)
            {
                var inputs = s.Request.Inputs.Select(i => $"{i.Role}:{i.Sha256}").ToImmutableArray();
                history.Steps[s.Id] = new PriorStep(s.Key, OutputOf(s), StepFacts.LockedPrompt(s.Request), inputs, "job-" + s.Id);
                history.Objects.Add(OutputOf(s));
            }

            return history;
        }

        public static string OutputOf(PlannedStep step) => "out-" + step.Key;

        public PriorStep? Find(string stepId, string baseKey) => Steps.GetValueOrDefault(stepId);

        public bool HasObject(string sha256) => Objects.Contains(sha256);

        public ExistingJob? JobFor(string key) => Jobs.GetValueOrDefault(key);
    }
}
