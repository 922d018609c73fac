using System.Collections.Concurrent;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Local;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Execution;

/// <summary>The run's guards against rate limits and overspending, each proved by what the provider saw.</summary>
public sealed class RunGuardsTests : IDisposable
{
    private const string SixScenes = """
        reel: 1
        defaults: { size: 128x72, seconds: 2 }
        scenes:
          - id: a
            prompt: scene a
          - id: b
            prompt: scene b
          - id: c
            prompt: scene c
          - id: d
            prompt: scene d
          - id: e
            prompt: scene e
          - id: f
            prompt: scene f
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "reel-guards-" + Guid.NewGuid().ToString("N")[..10]);

    public RunGuardsTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(ScriptPath, SixScenes);
    }

    private string ScriptPath => Path.Combine(_dir, "storyboard.yaml");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Rate_limits_lower_the_concurrency_so_later_steps_run_one_at_a_time()
    {
        // Two 429s bring concurrency 3 down to 1. The first three jobs are held open for staggered times, so with
        // the limit still at 3 a fourth step would be submitted while the others run; at 1 it waits for all of them.
        var provider = new PacedProvider(LocalProvider(), rateLimits: 2, holds: [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(600)]);

        var result = await RunAsync(provider, new RunOptions(Concurrency: 3));

        Assert.Equal(RunStop.Completed, result.Stop);
        Assert.All(result.Steps, s => Assert.Equal(StepOutcome.Done, s.Outcome));
        Assert.Equal(8, provider.OpenAtSubmit.Count);
        Assert.Equal([0, 0, 0], provider.OpenAtSubmit.Skip(5));
    }

    [Fact]
    public async Task Max_cost_is_checked_again_before_every_submit()
    {
        // The plan prices the steps on the local table (free), so the plan's estimate passes the cap; the provider
        // charges $0.10 a second, so the third $0.20 submit would bring the spend to $0.60, above the $0.50 cap.
        var provider = new PacedProvider(LocalProvider(), rateLimits: 0, holds: [], pricePerSecond: 0.10m);

        var result = await RunAsync(provider, new RunOptions(Concurrency: 1, MaxCost: 0.50m));

        Assert.Equal(RunStop.Refused, result.Stop);
        Assert.Equal(2, provider.Submits);
        Assert.Equal(0.40m, result.Spent);
        Assert.Equal("--max-cost: submitting 'c' ($0.20) would bring the spend to $0.60, above the cap of $0.50", result.Message);
        Assert.Equal([StepOutcome.Done, StepOutcome.Done, StepOutcome.Failed, StepOutcome.Skipped, StepOutcome.Skipped, StepOutcome.Skipped], result.Steps.Select(s => s.Outcome));
    }

    private LocalProvider LocalProvider() => new(Path.Combine(_dir, ".reel", "local"), TimeProvider.System);

    private async Task<RunResult> RunAsync(IVideoProvider provider, RunOptions options)
    {
        var host = new ProjectHost(new Dictionary<string, string?>(), _dir) { Providers = (_, _) => provider };
        var outcome = await Project.Open(ScriptPath, new ProjectOptions(), host).RunAsync(new RunRequest(options, new PlanOptions()));
        Assert.True(outcome.End == RunEnd.Ran, outcome.Message);
        return outcome.Report!.Result;
    }

    /// <summary>
    /// A real provider whose first submits answer 429, whose first jobs stay running for set times, and which
    /// records how many of its jobs were open (submitted, clip not yet downloaded) at each submit call.
    /// </summary>
    private sealed class PacedProvider(LocalProvider inner, int rateLimits, TimeSpan[] holds, decimal pricePerSecond = 0m) : IListingVideoProvider
    {
        private readonly ConcurrentDictionary<string, DateTimeOffset> _runningUntil = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private int _rateLimits = rateLimits;
        private int _accepted;
        private int _open;

        public List<int> OpenAtSubmit { get; } = [];

        public int Submits => _accepted;

        public string Name => inner.Name;

        public ProviderCapabilities Capabilities => inner.Capabilities with { DefaultPricePerSecond = pricePerSecond };

        public async Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
        {
            int hold;
            lock (_gate)
            {
                OpenAtSubmit.Add(_open);
                if (_rateLimits > 0)
                {
                    _rateLimits--;
                    throw ProviderException.From(new ProviderError(ErrorClass.Transient, "HTTP 429 Too Many Requests") { RateLimited = true });
                }

                hold = _accepted++;
                _open++;
            }

            var status = await inner.SubmitAsync(request, cancellationToken);
            var until = DateTimeOffset.UtcNow + (hold < holds.Length ? holds[hold] : TimeSpan.FromMilliseconds(30));
            _runningUntil[status.JobId] = until;
            return status with { State = JobState.Running, PollAfter = TimeSpan.FromMilliseconds(20) };
        }

        public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default) =>
            DateTimeOffset.UtcNow < _runningUntil.GetValueOrDefault(jobId)
                ? new JobStatus(jobId, JobState.Running, 50, PollAfter: TimeSpan.FromMilliseconds(20))
                : await inner.GetAsync(jobId, cancellationToken);

        public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
        {
            await inner.DownloadAsync(jobId, variant, destination, cancellationToken);
            if (variant == ContentVariant.Video)
            {
                lock (_gate)
                {
                    _open--;
                }
            }
        }

        public Task CheckAccessAsync(CancellationToken cancellationToken = default) => inner.CheckAccessAsync(cancellationToken);

        public Task<IReadOnlyList<JobStatus>> ListRecentAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
            inner.ListRecentAsync(since, cancellationToken);
    }
}
