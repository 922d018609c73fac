using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Comfy;
using Reel.Engine.Providers.Http;
using Reel.Engine.Tests.Providers.OpenAi;

namespace Reel.Engine.Tests.Providers.Comfy;

/// <summary>
/// The comfy provider against a scripted ComfyUI (raw JSON): the filled graph, the prompt id derived from the
/// idempotency key, history and queue states, SaveVideo and VHS outputs, errors with node_errors, and the offline
/// workflow checks.
/// </summary>
public sealed class ComfyProviderTests : IDisposable
{
    private const string Workflow = """
        {
          "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["38", 0]}},
          "38": {"class_type": "CLIPLoader", "inputs": {"clip_name": "umt5.safetensors"}},
          "55": {"class_type": "Wan22ImageToVideoLatent", "inputs": {"width": 1280, "height": 704, "length": 121, "batch_size": 1}},
          "56": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
          "3": {"class_type": "KSampler", "inputs": {"seed": 0, "positive": ["6", 0], "latent_image": ["55", 0]}},
          "57": {"class_type": "CreateVideo", "inputs": {"fps": 24, "images": ["3", 0]}},
          "58": {"class_type": "SaveVideo", "inputs": {"filename_prefix": "video/reel", "video": ["57", 0]}}
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("reel-comfy-tests-").FullName;
    private readonly FakeHandler _handler = new();

    public void Dispose()
    {
        _handler.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static StepOption Bind(string json) => new("bind", OptionKind.Map, json, []);

    private ImmutableArray<StepOption> Options(string bind = """{"fps":"57.fps","frames":"55.length","height":"55.height","prompt":"6.text","seed":"3.seed","width":"55.width"}""", string? workflow = null) =>
        [new("workflow", OptionKind.File, null, [workflow ?? WriteFile("wf.api.json", Workflow)]), Bind(bind), new("fps", OptionKind.Integer, "24", [])];

    private ComfyProvider Provider(string? key = null, ComfySurface surface = ComfySurface.Native) =>
        new(new HttpClient(_handler), new ComfyOptions(new Uri("http://comfy.test/base"), key, surface), new Retries(new FakeTimeProvider(), () => 0.5));

    private static GenerateRequest Request(ImmutableArray<StepOption> options, string key = "reel-0123456789abcdef0123456789abcdef") =>
        new("puddle", "a paper boat", null, new VideoSize(832, 480), 2) { Options = options, Seed = 77, IdempotencyKey = key };

    [Fact]
    public async Task Submit_fills_every_bound_input_and_queues_under_the_prompt_id_of_the_idempotency_key()
    {
        var request = Request(Options());
        var expectedId = ComfyProvider.PromptId(request);
        _handler.Json("{\"prompt_id\":\"" + expectedId + "\",\"number\":3,\"node_errors\":{}}");

        var status = await Provider("tok-9").SubmitAsync(request);

        Assert.Equal(expectedId, status.JobId);
        Assert.Equal(JobState.Queued, status.State);
        var sent = _handler.Requests.Single();
        Assert.Equal("/base/prompt", sent.Path);
        Assert.Equal("Bearer tok-9", sent.Headers.Authorization?.ToString());
        var graph = sent.Json.GetProperty("prompt");
        Assert.Equal(expectedId, sent.Json.GetProperty("prompt_id").GetString());
        Assert.Equal("a paper boat", graph.GetProperty("6").GetProperty("inputs").GetProperty("text").GetString());
        Assert.Equal(77, graph.GetProperty("3").GetProperty("inputs").GetProperty("seed").GetInt64());
        var latent = graph.GetProperty("55").GetProperty("inputs");
        Assert.Equal((832, 480, 49), (latent.GetProperty("width").GetInt32(), latent.GetProperty("height").GetInt32(), latent.GetProperty("length").GetInt32()));
        Assert.Equal("umt5.safetensors", graph.GetProperty("38").GetProperty("inputs").GetProperty("clip_name").GetString());
        Assert.Equal(JsonValueKind.Array, graph.GetProperty("6").GetProperty("inputs").GetProperty("clip").ValueKind);
    }

    [Fact]
    public void The_prompt_id_is_a_canonical_uuid_stable_per_key_and_new_per_attempt()
    {
        var a = ComfyProvider.PromptId(Request([], "reel-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        var again = ComfyProvider.PromptId(Request([], "reel-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        var next = ComfyProvider.PromptId(Request([], "reel-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));

        Assert.Equal(a, again);
        Assert.NotEqual(a, next);
        Assert.True(Guid.TryParseExact(a, "D", out var guid));
        Assert.Equal(a, guid.ToString("D"));
        Assert.Equal('5', a[14]);
    }

    [Fact]
    public async Task A_first_frame_is_uploaded_and_its_name_bound_to_the_LoadImage_input()
    {
        var image = Path.Combine(_dir, "first.png");
        File.WriteAllBytes(image, Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="));
        var request = Request(Options("""{"image":"56.image","prompt":"6.text"}""")) with { FirstFramePath = image };
        _handler.Json("""{"name":"reel-abc.png","subfolder":"","type":"input"}""");
        _handler.Json("""{"prompt_id":"x","number":1,"node_errors":{}}""");

        await Provider().SubmitAsync(request);

        Assert.Equal("/base/upload/image", _handler.Requests[0].Path);
        Assert.Contains(_handler.Requests[0].Form(), p => p.ContentType == "image/png");
        Assert.Matches("name=\"?image\"?; filename=\"?reel-[0-9a-f]{16}\\.png", _handler.Requests[0].BodyText);
        Assert.Equal("reel-abc.png", _handler.Requests[1].Json.GetProperty("prompt").GetProperty("56").GetProperty("inputs").GetProperty("image").GetString());
    }

    [Fact]
    public async Task A_refused_workflow_is_invalid_and_names_the_node()
    {
        _handler.Json("""
            {"error":{"type":"prompt_outputs_failed_validation","message":"Prompt outputs failed validation","details":"","extra_info":{}},
             "node_errors":{"37":{"errors":[{"type":"value_not_in_list","message":"Value not in list","details":"unet_name: 'wan.safetensors' not in []"}],"class_type":"UNETLoader"}}}
            """, HttpStatusCode.BadRequest);

        var ex = await Assert.ThrowsAsync<ProviderException>(() => Provider().SubmitAsync(Request(Options())));

        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains("node 37 (UNETLoader)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("wan.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Find_reads_the_history_then_the_queue_and_answers_null_when_comfy_never_saw_the_prompt()
    {
        var request = Request(Options());
        var id = ComfyProvider.PromptId(request);
        _handler.Json("{}").Json($$"""{"queue_running":[],"queue_pending":[[4,"{{id}}",{},{},["58"]]]}""");
        _handler.Json("{}").Json("""{"queue_running":[],"queue_pending":[]}""");

        var pending = await Provider().FindAsync(request);
        var none = await Provider().FindAsync(request);

        Assert.Equal((id, JobState.Queued), (pending!.JobId, pending.State));
        Assert.Null(none);
        Assert.Equal($"/base/history/{id}", _handler.Requests[0].Path);
    }

    [Theory]
    [InlineData("""{"status":{"status_str":"success","completed":true},"outputs":{"58":{"images":[{"filename":"v.mp4","subfolder":"video","type":"output"}],"animated":[true]}}}""", JobState.Succeeded, null)]
    [InlineData("""{"status":{"status_str":"success","completed":true},"outputs":{"9":{"images":[{"filename":"still.png","subfolder":"","type":"output"}]}}}""", JobState.Failed, "no_video")]
    [InlineData("""{"status":{"status_str":"success","completed":true},"outputs":{"9":{"gifs":[{"filename":"v.mp4","subfolder":"","type":"output","format":"video/h264-mp4"}]}}}""", JobState.Succeeded, null)]
    [InlineData("""{"status":{"status_str":"error","completed":false,"messages":[["execution_error",{"node_id":"3","node_type":"KSampler","exception_type":"torch.OutOfMemoryError","exception_message":"CUDA out of memory"}]]},"outputs":{}}""", JobState.Failed, "execution_error")]
    public void History_entries_map_to_job_states(string entry, JobState state, string? code)
    {
        using var doc = JsonDocument.Parse(entry);

        var status = ComfyProvider.ParseHistory("p1", doc.RootElement);

        Assert.Equal(state, status.State);
        Assert.Equal(code, status.Error?.Code);
        if (code == "execution_error")
        {
            Assert.Contains("node 3 (KSampler): torch.OutOfMemoryError: CUDA out of memory", status.Error!.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Download_reads_the_animated_output_from_view()
    {
        _handler.Json("""{"p1":{"status":{"status_str":"success","completed":true},"outputs":{"58":{"images":[{"filename":"reel 1.mp4","subfolder":"video","type":"output"}],"animated":[true]}}}}""");
        _handler.Enqueue(() => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([1, 2, 3]) });
        using var into = new MemoryStream();

        await Provider().DownloadAsync("p1", ContentVariant.Video, into);

        Assert.Equal([1, 2, 3], into.ToArray());
        Assert.Equal("/base/view", _handler.Requests[1].Path);
        Assert.Equal(("reel 1.mp4", "video", "output"), (_handler.Requests[1].Query("filename"), _handler.Requests[1].Query("subfolder"), _handler.Requests[1].Query("type")));
    }

    [Theory]
    [InlineData(401, ErrorClass.QuotaOrAuth)]
    [InlineData(429, ErrorClass.Transient)]
    [InlineData(503, ErrorClass.Transient)]
    [InlineData(422, ErrorClass.Invalid)]
    public void Error_statuses_map_to_error_classes(int status, ErrorClass expected) =>
        Assert.Equal(expected, ComfyProvider.ParseError((HttpStatusCode)status, """{"error":{"code":"x","message":"m"}}""").Class);

    [Theory]
    [InlineData("submit", ComfySurface.Native)]
    [InlineData("submit", ComfySurface.V2)]
    [InlineData("find", ComfySurface.Native)]
    [InlineData("find", ComfySurface.V2)]
    [InlineData("get", ComfySurface.Native)]
    [InlineData("download", ComfySurface.V2)]
    [InlineData("access", ComfySurface.Auto)]
    public async Task Every_call_honours_cancellation(string call, ComfySurface surface)
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var provider = Provider(surface: surface);
        using var into = new MemoryStream();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call switch
        {
            "submit" => provider.SubmitAsync(Request(Options()), cts.Token),
            "find" => provider.FindAsync(Request(Options()), cts.Token),
            "get" => provider.GetAsync("p1", cts.Token),
            "download" => provider.DownloadAsync("v2:j", ContentVariant.Video, into, cts.Token),
            _ => provider.CheckAccessAsync(cts.Token),
        });
        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task Auto_speaks_v2_when_api_v2_jobs_answers_and_native_when_it_is_404()
    {
        _handler.Json("""{"jobs":[]}""").Json("""{"jobs":[]}""");
        await Provider(surface: ComfySurface.Auto).CheckAccessAsync();
        Assert.Equal(["/base/api/v2/jobs", "/base/api/v2/jobs"], _handler.Requests.Select(r => r.Path));

        _handler.Requests.Clear();
        _handler.Json("""{"error":{"type":"not_found","message":"404: Not Found"}}""", HttpStatusCode.NotFound).Json("""{"system":{}}""");
        await Provider(surface: ComfySurface.Auto).CheckAccessAsync();
        Assert.Equal(["/base/api/v2/jobs", "/base/system_stats"], _handler.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task On_v2_a_reused_idempotency_key_finds_the_job_running_the_same_workflow()
    {
        var request = Request(Options());
        _handler.Json("""{"error":{"code":"idempotency_key_reuse","message":"used"}}""", (HttpStatusCode)422);
        _handler.Enqueue((req, _) =>
        {
            Assert.Equal("/base/api/v2/jobs", req.RequestUri!.AbsolutePath);
            return FakeHandler.Response(HttpStatusCode.OK, """{"jobs":[{"id":"other","status":"running"},{"id":"mine","status":"queued"}]}""");
        });
        _handler.Json("""{"workflow":{"1":{"class_type":"X","inputs":{}}},"format":"api"}""");
        _handler.Enqueue((_, _) => FakeHandler.Response(HttpStatusCode.OK, "{\"workflow\":" + _handler.Requests[0].Json.GetProperty("workflow").GetRawText() + ",\"format\":\"api\"}"));

        var found = await Provider(surface: ComfySurface.V2).SubmitAsync(request);

        Assert.Equal(("v2:mine", JobState.Queued), (found.JobId, found.State));
        Assert.Equal(ComfyProvider.PromptId(request), _handler.Requests[0].Headers.GetValues("Idempotency-Key").Single());
        Assert.Equal("/base/api/v2/jobs/mine/workflow", _handler.Requests[^1].Path);
    }

    [Theory]
    [InlineData("""{"status":"queued"}""", JobState.Queued, null)]
    [InlineData("""{"status":"running","progress":{"value":0.4}}""", JobState.Running, null)]
    [InlineData("""{"status":"succeeded","outputs":[{"type":"video","url":"/api/v2/assets/a/content"}]}""", JobState.Succeeded, null)]
    [InlineData("""{"status":"succeeded","outputs":[{"type":"image","url":"/x"}]}""", JobState.Failed, "no_video")]
    [InlineData("""{"status":"failed","error":{"code":"execution_error","message":"OOM","node_id":"3","class_type":"KSampler"}}""", JobState.Failed, "execution_error")]
    [InlineData("""{"status":"expired"}""", JobState.Failed, "expired")]
    public void V2_jobs_map_to_job_states(string job, JobState state, string? code)
    {
        using var doc = JsonDocument.Parse(job);

        var status = ComfyProvider.ParseJob("v2:j", doc.RootElement);

        Assert.Equal(state, status.State);
        Assert.Equal(code, status.Error?.Code);
    }

    [Fact]
    public void The_offline_check_accepts_good_binds_and_names_each_bad_one()
    {
        Assert.Empty(ComfyWorkflow.Check(Options(), hasImage: false));

        var problems = ComfyWorkflow.Check(Options("""{"frames":"55.lenght","prompt":"9.text","seed":"3.positive"}"""), hasImage: false);

        Assert.All(problems, p => Assert.Equal("bind", p.Option));
        Assert.Contains(problems, p => p.Message.Contains("names node '9', which does not exist", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("did you mean 'length'?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("wired to node 6", StringComparison.Ordinal));
        Assert.Contains("bind has no 'image'", Assert.Single(ComfyWorkflow.Check(Options(), hasImage: true)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_offline_check_refuses_a_UI_format_file_a_graph_without_a_video_output_and_missing_options()
    {
        var ui = WriteFile("ui.json", """{"nodes":[],"links":[],"version":0.4}""");
        var still = WriteFile("still.api.json", """{"9":{"class_type":"SaveImage","inputs":{"filename_prefix":"x"}}}""");

        Assert.Contains("Export (API)", Assert.Single(ComfyWorkflow.Check(Options(workflow: ui), hasImage: false)).Message, StringComparison.Ordinal);
        Assert.Contains(ComfyWorkflow.Check(Options("""{"prompt":"9.filename_prefix"}""", workflow: still), hasImage: false), p => p.Message.Contains("saves no video", StringComparison.Ordinal));
        Assert.Equal(2, ComfyWorkflow.Check([], hasImage: false).Count(p => p.Option is null));
    }
}
