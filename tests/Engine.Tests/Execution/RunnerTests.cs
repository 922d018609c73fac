using System.Collections.Concurrent;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Local;
using Reel.Engine.Reporting;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Execution;

public sealed class RunnerTests : IDisposable
{
    private const string Script = """
        reel: 1
        title: Runner test
        defaults: { size: 256x144, seconds: 2 }
        scenes:
          - id: a
            prompt: first scene
          - id: b
            prompt: second scene
            takes: 2
            pick: 2
        continuations:
          - id: a2
            from: a
            prompt: a continues
        edits:
          - id: b-edit
            from: b
            prompt: b graded warmer
        cut:
          - id: film
            output: out/film.mp4
            shots: [a2, b-edit]
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "reel-runner-" + Guid.NewGuid().ToString("N")[..10]);

    public RunnerTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(ScriptPath, Script);
    }

    private string ScriptPath => Path.Combine(_dir, "storyboard.yaml");

    public void Dispose()
    {
        foreach (var f in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(f, FileAttributes.Normal);
        }

        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(RunResult Result, Plan Plan)> RunAsync(CountingProvider provider, RunOptions? options = null, PlanOptions? planOptions = null, CancellationToken cancellationToken = default)
    {
        var outcome = await RunOutcomeAsync(provider, options, planOptions, cancellationToken);
        Assert.True(outcome.End == RunEnd.Ran, outcome.Message);
        return (outcome.Report!.Result, outcome.Planned?.Plan!);
    }

    private Task<RunOutcome> RunOutcomeAsync(CountingProvider provider, RunOptions? options = null, PlanOptions? planOptions = null, CancellationToken cancellationToken = default)
    {
        var host = new ProjectHost(new Dictionary<string, string?>(), _dir) { Providers = (_, _) => provider };
        return Project.Open(ScriptPath, new ProjectOptions(), host).RunAsync(new RunRequest(options ?? new RunOptions(), planOptions ?? new PlanOptions()), cancellationToken: cancellationToken);
    }

    private CountingProvider NewProvider() => new(new LocalProvider(Path.Combine(_dir, ".reel", "local"), TimeProvider.System));

    [Fact]
    public async Task First_run_renders_every_step_and_writes_lock_outputs_and_report()
    {
        var (result, plan) = await RunAsync(NewProvider());

        Assert.Equal(RunStop.Completed, result.Stop);
        Assert.All(result.Steps, s => Assert.Equal(StepOutcome.Done, s.Outcome));
        Assert.True(File.Exists(Path.Combine(_dir, "out", "film.mp4")));
        Assert.True(File.Exists(Path.Combine(_dir, "out", "shots", "b_take2.mp4")));
        Assert.True(File.Exists(Path.Combine(_dir, "out", "report.html")));
        var scriptLock = LockFile.Read(LockFile.PathFor(ScriptPath));
        Assert.Equal(plan.Steps.Select(s => s.Id.Text).Order(StringComparer.Ordinal), scriptLock.Entries.Select(e => e.Step));
        Assert.Equal(plan.Steps.Single(s => s.Id == "film").Key, scriptLock.ForStep("film")!.Key);
    }

    [Fact]
    public async Task Rerun_with_nothing_changed_makes_zero_provider_calls()
    {
        await RunAsync(NewProvider());
        var second = NewProvider();

        // Without the record of the complete run, the plan and the runner themselves must find every step cached.
        File.Delete(new Workspace(ScriptPath).StampPath);

        var (result, _) = await RunAsync(second);

        Assert.Equal(0, second.Calls);
        Assert.All(result.Steps, s => Assert.Equal(StepOutcome.Cached, s.Outcome));
    }

    [Fact]
    public async Task Changing_one_prompt_reruns_exactly_that_step_and_its_downstream()
    {
        await RunAsync(NewProvider());
        File.WriteAllText(ScriptPath, Script.Replace("a continues", "a continues, slower", StringComparison.Ordinal));
        var second = NewProvider();

        var (result, plan) = await RunAsync(second);

        var done = result.Steps.Where(s => s.Outcome == StepOutcome.Done).Select(s => s.Id).Order(StringComparer.Ordinal);
        Assert.Equal(["a2", "film"], done);
        Assert.Equal(PlanReason.PromptChanged, plan.Find("a2")!.Reason);
        Assert.Equal(PlanReason.UpstreamChanged, plan.Find("film")!.Reason);
        Assert.Equal(1, second.Submits);
    }

    [Fact]
    public async Task Deleting_a_store_object_refetches_only_that_step_without_resubmitting()
    {
        await RunAsync(NewProvider());
        var workspace = new Workspace(ScriptPath);
        var entry = LockFile.Read(workspace.LockPath).ForStep("b#1")!;
        var store = workspace.OpenStore(new Dictionary<string, string?>());
        File.SetAttributes(store.PathOf(entry.Output!), FileAttributes.Normal);
        File.Delete(store.PathOf(entry.Output!));
        var second = NewProvider();

        var (result, plan) = await RunAsync(second);

        Assert.Equal(PlanReason.OutputMissing, plan.Find("b#1")!.Reason);
        Assert.Equal(["b#1"], result.Steps.Where(s => s.Outcome == StepOutcome.Reused).Select(s => s.Id));
        Assert.Equal(0m, result.Spent);
        Assert.Equal(0, second.Submits);
        Assert.True(second.Downloads > 0);
        Assert.True(store.Contains(entry.Output!));
    }

    [Fact]
    public async Task Frozen_refuses_when_anything_is_not_locked()
    {
        var provider = NewProvider();

        var outcome = await RunOutcomeAsync(provider, new RunOptions(Frozen: true));

        Assert.Equal(RunEnd.Refused, outcome.End);
        Assert.Contains("--frozen", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(0, provider.Calls);
    }

    [Fact]
    public async Task Keep_going_runs_independent_branches_after_a_failure()
    {
        var provider = NewProvider();
        provider.FailStep = "a";

        var (result, _) = await RunAsync(provider, new RunOptions(KeepGoing: true, Concurrency: 1));

        Assert.Equal(StepOutcome.Failed, result.Find("a")!.Outcome);
        Assert.Contains("moderation", result.Find("a")!.Error, StringComparison.Ordinal);
        Assert.Contains("first scene", result.Find("a")!.Error, StringComparison.Ordinal);
        Assert.Equal(StepOutcome.Skipped, result.Find("a2")!.Outcome);
        Assert.Equal(StepOutcome.Done, result.Find("b-edit")!.Outcome);
        Assert.Equal(StepOutcome.Skipped, result.Find("film")!.Outcome);
    }

    [Fact]
    public async Task Without_keep_going_a_failure_stops_new_submissions()
    {
        var provider = NewProvider();
        provider.FailStep = "a";

        var (result, _) = await RunAsync(provider, new RunOptions(Concurrency: 1));

        Assert.Equal(StepOutcome.Failed, result.Find("a")!.Outcome);
        Assert.Contains(result.Steps, s => s.Outcome == StepOutcome.Skipped);
        Assert.True(result.AnyFailed);
    }

    [Fact]
    public async Task A_transient_submit_failure_after_the_job_was_created_is_adopted_not_resubmitted()
    {
        var provider = NewProvider();
        provider.ResetAfterCreate = "a";

        var (result, _) = await RunAsync(provider);

        Assert.Equal(StepOutcome.Done, result.Find("a")!.Outcome);
        Assert.Equal(1, provider.SubmitsFor("a"));
        Assert.True(provider.Lists > 0);
    }

    [Fact]
    public async Task Without_a_job_list_an_unanswered_submit_is_reported_not_repeated_until_asked()
    {
        var provider = NewProvider();
        provider.CannotReconcile = true;
        provider.ResetAfterCreate = "a";

        var (first, _) = await RunAsync(provider, new RunOptions(KeepGoing: true));

        Assert.Equal(StepOutcome.Failed, first.Find("a")!.Outcome);
        Assert.Contains("got no answer", first.Find("a")!.Error, StringComparison.Ordinal);
        Assert.Contains("--resubmit-unanswered", first.Find("a")!.Error, StringComparison.Ordinal);
        Assert.Equal(StepOutcome.Done, first.Find("b#1")!.Outcome);
        Assert.Equal(1, provider.SubmitsFor("a"));
        Assert.Equal(0, provider.Lists); // nothing to look in (the preflight checks access: it lists nothing)
        Assert.Equal(1, provider.AccessChecks);

        // A plain rerun reports it again and pays nothing.
        var (second, _) = await RunAsync(provider, new RunOptions(KeepGoing: true));
        Assert.Equal(StepOutcome.Failed, second.Find("a")!.Outcome);
        Assert.Contains("the run stopped", second.Find("a")!.Error, StringComparison.Ordinal);
        Assert.Equal(1, provider.SubmitsFor("a"));

        // Asked to, it submits once more and the run completes.
        var (third, _) = await RunAsync(provider, new RunOptions(ResubmitUnanswered: true));
        Assert.Equal(RunStop.Completed, third.Stop);
        Assert.Equal(StepOutcome.Done, third.Find("a")!.Outcome);
        Assert.Equal(2, provider.SubmitsFor("a"));
    }

    [Fact]
    public async Task Without_a_job_list_a_refused_connection_or_an_error_answer_is_still_retried()
    {
        var provider = NewProvider();
        provider.CannotReconcile = true;
        provider.TransientBeforeCreate = "a";

        var (result, _) = await RunAsync(provider);

        Assert.Equal(RunStop.Completed, result.Stop);
        Assert.Equal(2, provider.SubmitsFor("a"));
    }

    [Fact]
    public async Task A_provider_that_takes_seeds_gets_one_derived_from_the_step_key_and_the_lock_keeps_it()
    {
        var provider = NewProvider();
        provider.TakesSeed = true;

        var (_, plan) = await RunAsync(provider);

        var step = plan.Steps.First(s => s.Id == "a");
        Assert.Equal(StepKeys.Seed(step.Key), provider.Seeds["a"]);
        Assert.InRange(provider.Seeds["a"]!.Value, 0, int.MaxValue);
        Assert.NotEqual(provider.Seeds["a"], provider.Seeds["b#1"]);
        var locked = LockFile.Read(new Workspace(ScriptPath).LockPath).ForStep("a")!;
        Assert.Equal(provider.Seeds["a"], locked.Seed);
        Assert.Contains("seed: " + provider.Seeds["a"], File.ReadAllText(new Workspace(ScriptPath).LockPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_without_seeds_gets_none_and_the_lock_has_none()
    {
        var provider = NewProvider();

        await RunAsync(provider);

        Assert.All(provider.Seeds.Values, seed => Assert.Null(seed));
        Assert.Null(LockFile.Read(new Workspace(ScriptPath).LockPath).ForStep("a")!.Seed);
    }

    [Fact]
    public async Task Quota_errors_stop_the_run_and_submit_nothing_else()
    {
        var provider = NewProvider();
        provider.QuotaOnSubmit = true;

        var (result, _) = await RunAsync(provider, new RunOptions(Concurrency: 1, KeepGoing: true));

        Assert.Equal(RunStop.Halted, result.Stop);
        Assert.Equal(1, provider.Submits);
    }

    [Fact]
    public async Task A_damaged_download_is_fetched_again_and_the_run_succeeds()
    {
        var provider = NewProvider();
        provider.CorruptDownloads = 1;

        var (result, _) = await RunAsync(provider);

        Assert.Equal(RunStop.Completed, result.Stop);
        Assert.All(result.Steps, s => Assert.Equal(StepOutcome.Done, s.Outcome));
        Assert.Equal(0, provider.CorruptDownloads);
    }

    [Fact]
    public async Task A_clip_that_stays_damaged_fails_its_step_with_the_reason()
    {
        var provider = NewProvider();
        provider.CorruptDownloads = 1000;

        var (result, _) = await RunAsync(provider, new RunOptions(Concurrency: 1));

        var failed = result.Steps.First(s => s.Outcome == StepOutcome.Failed);
        Assert.Contains("damaged", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_honours_cancellation()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var (result, _) = await RunAsync(NewProvider(), cancellationToken: cts.Token);

        Assert.Equal(RunStop.Cancelled, result.Stop);
    }

    /// <summary>Counts calls and injects faults around a real provider.</summary>
    private sealed class CountingProvider(IListingVideoProvider inner) : IListingVideoProvider
    {
        private readonly ConcurrentDictionary<string, int> _submits = new(StringComparer.Ordinal);
        private int _calls;
        private int _downloads;
        private int _lists;
        private int _accessChecks;

        public string? FailStep { get; set; }

        public string? ResetAfterCreate { get; set; }

        public string? TransientBeforeCreate { get; set; }

        /// <summary>Pretend to be a provider that cannot list its jobs (fal, Veo).</summary>
        public bool CannotReconcile { get; set; }

        /// <summary>Pretend to take seeds (fal's Veo, Vertex).</summary>
        public bool TakesSeed { get; set; }

        public ConcurrentDictionary<string, long?> Seeds { get; } = new(StringComparer.Ordinal);

        public bool QuotaOnSubmit { get; set; }

        /// <summary>How many video downloads to damage (cut to half their length, as a broken proxy might).</summary>
        public int CorruptDownloads { get; set; }

        public int Calls => _calls;

        public int Submits => _submits.Values.Sum();

        public int Downloads => _downloads;

        public int Lists => _lists;

        public int AccessChecks => _accessChecks;

        public int SubmitsFor(string step) => _submits.GetValueOrDefault(step);

        public string Name => inner.Name;

        public ProviderCapabilities Capabilities => inner.Capabilities with { CanReconcile = !CannotReconcile, TakesSeed = TakesSeed };

        public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            _submits.AddOrUpdate(request.StepId, 1, (_, n) => n + 1);
            Seeds[request.StepId] = request switch
            {
                GenerateRequest g => g.Seed,
                ExtendRequest e => e.Seed,
                _ => null,
            };
            if (QuotaOnSubmit)
            {
                throw ProviderException.QuotaOrAuth("insufficient quota");
            }

            if (request.StepId == TransientBeforeCreate)
            {
                TransientBeforeCreate = null;
                throw ProviderException.From(new ProviderError(ErrorClass.Transient, "HTTP 503 Service Unavailable"), TimeSpan.FromMilliseconds(10));
            }

            var status = await inner.SubmitAsync(request, cancellationToken);
            if (request.StepId == ResetAfterCreate)
            {
                ResetAfterCreate = null;
                throw ProviderException.From(new ProviderError(ErrorClass.Transient, "connection reset"), TimeSpan.FromMilliseconds(10)).AsUnanswered();
            }

            return request.StepId == FailStep ? status with { JobId = "fail:" + status.JobId } : status;
        }

        public Task CheckAccessAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Increment(ref _accessChecks);
            return inner.CheckAccessAsync(cancellationToken);
        }

        public Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            if (jobId.StartsWith("fail:", StringComparison.Ordinal))
            {
                return Task.FromResult(new JobStatus(jobId, JobState.Failed, 0, new ProviderError(ErrorClass.Moderation, "blocked by moderation", "moderation_blocked")));
            }

            return inner.GetAsync(jobId, cancellationToken);
        }

        public Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Increment(ref _downloads);
            if (variant == ContentVariant.Video && CorruptDownloads > 0)
            {
                CorruptDownloads--;
                return DamagedAsync(jobId, destination, cancellationToken);
            }

            return inner.DownloadAsync(jobId, variant, destination, cancellationToken);
        }

        private async Task DamagedAsync(string jobId, Stream destination, CancellationToken cancellationToken)
        {
            using var whole = new MemoryStream();
            await inner.DownloadAsync(jobId, ContentVariant.Video, whole, cancellationToken);
            var bytes = whole.ToArray();
            Array.Clear(bytes, bytes.Length / 3, bytes.Length / 3);
            await destination.WriteAsync(bytes, cancellationToken);
        }

        public Task<IReadOnlyList<JobStatus>> ListRecentAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Increment(ref _lists);
            return inner.ListRecentAsync(since, cancellationToken);
        }
    }
}
