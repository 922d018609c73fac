using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Fal;
using Reel.Engine.Providers.Http;
using Reel.Engine.Scripts;
using static Reel.Emulator.Tests.Clients.FalProviderFixture;

namespace Reel.Emulator.Tests.Clients;

/// <summary>The engine's fal client against the emulator's fal routes, end to end over loopback.</summary>
public sealed partial class FalProviderTests
{
    [GeneratedRegex(@"^fal-ai/(veo3\.1|sora-2):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex JobIdPattern();

    // ---------------------------------------------------------------- Veo 3.1

    [Theory]
    [InlineData("veo3.1", "/fal-ai/veo3.1")]
    [InlineData("veo3.1-fast", "/fal-ai/veo3.1/fast")]
    public async Task Text_to_video_runs_and_downloads_a_readable_clip(string model, string endpoint)
    {
        await using var fal = await StartAsync();

        var (jobId, _, clip) = await fal.RunAsync(Generate("A lighthouse at dawn", model, seconds: 4));

        Assert.Matches(JobIdPattern(), jobId);
        Assert.StartsWith("fal-ai/veo3.1:", jobId, StringComparison.Ordinal);
        var submit = Assert.Single(fal.Recorder.Submits);
        Assert.Equal(endpoint, submit.Url.AbsolutePath);
        Assert.Equal("Key " + Key, submit.Authorization);
        var body = submit.Json;
        Assert.Equal("A lighthouse at dawn", body.Text("prompt"));
        Assert.Equal("16:9", body.Text("aspect_ratio"));
        Assert.Equal("720p", body.Text("resolution"));
        Assert.Equal("4s", body.Text("duration"));
        Assert.Equal(4, clip.Seconds, 1);
        Assert.Equal(16.0 / 9, (double)clip.Width / clip.Height, 1);
        Assert.Single(fal.JobsCreated());
    }

    [Fact]
    public async Task Portrait_1080p_is_sent_as_aspect_ratio_and_resolution()
    {
        await using var fal = await StartAsync();

        var (_, _, clip) = await fal.RunAsync(Generate("A tall tower", "veo3.1-fast", 1080, 1920, seconds: 6));

        var body = Assert.Single(fal.Recorder.Submits).Json;
        Assert.Equal("9:16", body.Text("aspect_ratio"));
        Assert.Equal("1080p", body.Text("resolution"));
        Assert.Equal("6s", body.Text("duration"));
        Assert.True(clip.Height > clip.Width, $"{clip.Width}x{clip.Height} is not portrait");
        Assert.Equal(9.0 / 16, (double)clip.Width / clip.Height, 1);
        Assert.Equal(6, clip.Seconds, 1);
    }

    [Fact]
    public async Task A_first_frame_goes_to_image_to_video_as_a_data_uri()
    {
        await using var fal = await StartAsync();
        var image = fal.Png(1280, 720, "first");

        var (jobId, _, clip) = await fal.RunAsync(Generate("The frame comes alive", seconds: 4) with { FirstFramePath = image });

        var submit = Assert.Single(fal.Recorder.Submits);
        Assert.Equal("/fal-ai/veo3.1/image-to-video", submit.Url.AbsolutePath);
        Assert.StartsWith("data:image/png;base64,", submit.Json.Text("image_url"), StringComparison.Ordinal);
        Assert.StartsWith("fal-ai/veo3.1:", jobId, StringComparison.Ordinal);
        Assert.Equal(4, clip.Seconds, 1);
    }

    [Fact]
    public async Task A_last_frame_option_goes_to_first_last_frame_to_video()
    {
        await using var fal = await StartAsync();
        var first = fal.Png(1280, 720, "first");
        var last = fal.Png(1280, 720, "last");

        var request = Generate("From dusk to night", "veo3.1-fast", seconds: 8) with
        {
            FirstFramePath = first,
            LastFramePath = last,
        };
        var (_, _, clip) = await fal.RunAsync(request);

        var submit = Assert.Single(fal.Recorder.Submits);
        Assert.Equal("/fal-ai/veo3.1/fast/first-last-frame-to-video", submit.Url.AbsolutePath);
        var body = submit.Json;
        Assert.StartsWith("data:image/png;base64,", body.Text("first_frame_url"), StringComparison.Ordinal);
        Assert.StartsWith("data:image/png;base64,", body.Text("last_frame_url"), StringComparison.Ordinal);
        Assert.Null(body["image_url"]);
        Assert.Null(body["last_frame"]);
        Assert.Equal(8, clip.Seconds, 1);
    }

    [Fact]
    public async Task Reference_images_go_to_reference_to_video_for_eight_seconds_without_a_seed()
    {
        await using var fal = await StartAsync();
        var a = fal.Png(512, 512, "ref-a");
        var b = fal.Png(640, 480, "ref-b");

        var request = Generate("Two friends on a bench", seconds: 8) with { Seed = 99, ReferenceImagePaths = [a, b] };
        var (_, _, clip) = await fal.RunAsync(request);

        var submit = Assert.Single(fal.Recorder.Submits);
        Assert.Equal("/fal-ai/veo3.1/reference-to-video", submit.Url.AbsolutePath);
        var body = submit.Json;
        var urls = body["image_urls"]!.AsArray();
        Assert.Equal(2, urls.Count);
        Assert.All(urls, u => Assert.StartsWith("data:image/png;base64,", u!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Null(body["seed"]);
        Assert.Null(body["reference_images"]);
        Assert.Equal("8s", body.Text("duration"));
        Assert.Equal(8, clip.Seconds, 1);
    }

    [Fact]
    public async Task Step_options_reach_the_wire_with_fal_types()
    {
        await using var fal = await StartAsync();
        var request = Generate("A quiet harbour", seconds: 4) with
        {
            Options =
            [
                Text("negative_prompt", "people, text"),
                Text("generate_audio", "false", OptionKind.Flag),
                Text("auto_fix", "true", OptionKind.Flag),
                Text("safety_tolerance", "2", OptionKind.Choice),
            ],
        };

        await fal.RunAsync(request);

        var body = Assert.Single(fal.Recorder.Submits).Json;
        Assert.Equal("people, text", body.Text("negative_prompt"));
        Assert.False(body["generate_audio"]!.GetValue<bool>());
        Assert.True(body["auto_fix"]!.GetValue<bool>());
        Assert.Equal("2", body.Text("safety_tolerance"));
    }

    [Fact]
    public async Task A_value_fal_rejects_is_invalid_with_a_message_naming_the_field()
    {
        await using var fal = await StartAsync();
        var request = Generate("A quiet harbour", seconds: 4) with { Options = [Text("safety_tolerance", "9", OptionKind.Choice)] };

        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.SubmitAsync(request));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains("safety_tolerance", ex.Message, StringComparison.Ordinal);
        Assert.Contains("422", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'1'", ex.Message, StringComparison.Ordinal);
        Assert.Equal("safety_tolerance", ex.Error.Param);
        Assert.DoesNotContain(Key, ex.ToString(), StringComparison.Ordinal);
        Assert.False(ex.Unanswered);
        Assert.Empty(fal.JobsCreated());
    }

    [Fact]
    public async Task A_seed_is_sent_and_echoed_and_the_same_seed_gives_the_same_bytes()
    {
        await using var fal = await StartAsync();
        var request = Generate("A red kite over the dunes", seconds: 4) with { Seed = 424242 };

        var first = await fal.RunAsync(request);
        var second = await fal.RunAsync(request);
        var other = await fal.RunAsync(request with { Seed = 7 });

        Assert.Equal([424242L, 424242L, 7L], fal.Recorder.Submits.Select(s => s.Json["seed"]!.GetValue<long>()));
        Assert.NotEqual(first.JobId, second.JobId);
        Assert.Equal(await File.ReadAllBytesAsync(first.Path), await File.ReadAllBytesAsync(second.Path));
        Assert.NotEqual(await File.ReadAllBytesAsync(first.Path), await File.ReadAllBytesAsync(other.Path));
        Assert.Equal(424242L, (await ResultAsync(fal, first.JobId))["seed"]!.GetValue<long>());
    }

    [Fact]
    public async Task An_extension_continues_the_source_job_by_seven_seconds()
    {
        await using var fal = await StartAsync();
        var source = await fal.RunAsync(Generate("A lighthouse", seconds: 4));

        var extend = new ExtendRequest("shot", "The beam sweeps on", "veo3.1", new VideoSize(1280, 720), 7, SourceJobId: source.JobId);
        var (jobId, _, clip) = await fal.RunAsync(extend);

        var submit = fal.Recorder.Submits[^1];
        Assert.Equal("/fal-ai/veo3.1/extend-video", submit.Url.AbsolutePath);
        var body = submit.Json;
        Assert.Equal("7s", body.Text("duration"));
        Assert.Null(body["aspect_ratio"]);
        Assert.Null(body["resolution"]);
        var sourceUrl = (await ResultAsync(fal, source.JobId))["video"]!["url"]!.GetValue<string>();
        Assert.Equal(sourceUrl, body.Text("video_url"));
        Assert.StartsWith("fal-ai/veo3.1:", jobId, StringComparison.Ordinal);
        Assert.Equal(11, clip.Seconds, 1);
        Assert.Equal(2, fal.JobsCreated().Count);
    }

    [Fact]
    public async Task An_extension_of_a_source_whose_output_url_expired_uploads_the_local_source_clip()
    {
        // A rerun hours later: the source step is cached, its fal output URL (an hour's lifetime) is gone.
        await using var fal = await StartAsync(fakeClock: true);
        var source = await fal.RunAsync(Generate("A lighthouse", seconds: 4));
        fal.Clock!.Advance(TimeSpan.FromHours(2));

        var extend = new ExtendRequest("shot", "The beam sweeps on", "veo3.1", new VideoSize(1280, 720), 7,
            SourceJobId: source.JobId, SourceVideoPath: source.Path);
        var (_, _, clip) = await fal.RunAsync(extend);

        var submits = fal.Recorder.Submits.Where(s => s.Url.AbsolutePath == "/fal-ai/veo3.1/extend-video").ToList();
        Assert.Contains("/fal-cdn/files/", submits[^1].Json.Text("video_url"), StringComparison.Ordinal);
        Assert.Single(fal.Recorder.Requests, r => r.Url.AbsolutePath == "/storage/upload/initiate");
        Assert.Equal(11, clip.Seconds, 1);
        Assert.Equal(2, fal.JobsCreated().Count);
    }

    [Fact]
    public async Task An_extension_of_a_request_fal_no_longer_knows_uploads_the_local_source_clip()
    {
        await using var fal = await StartAsync();
        var clip = fal.Mp4("earlier", seconds: 4);

        var extend = new ExtendRequest("shot", "And on", "veo3.1-fast", new VideoSize(1280, 720), 7,
            SourceJobId: "fal-ai/veo3.1:00000000-0000-0000-0000-000000000000", SourceVideoPath: clip);
        var (_, _, extended) = await fal.RunAsync(extend);

        var submit = Assert.Single(fal.Recorder.Submits);
        Assert.Equal("/fal-ai/veo3.1/fast/extend-video", submit.Url.AbsolutePath);
        Assert.EndsWith("/earlier.mp4", submit.Json.Text("video_url"), StringComparison.Ordinal);
        Assert.Equal(11, extended.Seconds, 1);
    }

    [Fact]
    public async Task An_extension_whose_source_url_expired_and_has_no_local_clip_is_invalid()
    {
        await using var fal = await StartAsync(fakeClock: true);
        var source = await fal.RunAsync(Generate("A lighthouse", seconds: 4));
        fal.Clock!.Advance(TimeSpan.FromHours(2));

        var extend = new ExtendRequest("shot", "The beam sweeps on", "veo3.1", new VideoSize(1280, 720), 7, SourceJobId: source.JobId);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.SubmitAsync(extend));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains("video_url", ex.Message, StringComparison.Ordinal);
        Assert.Single(fal.JobsCreated());
    }

    // ---------------------------------------------------------------- Sora 2

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(12)]
    public async Task Sora_text_to_video_sends_the_duration_as_a_string(int seconds)
    {
        await using var fal = await StartAsync();

        var (jobId, _, clip) = await fal.RunAsync(Generate("A paper boat in the rain", "sora-2", seconds: seconds) with { Seed = 5 });

        var submit = Assert.Single(fal.Recorder.Submits);
        Assert.Equal("/fal-ai/sora-2/text-to-video", submit.Url.AbsolutePath);
        var body = submit.Json;
        Assert.Equal(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), body.Text("duration"));
        Assert.Null(body["seed"]);
        Assert.Matches(JobIdPattern(), jobId);
        Assert.StartsWith("fal-ai/sora-2:", jobId, StringComparison.Ordinal);
        Assert.Equal(seconds, clip.Seconds, 1);
    }

    [Fact]
    public async Task Sora_image_to_video_animates_a_portrait_first_frame()
    {
        await using var fal = await StartAsync();
        var image = fal.Png(720, 1280, "portrait");

        var (_, _, clip) = await fal.RunAsync(Generate("She turns around", "sora-2", 720, 1280, seconds: 8) with { FirstFramePath = image });

        var submit = Assert.Single(fal.Recorder.Submits);
        Assert.Equal("/fal-ai/sora-2/image-to-video", submit.Url.AbsolutePath);
        var body = submit.Json;
        Assert.StartsWith("data:image/png;base64,", body.Text("image_url"), StringComparison.Ordinal);
        Assert.Equal("8", body.Text("duration"));
        Assert.Equal("9:16", body.Text("aspect_ratio"));
        Assert.True(clip.Height > clip.Width);
        Assert.Equal(8, clip.Seconds, 1);
    }

    [Fact]
    public async Task A_character_is_uploaded_registered_and_then_cast_in_a_sora_generation()
    {
        await using var fal = await StartAsync();
        var source = fal.Mp4("mira");

        var character = await fal.Provider.SubmitAsync(new CreateCharacterRequest("mira", "Mira", source) { Model = "sora-2" });

        Assert.StartsWith("char_", character.JobId, StringComparison.Ordinal);
        Assert.Equal(JobState.Succeeded, character.State);
        var initiate = Assert.Single(fal.Recorder.Requests, r => r.Url.AbsolutePath == "/storage/upload/initiate");
        Assert.Equal("Key " + Key, initiate.Authorization);
        Assert.Equal("video/mp4", initiate.Json.Text("content_type"));
        var put = Assert.Single(fal.Recorder.Requests, r => r.Method == "PUT");
        Assert.Contains("/fal-cdn/upload/", put.Url.AbsolutePath, StringComparison.Ordinal);
        var register = Assert.Single(fal.Recorder.Submits);
        Assert.Equal("/fal-ai/sora-2/characters", register.Url.AbsolutePath);
        Assert.Equal("Mira", register.Json.Text("name"));
        Assert.Contains("/fal-cdn/files/", register.Json.Text("video_url"), StringComparison.Ordinal);

        var cast = Generate("Mira waves at the camera", "sora-2", seconds: 4) with { Characters = [new ProviderCharacter(character.JobId, "Mira")] };
        var (_, _, clip) = await fal.RunAsync(cast);

        var body = fal.Recorder.Submits[^1].Json;
        Assert.Equal([character.JobId], body["character_ids"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(4, clip.Seconds, 1);
    }

    [Fact]
    public async Task An_unknown_character_is_invalid()
    {
        await using var fal = await StartAsync();
        var request = Generate("Nobody waves", "sora-2", seconds: 4) with { Characters = [new ProviderCharacter("char_doesnotexist", "Ghost")] };

        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.SubmitAsync(request));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains("char_doesnotexist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("character_ids", ex.Message, StringComparison.Ordinal);
        Assert.Empty(fal.JobsCreated());
    }

    [Fact]
    public async Task A_character_without_its_source_video_file_is_invalid_before_anything_is_sent()
    {
        await using var fal = await StartAsync();
        var missing = Path.Combine(fal.Directory, "nope.mp4");

        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.SubmitAsync(
            new CreateCharacterRequest("mira", "Mira", missing) { Model = "sora-2" }));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Empty(fal.Recorder.Requests);
    }

    // ---------------------------------------------------------------- what fal doesn't serve, refusals, keys

    [Theory]
    [InlineData(ContentVariant.Thumbnail)]
    [InlineData(ContentVariant.Spritesheet)]
    public async Task Only_the_video_can_be_downloaded(ContentVariant variant)
    {
        await using var fal = await StartAsync();
        var (jobId, _, _) = await fal.RunAsync(Generate("x", seconds: 4));
        var before = fal.Recorder.Requests.Count;

        using var sink = new MemoryStream();
        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.DownloadAsync(jobId, variant, sink));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains("only the video", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, fal.Recorder.Requests.Count);
        Assert.Equal(0, sink.Length);
    }

    [Fact]
    public async Task A_malformed_job_id_is_invalid()
    {
        await using var fal = await StartAsync();

        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.GetAsync("veo3.1-1234"));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Empty(fal.Recorder.Requests);
    }

