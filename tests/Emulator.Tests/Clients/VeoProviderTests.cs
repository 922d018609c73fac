using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Providers.Veo;
using Reel.Engine.Scripts;
using Reel.Emulator.Tests.Google;

namespace Reel.Emulator.Tests.Clients;

/// <summary>
/// The engine's <see cref="VeoProvider"/> (<c>veo</c> on the Gemini API, <c>veo-vertex</c> on Vertex, with a token or
/// an express key) against the emulator's Google routes, with every request body recorded to check the wire.
/// </summary>
public sealed class VeoProviderTests
{
    private const string Key = "veo-provider-secret-1234";

    private const string WrongKey = "wrong-secret-98765";

    public enum Backend
    {
        Gemini,
        Vertex,
        Express,
    }

    private static readonly VideoSize Landscape = new(1280, 720);

    // ---- generation ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(Backend.Gemini, 1280, 720, 6)]
    [InlineData(Backend.Vertex, 1280, 720, 4)]
    [InlineData(Backend.Express, 720, 1280, 8)]
    public async Task Text_to_video_is_submitted_polled_and_downloaded_as_an_mp4_of_the_right_shape_and_length(Backend backend, int width, int height, int seconds)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);

        var submitted = await veo.Provider.SubmitAsync(Request("A lighthouse at dawn", new VideoSize(width, height), seconds));
        Assert.Equal(JobState.Queued, submitted.State);
        Assert.Contains("/operations/", submitted.JobId, StringComparison.Ordinal);
        Assert.Equal(veo.Provider.Capabilities.DefaultModel, submitted.Model);
        var running = await veo.Provider.GetAsync(submitted.JobId);
        Assert.Equal(JobState.Running, running.State);

        var done = await veo.FinishAsync(submitted.JobId);

        Assert.Equal(JobState.Succeeded, done.State);
        var clip = await veo.DownloadAsync(submitted.JobId);
        Assert.Equal(seconds, clip.Seconds, 0.2);
        AssertShape(new VideoSize(width, height), clip);
        var parameters = veo.Submits.Single()["parameters"]!;
        Assert.Equal(width > height ? "16:9" : "9:16", parameters["aspectRatio"]!.GetValue<string>());
        Assert.Equal("720p", parameters["resolution"]!.GetValue<string>());
        Assert.Equal(seconds, parameters["durationSeconds"]!.GetValue<int>());
        Assert.Equal(1, veo.Emulator.JobsCreated());
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    [InlineData(Backend.Express)]
    public async Task Image_to_video_sends_the_first_frame_inline(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);
        var first = veo.WritePng("first.png", 128, 72);

        var id = await veo.GenerateAsync(Request("The boat leaves the harbour", Landscape, 6) with { FirstFramePath = first });

        var image = veo.Submits.Single()["instances"]![0]!["image"]!;
        Assert.Equal("image/png", image["mimeType"]!.GetValue<string>());
        Assert.Equal(File.ReadAllBytes(first), Convert.FromBase64String(image["bytesBase64Encoded"]!.GetValue<string>()));
        Assert.Equal(6, (await veo.DownloadAsync(id)).Seconds, 0.2);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    public async Task First_and_last_frame_are_both_sent(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);
        var first = veo.WritePng("first.png", 128, 72);
        var last = veo.WritePng("last.png", 96, 54);

        var id = await veo.GenerateAsync(Request("Day turns to night", Landscape, 8) with
        {
            FirstFramePath = first,
            LastFramePath = last,
        });

        var instance = veo.Submits.Single()["instances"]![0]!;
        Assert.NotNull(instance["image"]);
        Assert.Equal(File.ReadAllBytes(last), Convert.FromBase64String(instance["lastFrame"]!["bytesBase64Encoded"]!.GetValue<string>()));
        Assert.Equal("image/png", instance["lastFrame"]!["mimeType"]!.GetValue<string>());
        Assert.Equal(8, (await veo.DownloadAsync(id)).Seconds, 0.2);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    public async Task Reference_images_are_sent_as_assets_for_an_8_second_clip(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);
        var a = veo.WritePng("a.png", 64, 64);
        var b = veo.WritePng("b.png", 80, 60);

        var id = await veo.GenerateAsync(Request("The two friends walk on the beach", Landscape, 8) with
        {
            ReferenceImagePaths = [a, b],
        });

        var instance = veo.Submits.Single()["instances"]![0]!.AsObject();
        Assert.False(instance.ContainsKey("image"));
        var references = instance["referenceImages"]!.AsArray();
        Assert.Equal(2, references.Count);
        Assert.All(references, r => Assert.Equal("ASSET", r!["referenceType"]!.GetValue<string>()));
        Assert.Equal(File.ReadAllBytes(b), Convert.FromBase64String(references[1]!["image"]!["bytesBase64Encoded"]!.GetValue<string>()));
        Assert.Equal(8, (await veo.DownloadAsync(id)).Seconds, 0.2);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    [InlineData(Backend.Express)]
    public async Task Negative_prompt_and_person_generation_reach_the_wire(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);

        await veo.GenerateAsync(Request("A busy market", Landscape, 4) with
        {
            Options =
            [
                new StepOption("negative_prompt", OptionKind.Text, "blurry, text overlays", []),
                new StepOption("person_generation", OptionKind.Choice, "allow_adult", []),
            ],
        });

        var parameters = veo.Submits.Single()["parameters"]!;
        Assert.Equal("blurry, text overlays", parameters["negativePrompt"]!.GetValue<string>());
        Assert.Equal("allow_adult", parameters["personGeneration"]!.GetValue<string>());

        // The emulator checks the value: a bad one comes back as Google's 400, classified Invalid.
        var refused = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.SubmitAsync(Request("A busy market", Landscape, 4) with
        {
            Options = [new StepOption("person_generation", OptionKind.Choice, "everyone", [])],
        }));
        Assert.Equal(ErrorClass.Invalid, refused.Class);
        Assert.Contains("personGeneration", refused.Message, StringComparison.Ordinal);
        Assert.False(refused.Unanswered);
        Assert.Equal(1, veo.Emulator.JobsCreated());
    }

    [Theory]
    [InlineData(Backend.Vertex)]
    [InlineData(Backend.Express)]
    public async Task Vertex_sends_the_seed_and_the_same_seed_gives_the_same_clip(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);
        var request = Request("A paper plane over the city", Landscape, 4);

        var first = await veo.GenerateAsync(request with { Seed = 4242 });
        var again = await veo.GenerateAsync(request with { Seed = 4242 });
        var other = await veo.GenerateAsync(request with { Seed = 4243 });

        Assert.Equal([4242L, 4242L, 4243L], veo.Submits.Select(s => s["parameters"]!["seed"]!.GetValue<long>()));
        Assert.All(veo.Submits, s => Assert.True(s["parameters"]!["generateAudio"]!.GetValue<bool>()));
        var a = await veo.DownloadBytesAsync(first);
        Assert.Equal(a, await veo.DownloadBytesAsync(again));
        Assert.NotEqual(a, await veo.DownloadBytesAsync(other));
    }

    [Fact]
    public async Task Gemini_never_sends_a_seed_or_generate_audio()
    {
        await using var veo = await VeoEmulator.StartAsync(Backend.Gemini);

        // The Gemini API rejects both fields (Unknown name "seed"): the request only succeeds if they are left out.
        await veo.GenerateAsync(Request("A paper plane over the city", Landscape, 4) with { Seed = 4242 });

        var parameters = veo.Submits.Single()["parameters"]!.AsObject();
        Assert.False(parameters.ContainsKey("seed"));
        Assert.False(parameters.ContainsKey("generateAudio"));
        Assert.False(veo.Provider.Capabilities.TakesSeed);
        Assert.False(veo.Provider.Capabilities.Supports(veo.Provider.Capabilities.DefaultModel, ModelFeatures.Seed));
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    [InlineData(Backend.Express)]
    public async Task Extension_adds_seven_seconds_to_the_source(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);
        var source = await veo.GenerateAsync(Request("A fox in the snow", Landscape, 8));
        var sourcePath = Path.Combine(veo.Emulator.Directory, "source.mp4");
        await File.WriteAllBytesAsync(sourcePath, await veo.DownloadBytesAsync(source));

        var extended = await veo.GenerateAsync(new ExtendRequest("fox-2", "The fox runs into the forest", null, Landscape, 7,
            SourceJobId: source,
            SourceVideoPath: backend == Backend.Gemini ? null : sourcePath));

        var clip = await veo.DownloadAsync(extended);
        Assert.Equal(15, clip.Seconds, 0.2);
        AssertShape(Landscape, clip);
        var submit = veo.Submits[1];
        var video = submit["instances"]![0]!["video"]!.AsObject();
        if (backend == Backend.Gemini)
        {
            Assert.EndsWith(":download?alt=media", video["uri"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(File.ReadAllBytes(sourcePath), Convert.FromBase64String(video["bytesBase64Encoded"]!.GetValue<string>()));
            Assert.Equal("video/mp4", video["mimeType"]!.GetValue<string>());
        }

        Assert.False(submit["parameters"]!.AsObject().ContainsKey("durationSeconds"));
        Assert.Contains(veo.Emulator.AuditLines(), l => l["kind"]?.GetValue<string>() == "extend");
    }

    [Fact]
    public async Task A_gemini_extension_can_be_extended_again()
    {
        await using var veo = await VeoEmulator.StartAsync(Backend.Gemini);
        var source = await veo.GenerateAsync(Request("A kite", Landscape, 8));

        var once = await veo.GenerateAsync(new ExtendRequest("kite-2", "Higher", null, Landscape, 7, SourceJobId: source));
        var twice = await veo.GenerateAsync(new ExtendRequest("kite-3", "Into the clouds", null, Landscape, 7, SourceJobId: once));

        Assert.Equal(22, (await veo.DownloadAsync(twice)).Seconds, 0.2);
    }

    [Fact]
    public async Task A_jpeg_first_frame_is_sent_as_image_jpeg()
    {
        await using var veo = await VeoEmulator.StartAsync(Backend.Vertex);
        var first = Path.Combine(veo.Emulator.Directory, "first.jpg");
        File.WriteAllBytes(first, EmulatorHarness.Png(128, 72, SkiaSharp.SKEncodedImageFormat.Jpeg));

        await veo.GenerateAsync(Request("A sunrise", Landscape, 4) with { FirstFramePath = first });

        Assert.Equal("image/jpeg", veo.Submits.Single()["instances"]![0]!["image"]!["mimeType"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(Backend.Gemini, "models/veo-3.1-generate-preview/operations/nosuchop")]
    [InlineData(Backend.Vertex, "projects/proj/locations/us-central1/publishers/google/models/veo-3.1-generate-001/operations/00000000-0000-0000-0000-000000000001")]
    public async Task An_unknown_operation_is_invalid(Backend backend, string name)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);

        var ex = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.GetAsync(name));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains("404", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Backend.Gemini, 1920, 1080)]
    [InlineData(Backend.Vertex, 1080, 1920)]
    public async Task Full_hd_at_8_seconds_is_sent_as_1080p(Backend backend, int width, int height)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);

        var id = await veo.GenerateAsync(Request("A waterfall", new VideoSize(width, height), 8));

        Assert.Equal("1080p", veo.Submits.Single()["parameters"]!["resolution"]!.GetValue<string>());
        var clip = await veo.DownloadAsync(id);
        Assert.Equal(8, clip.Seconds, 0.2);
        AssertShape(new VideoSize(width, height), clip);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    public async Task Veo_2_takes_no_resolution_and_no_audio(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);

        var id = await veo.GenerateAsync(Request("An old film of a tram", Landscape, 5, "veo-2.0-generate-001"));

        var parameters = veo.Submits.Single()["parameters"]!.AsObject();
        Assert.False(parameters.ContainsKey("resolution"));
        Assert.False(parameters.ContainsKey("generateAudio"));
        Assert.Equal(5, (await veo.DownloadAsync(id)).Seconds, 0.2);
    }

    // ---- failures --------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    public async Task A_filtered_clip_fails_as_moderation(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend, "moderation=1");

        var submitted = await veo.Provider.SubmitAsync(Request("Something the filter removes", Landscape, 4));
        var status = await veo.FinishAsync(submitted.JobId);

        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal(ErrorClass.Moderation, status.Error!.Class);
        Assert.Contains("safety filter", status.Error.Message, StringComparison.Ordinal);
        var nothing = await Assert.ThrowsAsync<ProviderException>(() => veo.DownloadBytesAsync(submitted.JobId));
        Assert.Equal(ErrorClass.Invalid, nothing.Class);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    [InlineData(Backend.Express)]
    public async Task A_wrong_key_stops_the_preflight_and_the_submit_without_showing_the_key(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend, secret: WrongKey);

        var probe = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.CheckAccessAsync());
        var submit = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.SubmitAsync(Request("x", Landscape, 4)));

        foreach (var ex in new[] { probe, submit })
        {
            Assert.Equal(ErrorClass.QuotaOrAuth, ex.Class);
            Assert.Contains(backend == Backend.Gemini ? "GEMINI_API_KEY" : "GOOGLE_API_KEY", ex.Message, StringComparison.Ordinal);
            Assert.False(ex.Unanswered);
            Assert.DoesNotContain(WrongKey, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongKey, ex.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, veo.Emulator.JobsCreated());
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    [InlineData(Backend.Express)]
    public async Task The_access_check_with_a_good_key_makes_one_request(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);

        await veo.Provider.CheckAccessAsync();

        Assert.Single(veo.Requests);

        // Gemini lists one model; Vertex has no call that succeeds in express mode too, so it asks for a made-up operation.
        Assert.Contains(backend == Backend.Gemini ? "/v1beta/models" : "/operations/", veo.Requests[0].Body ?? veo.Requests[0].Uri.AbsolutePath, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    public async Task A_reset_submit_is_unanswered_and_sent_once(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend, "reset=1");

        var ex = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.SubmitAsync(Request("Paid for, never heard of", Landscape, 4)));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.True(ex.Unanswered);
        await Task.Delay(300); // room for a stray second POST to show up in the audit
        Assert.Equal(1, veo.Emulator.JobsCreated());
        Assert.Single(veo.Requests);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    public async Task A_reset_submit_on_a_kept_alive_connection_is_not_sent_again(Backend backend)
    {
        // Draw 1 (the preflight) is answered, draw 2 (the submit, on the same connection) is reset.
        var seed = Enumerable.Range(0, 10_000).First(s =>
        {
            var dice = new Random(s);
            return dice.NextDouble() >= 0.5 && dice.NextDouble() < 0.5;
        });
        await using var veo = await VeoEmulator.StartAsync(backend, "reset=0.5", seed);
        await veo.Provider.CheckAccessAsync();

        var ex = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.SubmitAsync(Request("Paid for, never heard of", Landscape, 4)));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.True(ex.Unanswered);
        await Task.Delay(300); // room for a stray second POST (a transparent retry by the HTTP stack) to show up
        Assert.Equal(1, veo.Emulator.JobsCreated());
        Assert.Equal(2, veo.Requests.Count);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Express)]
    public async Task A_429_on_submit_is_transient_and_answered(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend, "429=1");

        var ex = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.SubmitAsync(Request("x", Landscape, 4)));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.False(ex.Unanswered);
        Assert.Contains("429", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, veo.Emulator.JobsCreated());
        Assert.Single(veo.Requests);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    public async Task A_dropped_poll_is_retried(Backend backend)
    {
        // The fault dice draw once per request: the submit (draw 1) goes through, the first poll (draw 2) is
        // dropped and its retry (draw 3) is answered.
        const double Rate = 0.3;
        var seed = Enumerable.Range(0, 10_000).First(s =>
        {
            var dice = new Random(s);
            return dice.NextDouble() >= Rate && dice.NextDouble() < Rate && dice.NextDouble() >= Rate;
        });
        await using var veo = await VeoEmulator.StartAsync(backend, $"drop={Rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}", seed);

        var submitted = await veo.Provider.SubmitAsync(Request("Through a bad line", Landscape, 4));
        veo.Emulator.Advance(60);
        var status = await veo.Provider.GetAsync(submitted.JobId);

        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(3, veo.Requests.Count);
        Assert.Equal(veo.Requests[1].Uri, veo.Requests[2].Uri);

        // The audit line of the answered retry may still be on its way; the dropped one was written before the backoff.
        Assert.Single(veo.Emulator.AuditLines(), l => l["status"]?.GetValue<int>() == 0);
    }

    [Fact]
    public async Task A_truncated_gemini_download_is_a_transient_failure()
    {
        await using var veo = await VeoEmulator.StartAsync(Backend.Gemini, "truncate=1");
        var id = await veo.GenerateAsync(Request("A long train", Landscape, 8));

        using var sink = new ForwardOnlyStream();
        var ex = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.DownloadAsync(id, ContentVariant.Video, sink));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Backend.Gemini)]
    [InlineData(Backend.Vertex)]
    public async Task Veo_has_no_thumbnails(Backend backend)
    {
        await using var veo = await VeoEmulator.StartAsync(backend);
        var id = await veo.GenerateAsync(Request("x", Landscape, 4));

        using var sink = new MemoryStream();
        var ex = await Assert.ThrowsAsync<ProviderException>(() => veo.Provider.DownloadAsync(id, ContentVariant.Thumbnail, sink));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
    }

    // ---- options from the environment ------------------------------------------------------------------------------

    [Fact]
    public void Gemini_options_need_a_key_and_say_how_to_get_one()
    {
        var ex = Assert.Throws<ProviderException>(() => VeoOptions.Gemini(Env(("GEMINI_API_KEY", "  "))));

        Assert.Equal(ErrorClass.QuotaOrAuth, ex.Class);
        Assert.Contains("GEMINI_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.Contains("https://aistudio.google.com/apikey", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GOOGLE_GEMINI_BASE_URL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gemini_options_prefer_google_api_key_and_mask_it()
    {
        var options = VeoOptions.Gemini(Env(("GEMINI_API_KEY", "gemini-secret"), ("GOOGLE_API_KEY", "google-secret")));

        Assert.Equal("google-secret", options.Secret);
        Assert.False(options.IsBearer);
        Assert.Equal(VeoOptions.DefaultGeminiUrl, options.BaseUrl);
        Assert.Equal("v1beta/models/", options.ModelsPath);
        Assert.DoesNotContain("google-secret", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("***", options.ToString(), StringComparison.Ordinal);
        Assert.Equal("gemini-secret", VeoOptions.Gemini(Env(("GEMINI_API_KEY", "gemini-secret"))).Secret);
        Assert.Equal(new Uri("http://127.0.0.1:9090/"), VeoOptions.Gemini(Env(("GEMINI_API_KEY", "k"), ("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9090"))).BaseUrl);
    }

    [Theory]
    [InlineData("GOOGLE_GEMINI_BASE_URL", "not a url")]
    [InlineData("GOOGLE_GEMINI_BASE_URL", "ftp://example.com")]
    [InlineData("GOOGLE_VERTEX_BASE_URL", "localhost:8080")]
    public void A_bad_base_url_is_invalid_and_named(string variable, string value)
    {
        var env = Env(("GOOGLE_API_KEY", "k"), ("GOOGLE_CLOUD_ACCESS_TOKEN", "t"), ("GOOGLE_CLOUD_PROJECT", "p"), (variable, value));

        var ex = Assert.Throws<ProviderException>(() => variable.Contains("GEMINI", StringComparison.Ordinal) ? VeoOptions.Gemini(env) : VeoOptions.Vertex(env));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains(variable, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vertex_options_need_a_token_or_a_key()
    {
        var ex = Assert.Throws<ProviderException>(() => VeoOptions.Vertex(Env(("GEMINI_API_KEY", "only-gemini"))));

        Assert.Equal(ErrorClass.QuotaOrAuth, ex.Class);
        Assert.Contains("GOOGLE_CLOUD_ACCESS_TOKEN", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GOOGLE_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("only-gemini", ex.Message, StringComparison.Ordinal);

        var noProject = Assert.Throws<ProviderException>(() => VeoOptions.Vertex(Env(("GOOGLE_CLOUD_ACCESS_TOKEN", "tok-secret"))));
        Assert.Equal(ErrorClass.QuotaOrAuth, noProject.Class);
        Assert.Contains("GOOGLE_CLOUD_PROJECT", noProject.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-secret", noProject.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vertex_options_use_the_token_with_its_project_else_express_mode()
    {
        var token = VeoOptions.Vertex(Env(("GOOGLE_CLOUD_ACCESS_TOKEN", "tok-secret"), ("GOOGLE_CLOUD_PROJECT", "my-proj"), ("GOOGLE_API_KEY", "key-secret")));
        Assert.True(token.IsBearer);
        Assert.Equal("tok-secret", token.Secret);
        Assert.Equal("us-central1", token.Location);
        Assert.Equal(new Uri("https://us-central1-aiplatform.googleapis.com/"), token.BaseUrl);
        Assert.Equal("v1beta1/projects/my-proj/locations/us-central1/publishers/google/models/", token.ModelsPath);
        Assert.DoesNotContain("tok-secret", token.ToString(), StringComparison.Ordinal);

        var global = VeoOptions.Vertex(Env(("GOOGLE_CLOUD_ACCESS_TOKEN", "t"), ("GOOGLE_CLOUD_PROJECT", "p"), ("GOOGLE_CLOUD_LOCATION", "global")));
        Assert.Equal(new Uri("https://aiplatform.googleapis.com/"), global.BaseUrl);

        var express = VeoOptions.Vertex(Env(("GOOGLE_API_KEY", "key-secret"), ("GOOGLE_VERTEX_BASE_URL", "http://127.0.0.1:9091")));
        Assert.False(express.IsBearer);
        Assert.Null(express.Project);
        Assert.Equal("v1beta1/publishers/google/models/", express.ModelsPath);
        Assert.Equal(new Uri("http://127.0.0.1:9091/"), express.BaseUrl);
        Assert.DoesNotContain("key-secret", express.ToString(), StringComparison.Ordinal);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static GenerateRequest Request(string prompt, VideoSize size, int seconds, string? model = null) =>
        new("step", prompt, model, size, seconds);

    private static Dictionary<string, string?> Env(params (string Name, string? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    /// <summary>Local previews are encoded below the nominal size: the shape (aspect ratio) is what must match.</summary>
    private static void AssertShape(VideoSize expected, ClipInfo clip)
    {
        Assert.Equal(expected.Width > expected.Height, clip.Width > clip.Height);
        Assert.Equal(expected.Width / (double)expected.Height, clip.Width / (double)clip.Height, 0.05);
    }

    /// <summary>An emulator (fake clock), a provider pointed at it, and every request the provider sent.</summary>
    private sealed class VeoEmulator : IAsyncDisposable
    {
        private readonly HttpClient _http;

        private VeoEmulator(EmulatorHarness emulator, Recorder recorder, VeoProvider provider, HttpClient http)
        {
            Emulator = emulator;
            Recorder = recorder;
            Provider = provider;
            _http = http;
        }

        public EmulatorHarness Emulator { get; }

        public Recorder Recorder { get; }

        public VeoProvider Provider { get; }

        public IReadOnlyList<(HttpMethod Method, Uri Uri, string? Body)> Requests => Recorder.Requests;

        /// <summary>The bodies of the <c>predictLongRunning</c> requests, in order.</summary>
        public List<JsonObject> Submits =>
        [
            .. Recorder.Requests
                .Where(r => r.Uri.AbsolutePath.EndsWith(":predictLongRunning", StringComparison.Ordinal))
                .Select(r => JsonNode.Parse(r.Body!)!.AsObject()),
        ];

        public static async Task<VeoEmulator> StartAsync(Backend backend, string? faults = null, int seed = 0, string secret = Key)
        {
            var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Faults: faults, Seed: seed, ApiKey: Key));
            var recorder = new Recorder { InnerHandler = new HttpClientHandler() };
            var http = new HttpClient(recorder) { Timeout = TimeSpan.FromSeconds(30) };
            var root = emulator.Server.BaseAddress;
            var options = backend switch
            {
                Backend.Gemini => new VeoOptions(VeoBackend.Gemini, secret, false, root, null, null),
                Backend.Vertex => new VeoOptions(VeoBackend.Vertex, secret, true, root, "proj", "us-central1"),
                _ => new VeoOptions(VeoBackend.Vertex, secret, false, root, null, null),
            };
            return new VeoEmulator(emulator, recorder, new VeoProvider(http, options, new Retries(TimeProvider.System, new Random(7).NextDouble)), http);
        }

        public string WritePng(string name, int width, int height)
        {
            var path = Path.Combine(Emulator.Directory, name);
            File.WriteAllBytes(path, EmulatorHarness.Png(width, height));
            return path;
        }

        /// <summary>Moves the clock past any clip's end and polls once more.</summary>
        public async Task<JobStatus> FinishAsync(string jobId)
        {
            Emulator.Advance(300);
            var status = await Provider.GetAsync(jobId);
            Assert.NotEqual(JobState.Running, status.State);
            return status;
        }

        /// <summary>Submits and waits for success; returns the operation name.</summary>
        public async Task<string> GenerateAsync(JobRequest request)
        {
            var submitted = await Provider.SubmitAsync(request);
            var status = await FinishAsync(submitted.JobId);
            Assert.True(status.State == JobState.Succeeded, $"{submitted.JobId}: {status.State} {status.Error}");
            return submitted.JobId;
        }

        public async Task<byte[]> DownloadBytesAsync(string jobId)
        {
            using var buffer = new MemoryStream();
            await Provider.DownloadAsync(jobId, ContentVariant.Video, buffer);
            return buffer.ToArray();
        }

        /// <summary>Downloads the clip to a file and probes it after checking that every frame decodes.</summary>
        public async Task<ClipInfo> DownloadAsync(string jobId)
        {
            var path = Path.Combine(Emulator.Directory, Guid.NewGuid().ToString("N") + ".mp4");
            await using (var file = File.Create(path))
            {
                await Provider.DownloadAsync(jobId, ContentVariant.Video, file);
            }

            Assert.Null(Mp4Clip.Verify(path));
            return Mp4Clip.Probe(path);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await Emulator.DisposeAsync();
        }
    }

    /// <summary>Records each request (method, uri, body) before it is sent.</summary>
    private sealed class Recorder : DelegatingHandler
    {
        private readonly List<(HttpMethod Method, Uri Uri, string? Body)> _requests = [];

        public IReadOnlyList<(HttpMethod Method, Uri Uri, string? Body)> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (_requests)
            {
                _requests.Add((request.Method, request.RequestUri!, body));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
