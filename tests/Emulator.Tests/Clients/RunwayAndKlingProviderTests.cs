using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Providers.Kling;
using Reel.Engine.Providers.Runway;

namespace Reel.Emulator.Tests.Clients;

/// <summary>The engine's runway and kling clients against the emulator over loopback: kinds, faults, lookups, downloads.</summary>
public sealed class RunwayAndKlingProviderTests
{
    private const string Secret = "sk-provider-tests-41e0a9";

    private static async Task<(EmulatorServer Server, string Directory)> StartAsync(string? faults = null, FakeTimeProvider? clock = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "reel-rk-client-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        var server = await EmulatorServer.StartAsync(new EmulatorOptions(Speed: 0.01, Faults: faults, ApiKey: Secret,
            AuditPath: Path.Combine(directory, "audit.jsonl"), DataDirectory: Path.Combine(directory, "data")), clock);
        return (server, directory);
    }

    private static RunwayProvider Runway(EmulatorServer server, string secret = Secret) =>
        new(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, new RunwayOptions(secret, server.BaseAddress), new Retries(TimeProvider.System, new Random(3).NextDouble));

    private static KlingProvider Kling(EmulatorServer server, string secret = Secret) =>
        new(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, new KlingOptions("ak-tests", secret, new Uri(server.BaseAddress, "/kling")), new Retries(TimeProvider.System, new Random(3).NextDouble));

    private static async Task<JobStatus> WaitAsync(IVideoProvider provider, string jobId, FakeTimeProvider? clock = null)
    {
        for (var i = 0; i < 600; i++)
        {
            var status = await provider.GetAsync(jobId);
            if (status.State is JobState.Succeeded or JobState.Failed)
            {
                return status;
            }

            if (clock is not null)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
            }
            else
            {
                await Task.Delay(20);
            }
        }

        throw new TimeoutException(jobId);
    }

    private static async Task<(string Path, ClipInfo Clip)> DownloadAsync(IVideoProvider provider, string jobId, string directory)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N")[..8] + ".mp4");
        await using (var file = File.Create(path))
        {
            await provider.DownloadAsync(jobId, ContentVariant.Video, file);
        }

        return (path, Mp4Clip.Probe(path));
    }

    private static string Png(string directory, int width, int height)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N")[..8] + ".png");
        File.WriteAllBytes(path, EmulatorHarness.Png(width, height));
        return path;
    }

    [Fact]
    public async Task Runway_generates_from_a_first_and_last_frame_then_edits_the_clip_with_aleph2()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        var runway = Runway(server);

        var first = Png(dir, 1280, 720);
        var shot = await runway.SubmitAsync(new GenerateRequest("shot", "Dusk to night", "veo3.1_fast", new VideoSize(1280, 720), 4) { FirstFramePath = first, LastFramePath = first, Seed = 11 });
        Assert.Equal(JobState.Succeeded, (await WaitAsync(runway, shot.JobId)).State);
        var (path, clip) = await DownloadAsync(runway, shot.JobId, dir);
        Assert.Equal(4, clip.Seconds, 1);

        var edit = await runway.SubmitAsync(new EditRequest("snow", "Make it snow", "aleph2", new VideoSize(1280, 720), 4, shot.JobId, path));
        Assert.Equal(JobState.Succeeded, (await WaitAsync(runway, edit.JobId)).State);
        Assert.Equal(4, (await DownloadAsync(runway, edit.JobId, dir)).Clip.Seconds, 1);

        // The source clip's upload was answered 204 without a body (once it failed inside the emulator, which then
        // closed the connection under the client's next request: a drop seen only under load).
        var upload = Assert.Single(File.ReadAllLines(Path.Combine(dir, "audit.jsonl")), l => l.Contains("/runway-cdn/uploads/", StringComparison.Ordinal));
        Assert.Contains("\"status\":204", upload, StringComparison.Ordinal);

        var wrongModel = await Assert.ThrowsAsync<ProviderException>(() => runway.SubmitAsync(new EditRequest("x", "x", "gen4.5", new VideoSize(1280, 720), 4, shot.JobId, path)));
        Assert.Equal(ErrorClass.Invalid, wrongModel.Class);
    }

    [Fact]
    public async Task Runway_downloads_from_a_fresh_url_after_the_first_one_expired()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var (server, dir) = await StartAsync(clock: clock);
        await using var _ = server;
        var runway = Runway(server);
        var job = await runway.SubmitAsync(new GenerateRequest("shot", "A fox", null, new VideoSize(1280, 720), 2));
        await WaitAsync(runway, job.JobId, clock);
        clock.Advance(TimeSpan.FromDays(3));

        // Every read of the task signs its output again, so a late download still works.
        Assert.Equal(2, (await DownloadAsync(runway, job.JobId, dir)).Clip.Seconds, 1);
    }

    [Fact]
    public async Task Runway_classifies_moderation_rate_limits_and_a_wrong_secret()
    {
        var (server, _) = await StartAsync(faults: "moderation=1");
        await using var __ = server;
        var runway = Runway(server);
        var job = await runway.SubmitAsync(new GenerateRequest("shot", "refused", null, new VideoSize(1280, 720), 2));
        var failed = await WaitAsync(runway, job.JobId);
        Assert.Equal(ErrorClass.Moderation, failed.Error!.Class);
        Assert.Contains("the prompt", failed.Error.Message, StringComparison.Ordinal);

        var denied = await Assert.ThrowsAsync<ProviderException>(() => Runway(server, "wrong-secret-123").CheckAccessAsync());
        Assert.Equal(ErrorClass.QuotaOrAuth, denied.Class);
        Assert.DoesNotContain("wrong-secret-123", denied.Message, StringComparison.Ordinal);

        var (limited, _) = await StartAsync(faults: "429=1");
        await using var ___ = limited;
        var busy = await Assert.ThrowsAsync<ProviderException>(() => Runway(limited).SubmitAsync(new GenerateRequest("shot", "x", null, new VideoSize(1280, 720), 2)));
        Assert.Equal(ErrorClass.Transient, busy.Class);
        Assert.True(busy.RateLimited);
        Assert.False(busy.Unanswered);
    }

    [Fact]
    public async Task Kling_sends_the_idempotency_key_as_external_task_id_and_finds_the_task_by_it()
    {
        var (server, _) = await StartAsync(faults: "createreset=1");
        await using var _ = server;
        var kling = Kling(server);
        var request = new GenerateRequest("shot", "A lantern drifts", null, new VideoSize(1920, 1080), 5) { IdempotencyKey = IdempotencyKeys.For("stepkey-1", 1) };

        Assert.Null(await kling.FindAsync(request));
        var lost = await Assert.ThrowsAsync<ProviderException>(() => kling.SubmitAsync(request));
        Assert.True(lost.Unanswered, lost.Message);

        var found = await kling.FindAsync(request);
        Assert.NotNull(found);
        Assert.StartsWith("text2video:", found.JobId, StringComparison.Ordinal);
        Assert.Equal(JobState.Succeeded, (await WaitAsync(kling, found.JobId)).State);
        Assert.Null(await kling.FindAsync(request with { IdempotencyKey = IdempotencyKeys.For("stepkey-1", 2) }));
    }

    [Fact]
    public async Task Kling_answers_a_resend_of_the_same_attempt_with_the_task_it_already_made()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        var kling = Kling(server);
        var request = new GenerateRequest("shot", "Rain", "kling-v3", new VideoSize(720, 1280), 4)
        {
            FirstFramePath = Png(dir, 720, 1280),
            IdempotencyKey = IdempotencyKeys.For("k", 1),
            Options = [new StepOption("sound", OptionKind.Choice, "on", ImmutableArray<string>.Empty)],
        };

        var first = await kling.SubmitAsync(request);
        var second = await kling.SubmitAsync(request);

        Assert.Equal(first.JobId, second.JobId);
        Assert.StartsWith("image2video:", first.JobId, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "audit.jsonl")), l => l.Contains("job.created", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kling_extends_a_clip_and_uses_omni_video_for_reference_images()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        var kling = Kling(server);
        var source = await kling.SubmitAsync(new GenerateRequest("a", "An alley", null, new VideoSize(1280, 720), 4));
        Assert.Equal(JobState.Succeeded, (await WaitAsync(kling, source.JobId)).State);

        var extend = await kling.SubmitAsync(new ExtendRequest("b", "Further in", null, new VideoSize(1280, 720), 5, source.JobId));
        Assert.StartsWith("video-extend:", extend.JobId, StringComparison.Ordinal);
        Assert.Equal(JobState.Succeeded, (await WaitAsync(kling, extend.JobId)).State);
        Assert.Equal(9, (await DownloadAsync(kling, extend.JobId, dir)).Clip.Seconds, 1);

        var omni = await kling.SubmitAsync(new GenerateRequest("c", "The vendor laughs", KlingCapabilities.OmniModel, new VideoSize(1080, 1080), 6) { ReferenceImagePaths = [Png(dir, 512, 512)] });
        Assert.StartsWith("omni-video:", omni.JobId, StringComparison.Ordinal);
        Assert.Equal(JobState.Succeeded, (await WaitAsync(kling, omni.JobId)).State);
    }

    [Fact]
    public async Task Kling_sends_a_scenes_shots_as_multi_prompt_and_the_clip_lasts_their_sum()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        var kling = Kling(server);
        var request = new GenerateRequest("alley", "A night market", "kling-v3", new VideoSize(1280, 720), 7)
        {
            Shots = [new ShotPrompt("Wide: lanterns flicker on", 3), new ShotPrompt("Close-up: Mira looks up", 4)],
        };

        var job = await kling.SubmitAsync(request);

        Assert.StartsWith("text2video:", job.JobId, StringComparison.Ordinal);
        Assert.Equal(JobState.Succeeded, (await WaitAsync(kling, job.JobId)).State);
        Assert.Equal(7, (await DownloadAsync(kling, job.JobId, dir)).Clip.Seconds, 1);

        // The emulator checks the sum against the duration: shots that disagree with the clip are refused, not rendered.
        var refused = await Assert.ThrowsAsync<ProviderException>(() => kling.SubmitAsync(request with { Seconds = 8 }));
        Assert.Equal(ErrorClass.Invalid, refused.Class);
        Assert.Contains("multi_prompt", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kling_sends_a_character_as_an_omni_video_image_the_prompt_names_by_its_place()
    {
        var (server, dir) = await StartAsync();
        await using var _ = server;
        var kling = Kling(server);
        var request = new GenerateRequest("open", "Mira opens the shop", KlingCapabilities.OmniModel, new VideoSize(1280, 720), 5)
        {
            ReferenceImagePaths = [Png(dir, 512, 512)],
            CharacterImages = [new CharacterImage("Mira", Png(dir, 1280, 720))],
        };

        var job = await kling.SubmitAsync(request);

        Assert.StartsWith("omni-video:", job.JobId, StringComparison.Ordinal);
        Assert.Equal("Mira opens the shop <<<image_2>>> is Mira.", job.Prompt);
        Assert.Equal(JobState.Succeeded, (await WaitAsync(kling, job.JobId)).State);

        // The emulator refuses a name past the end of image_list, so the numbering above is checked, not assumed.
        var wrong = await Assert.ThrowsAsync<ProviderException>(() => kling.SubmitAsync(request with { Prompt = "Mira, <<<image_3>>>", CharacterImages = [] }));
        Assert.Equal(ErrorClass.Invalid, wrong.Class);
        Assert.Contains("image_3", wrong.Message, StringComparison.Ordinal);

        var crowded = await Assert.ThrowsAsync<ProviderException>(() => kling.SubmitAsync(request with
        {
            CharacterImages = [.. Enumerable.Range(0, 7).Select(i => new CharacterImage($"C{i}", Png(dir, 64, 64)))],
        }));
        Assert.Contains("at most 7 images", crowded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kling_classifies_risk_control_parallel_limits_and_a_wrong_secret()
    {
        var (server, _) = await StartAsync(faults: "moderation=1");
        await using var __ = server;
        var kling = Kling(server);
        var job = await kling.SubmitAsync(new GenerateRequest("shot", "refused", null, new VideoSize(1280, 720), 3));
        Assert.Equal(ErrorClass.Moderation, (await WaitAsync(kling, job.JobId)).Error!.Class);

        var denied = await Assert.ThrowsAsync<ProviderException>(() => Kling(server, "not-the-secret").CheckAccessAsync());
        Assert.Equal(ErrorClass.QuotaOrAuth, denied.Class);
        Assert.Contains("1002", denied.Message, StringComparison.Ordinal);

        var (limited, _) = await StartAsync(faults: "429=1");
        await using var ___ = limited;
        var busy = await Assert.ThrowsAsync<ProviderException>(() => Kling(limited).SubmitAsync(new GenerateRequest("shot", "x", null, new VideoSize(1280, 720), 3)));
        Assert.Equal(ErrorClass.Transient, busy.Class);
        Assert.True(busy.RateLimited);
    }
}
