using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Local;

namespace Reel.Engine.Tests.Execution;

/// <summary>
/// Critical path first (issue 17): a native extension whose provider names its source by job id is submitted as soon
/// as the source job succeeded, while the source clip is still downloading; the cut still waits for verified clips.
/// </summary>
public sealed class CriticalPathTests : IDisposable
{
    private const string Script = """
        reel: 1
        defaults: { size: 256x144, seconds: 2 }
        scenes:
          - id: a
            prompt: first scene
        continuations:
          - id: a2
            from: a
            prompt: a continues
            mode: extend
        cut:
          - id: film
            output: out/film.mp4
            shots: [a, a2]
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "reel-critical-" + Guid.NewGuid().ToString("N")[..10]);

    public CriticalPathTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "storyboard.yaml"), Script);
    }

    public void Dispose()
    {
        foreach (var f in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(f, FileAttributes.Normal);
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task An_extension_is_submitted_while_its_source_clip_is_still_downloading()
    {
        var provider = new GatedProvider(new LocalProvider(Path.Combine(_dir, ".reel", "local"), TimeProvider.System), extendsFromJobId: true);

        var result = await RunAsync(provider);

        Assert.Equal(RunStop.Completed, result.Stop);
        Assert.All(result.Steps, s => Assert.Equal(StepOutcome.Done, s.Outcome));
        Assert.True(provider.ExtensionSubmittedDuringSourceDownload, "the extension waited for the source clip's download");
        Assert.Null(provider.ExtensionSourcePath);
    }

    [Fact]
    public async Task Without_job_id_extension_the_extension_waits_for_the_source_clip()
    {
        var provider = new GatedProvider(new LocalProvider(Path.Combine(_dir, ".reel", "local"), TimeProvider.System), extendsFromJobId: false);

        var result = await RunAsync(provider);

        Assert.Equal(RunStop.Completed, result.Stop);
        Assert.False(provider.ExtensionSubmittedDuringSourceDownload);
        Assert.NotNull(provider.ExtensionSourcePath);
    }

    [Fact]
    public async Task The_last_link_of_a_chain_takes_the_slot_its_source_hands_over_ahead_of_independent_scenes()
    {
        // a2 and the scenes b..e are equally long and each ends a chain, so the queue alone would start b..e first
        // (plan order): with two slots, a2 would wait for the independent scenes.
        File.WriteAllText(Path.Combine(_dir, "storyboard.yaml"), """
            reel: 1
            defaults: { size: 256x144, seconds: 2 }
            scenes:
              - { id: a, prompt: first scene }
              - { id: b, prompt: second scene }
              - { id: c, prompt: third scene }
              - { id: d, prompt: fourth scene }
              - { id: e, prompt: fifth scene }
            continuations:
              - { id: a2, from: a, prompt: a continues, mode: extend }
            """);
        var provider = new GatedProvider(new LocalProvider(Path.Combine(_dir, ".reel", "local"), TimeProvider.System), extendsFromJobId: true);

        var result = await RunAsync(provider, concurrency: 2);

        Assert.Equal(RunStop.Completed, result.Stop);
        Assert.All(result.Steps, s => Assert.Equal(StepOutcome.Done, s.Outcome));
        Assert.True(provider.ExtensionSubmittedDuringSourceDownload, "the extension waited for the source clip's download");
        var order = provider.Submitted.ToList();
        Assert.True(order.IndexOf("a2") < order.IndexOf("c"), "submit order: " + string.Join(", ", order));
    }

    private async Task<RunResult> RunAsync(IVideoProvider provider, int concurrency = 4)
    {
        var host = new ProjectHost(new Dictionary<string, string?>(), _dir) { Providers = (_, _) => provider };
        var outcome = await Project.Open(Path.Combine(_dir, "storyboard.yaml"), new ProjectOptions(), host).RunAsync(new RunRequest(new RunOptions(Concurrency: concurrency), new PlanOptions()));
        Assert.True(outcome.End == RunEnd.Ran, outcome.Message);
        return outcome.Report!.Result;
    }

    /// <summary>
    /// The local provider, whose first video download (the source's) holds until an extension is submitted or 3 s
    /// pass: with early release the extension comes during the download; without it, the download times out first.
    /// </summary>
    private sealed class GatedProvider(LocalProvider inner, bool extendsFromJobId) : IVideoProvider
    {
        private readonly TaskCompletionSource _extended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _downloads;
        private volatile bool _downloading;

        public bool ExtensionSubmittedDuringSourceDownload { get; private set; }

        public string? ExtensionSourcePath { get; private set; }

        public string Name => inner.Name;

        public ProviderCapabilities Capabilities => inner.Capabilities with { ExtendsFromJobId = extendsFromJobId };

        public System.Collections.Concurrent.ConcurrentQueue<string> Submitted { get; } = new();

        public Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
        {
            Submitted.Enqueue(request.StepId);
            if (request is ExtendRequest extend)
            {
                ExtensionSubmittedDuringSourceDownload = _downloading;
                ExtensionSourcePath = extend.SourceVideoPath;
                _extended.TrySetResult();
            }

            return inner.SubmitAsync(request, cancellationToken);
        }

        public Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default) => inner.GetAsync(jobId, cancellationToken);

        public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
        {
            if (variant == ContentVariant.Video && Interlocked.Increment(ref _downloads) == 1)
            {
                _downloading = true;
                await Task.WhenAny(_extended.Task, Task.Delay(TimeSpan.FromSeconds(3), cancellationToken));
                await inner.DownloadAsync(jobId, variant, destination, cancellationToken);
                _downloading = false;
                return;
            }

            await inner.DownloadAsync(jobId, variant, destination, cancellationToken);
        }

        public Task CheckAccessAsync(CancellationToken cancellationToken = default) => inner.CheckAccessAsync(cancellationToken);
    }
}