    [Fact]
    public async Task A_refused_generation_fails_as_moderation()
    {
        await using var fal = await StartAsync(faults: "moderation=1");
        var submitted = await fal.Provider.SubmitAsync(Generate("Something the checker flags", seconds: 4));

        var done = await fal.WaitAsync(submitted.JobId);

        Assert.Equal(JobState.Failed, done.State);
        Assert.Equal(ErrorClass.Moderation, done.Error!.Class);
        Assert.Contains("flagged", done.Error.Message, StringComparison.Ordinal);
        using var sink = new MemoryStream();
        var download = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.DownloadAsync(submitted.JobId, ContentVariant.Video, sink));
        Assert.Equal(ErrorClass.Moderation, download.Class);
    }

    [Fact]
    public async Task A_wrong_key_is_quota_or_auth_at_the_probe_and_the_submit_and_never_shown()
    {
        const string wrong = "fal-wrong-3d9a61c0";
        await using var fal = await StartAsync(clientKey: wrong);

        var probe = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.CheckAccessAsync());
        var submit = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.SubmitAsync(Generate("x", seconds: 4)));

        foreach (var ex in new[] { probe, submit })
        {
            Assert.Equal(ErrorClass.QuotaOrAuth, ex.Class);
            Assert.Contains("401", ex.Message, StringComparison.Ordinal);
            Assert.Contains("FAL_KEY", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(wrong, ex.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(Key, ex.ToString(), StringComparison.Ordinal);
        }

        Assert.Single(fal.Recorder.Requests, r => r.Method == "GET");
        Assert.Empty(fal.JobsCreated());
    }

    [Fact]
    public async Task The_right_key_passes_the_access_check_which_asks_for_a_made_up_request()
    {
        await using var fal = await StartAsync();

        await fal.Provider.CheckAccessAsync();

        var probe = Assert.Single(fal.Recorder.Requests);
        Assert.Equal("GET", probe.Method);
        Assert.EndsWith("/status", probe.Url.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("Key " + Key, probe.Authorization);
        Assert.Empty(fal.JobsCreated());
    }

    [Fact]
    public async Task The_key_goes_to_the_api_hosts_but_not_to_a_media_url_on_another_origin()
    {
        await using var fal = await StartAsync(mediaHost: "media.fal.test");

        var (jobId, path, clip) = await fal.RunAsync(Generate("A lighthouse", seconds: 4));

        var media = Assert.Single(fal.Recorder.Requests, r => r.Url.Host == "media.fal.test");
        Assert.StartsWith("/fal-cdn/files/", media.Url.AbsolutePath, StringComparison.Ordinal);
        Assert.Null(media.Authorization);
        Assert.DoesNotContain("application/json", media.Accept, StringComparison.Ordinal);
        var api = fal.Recorder.Requests.Where(r => r.Url.Host != "media.fal.test").ToList();
        Assert.NotEmpty(api);
        Assert.All(api, r => Assert.Equal("Key " + Key, r.Authorization));
        Assert.Equal(4, clip.Seconds, 1);
        Assert.True(new FileInfo(path).Length > 0);
        Assert.NotNull(jobId);
    }

    [Fact]
    public async Task An_unreachable_root_is_transient_and_not_unanswered()
    {
        await using var fal = await StartAsync();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var nowhere = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient();
        var provider = new FalProvider(http, new FalOptions(Key, nowhere, nowhere), new Retries(TimeProvider.System, new Random(7).NextDouble));

        // Nothing listens there: the submit never reached fal, so no job can exist.
        var ex = await Assert.ThrowsAsync<ProviderException>(() => provider.SubmitAsync(Generate("x", seconds: 4)));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.False(ex.Unanswered);
        Assert.DoesNotContain(Key, ex.ToString(), StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- transport faults

    [Fact]
    public async Task A_submit_reset_after_processing_is_unanswered_and_the_job_exists_once()
    {
        await using var fal = await StartAsync(faults: "reset=1");

        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.SubmitAsync(Generate("paid for", seconds: 4)));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.True(ex.Unanswered);
        Assert.Single(fal.Recorder.Submits);
        Assert.Single(fal.JobsCreated());
        Assert.DoesNotContain(Key, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_on_submit_is_transient_answered_and_creates_nothing()
    {
        await using var fal = await StartAsync(faults: "429=1");

        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.SubmitAsync(Generate("x", seconds: 4)));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.False(ex.Unanswered);
        Assert.Equal(TimeSpan.FromSeconds(1), ex.RetryAfter);
        Assert.Contains("429", ex.Message, StringComparison.Ordinal);
        Assert.Single(fal.Recorder.Submits);
        Assert.Empty(fal.JobsCreated());
    }

    [Fact]
    public async Task A_truncated_media_download_is_transient()
    {
        await using var fal = await StartAsync(faults: "truncate=1");
        var submitted = await fal.Provider.SubmitAsync(Generate("x", seconds: 4));
        Assert.Equal(JobState.Succeeded, (await fal.WaitAsync(submitted.JobId)).State);

        using var sink = new ForwardOnlyStream();
        var ex = await Assert.ThrowsAsync<ProviderException>(() => fal.Provider.DownloadAsync(submitted.JobId, ContentVariant.Video, sink));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dropped_polls_results_and_downloads_are_retried()
    {
        // A seed whose first draw spares the submit (sent once) and whose second drops the first poll.
        var seed = Enumerable.Range(1, 10_000).First(s =>
        {
            var random = new Random(s);
            var draws = Enumerable.Range(0, 200).Select(_ => random.NextDouble() < 0.3).ToArray();
            var longestRun = draws.Aggregate((Run: 0, Max: 0), (a, d) => d ? (a.Run + 1, Math.Max(a.Max, a.Run + 1)) : (0, a.Max)).Max;
            return !draws[0] && draws[1] && longestRun < 4;
        });
        await using var fal = await StartAsync(faults: "drop=0.3", seed: seed);

        var (_, _, clip) = await fal.RunAsync(Generate("Through the static", seconds: 4) with { Seed = 11 });

        Assert.Equal(4, clip.Seconds, 1);
        Assert.Single(fal.JobsCreated());
        Assert.Contains(fal.AuditLines(), l => l["method"] is not null && l["status"]!.GetValue<int>() == 0);
    }

    // ---------------------------------------------------------------- configuration

    [Fact]
    public void A_missing_key_is_quota_or_auth_with_what_to_do()
    {
        foreach (var environment in new[] { new Dictionary<string, string?>(), new() { ["FAL_KEY"] = "  " } })
        {
            var ex = Assert.Throws<ProviderException>(() => FalOptions.FromEnvironment(environment));

            Assert.Equal(ErrorClass.QuotaOrAuth, ex.Class);
            Assert.Contains("FAL_KEY is not set", ex.Message, StringComparison.Ordinal);
            Assert.Contains("export FAL_KEY=", ex.Message, StringComparison.Ordinal);
            Assert.Contains("FAL_BASE_URL", ex.Message, StringComparison.Ordinal);
        }

        var direct = Assert.Throws<ProviderException>(() => new FalProvider(new HttpClient(), new FalOptions("", FalOptions.DefaultQueueUrl, FalOptions.DefaultStorageUrl), new Retries(TimeProvider.System, new Random(7).NextDouble)));
        Assert.Equal(ErrorClass.QuotaOrAuth, direct.Class);
    }

    [Fact]
    public void Fal_base_url_sets_every_root_and_the_key_is_trimmed()
    {
        var options = FalOptions.FromEnvironment(new Dictionary<string, string?> { ["FAL_KEY"] = " k-123 ", ["FAL_BASE_URL"] = "http://127.0.0.1:8080" });
        var defaults = FalOptions.FromEnvironment(new Dictionary<string, string?> { ["FAL_KEY"] = "k-123" });

        Assert.Equal("k-123", options.Key);
        Assert.Equal(new Uri("http://127.0.0.1:8080"), options.QueueUrl);
        Assert.Equal(new Uri("http://127.0.0.1:8080"), options.StorageUrl);
        Assert.Equal(FalOptions.DefaultQueueUrl, defaults.QueueUrl);
        Assert.Equal(FalOptions.DefaultStorageUrl, defaults.StorageUrl);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://fal.example")]
    [InlineData("/relative/path")]
    public void A_bad_fal_base_url_is_invalid_and_names_the_variable(string url)
    {
        var ex = Assert.Throws<ProviderException>(() => FalOptions.FromEnvironment(new Dictionary<string, string?> { ["FAL_KEY"] = "k", ["FAL_BASE_URL"] = url }));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains("FAL_BASE_URL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_text_masks_the_key()
    {
        var options = new FalOptions("fal-secret-e83b1", FalOptions.DefaultQueueUrl, FalOptions.DefaultStorageUrl);

        var text = options.ToString();

        Assert.DoesNotContain("fal-secret-e83b1", text, StringComparison.Ordinal);
        Assert.Contains("***", text, StringComparison.Ordinal);
        Assert.Contains("queue.fal.run", text, StringComparison.Ordinal);
    }

    /// <summary>The raw result of a job (GET …/requests/{id} with the key), for what the provider doesn't surface.</summary>
    private static async Task<JsonObject> ResultAsync(FalProviderFixture fal, string jobId)
    {
        var colon = jobId.LastIndexOf(':');
        using var http = new HttpClient { BaseAddress = fal.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Key", Key);
        return JsonNode.Parse(await http.GetStringAsync($"{jobId[..colon]}/requests/{jobId[(colon + 1)..]}"))!.AsObject();
    }
}
