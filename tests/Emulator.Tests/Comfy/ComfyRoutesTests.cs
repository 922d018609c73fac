using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Comfy;

/// <summary>
/// The emulator's ComfyUI routes under <c>/comfy</c> on a fake clock: an API-format graph queued with a client-chosen
/// <c>prompt_id</c>, the queue, the history with core SaveVideo's <c>images</c> + <c>animated: [true]</c> output, the
/// video from <c>/view</c>, uploads for LoadImage, validation errors with <c>node_errors</c>, auth, faults and the audit.
/// </summary>
public sealed class ComfyRoutesTests
{
    private const string Token = "comfy-token-51e0";

    private static async Task<(EmulatorHarness Emulator, HttpClient Http)> StartAsync(string? faults = null, string? token = Token, string prefix = "/comfy/")
    {
        var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Speed: 1, ApiKey: Token, Faults: faults));
        var http = new HttpClient { BaseAddress = new Uri(emulator.Server.BaseAddress, prefix) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return (emulator, http);
    }

    /// <summary>A Wan-like text-to-video graph: 640x352, 33 frames at 16 fps (2 s), saved by SaveVideo (node 58).</summary>
    internal static JsonObject Graph(string output = "SaveVideo", string? image = null)
    {
        var graph = new JsonObject
        {
            ["6"] = Node("CLIPTextEncode", new JsonObject { ["text"] = "a paper boat", ["clip"] = new JsonArray("38", 0) }),
            ["38"] = Node("CLIPLoader", new JsonObject { ["clip_name"] = "umt5.safetensors", ["type"] = "wan" }),
            ["55"] = Node("Wan22ImageToVideoLatent", new JsonObject { ["width"] = 640, ["height"] = 352, ["length"] = 33, ["batch_size"] = 1 }),
            ["3"] = Node("KSampler", new JsonObject { ["seed"] = 42, ["positive"] = new JsonArray("6", 0), ["latent_image"] = new JsonArray("55", 0) }),
            ["57"] = Node("CreateVideo", new JsonObject { ["fps"] = 16, ["images"] = new JsonArray("3", 0) }),
            ["58"] = Node(output, new JsonObject { ["filename_prefix"] = "video/reel", ["video"] = new JsonArray("57", 0) }),
        };
        if (image is not null)
        {
            graph["56"] = Node("LoadImage", new JsonObject { ["image"] = image });
        }

        return graph;
    }

    private static JsonObject Node(string type, JsonObject inputs) => new() { ["class_type"] = type, ["inputs"] = inputs };

    private static async Task<Reply> QueueAsync(HttpClient http, JsonObject graph, string? promptId = null)
    {
        var body = new JsonObject { ["prompt"] = graph, ["client_id"] = "tests" };
        if (promptId is not null)
        {
            body["prompt_id"] = promptId;
        }

        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return await Reply.ReadAsync(await http.PostAsync("prompt", content));
    }

    private static async Task<JsonObject> JsonAsync(HttpClient http, string path) => (await Reply.ReadAsync(await http.GetAsync(path))).Json!;

    [Fact]
    public async Task A_queued_prompt_waits_runs_and_lands_in_the_history_with_an_animated_video_served_by_view()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        const string Id = "0d1acea7-b632-56f2-a540-3edf44e4bc2e";

        var queued = await QueueAsync(http, Graph(), Id);

        Assert.Equal(HttpStatusCode.OK, queued.Status);
        Assert.Equal(Id, queued.Json!["prompt_id"]!.GetValue<string>());
        Assert.Empty(queued.Json!["node_errors"]!.AsObject());
        Assert.Equal(Id, (await JsonAsync(http, "queue"))["queue_pending"]![0]![1]!.GetValue<string>());
        Assert.Empty(await JsonAsync(http, $"history/{Id}"));
        emulator.Advance(1);
        Assert.Equal(Id, (await JsonAsync(http, "queue"))["queue_running"]![0]![1]!.GetValue<string>());

        emulator.Advance(2);
        var entry = (await JsonAsync(http, $"history/{Id}"))[Id]!;
        Assert.Equal("success", entry["status"]!["status_str"]!.GetValue<string>());
        Assert.True(entry["status"]!["completed"]!.GetValue<bool>());
        var output = entry["outputs"]!["58"]!;
        Assert.True(output["animated"]![0]!.GetValue<bool>());
        var file = output["images"]![0]!;
        Assert.Empty((await JsonAsync(http, "queue"))["queue_running"]!.AsArray());
        var video = await Reply.ReadAsync(await http.GetAsync(
            $"view?filename={Uri.EscapeDataString(file["filename"]!.GetValue<string>())}&subfolder={file["subfolder"]}&type=output"));
        Assert.Equal(HttpStatusCode.OK, video.Status);
        var path = Path.Combine(emulator.Directory, "view.mp4");
        await File.WriteAllBytesAsync(path, video.Body);
        var probe = Reel.Engine.Media.Mp4Clip.Probe(path);
        Assert.True(probe.Width > probe.Height, $"{probe.Width}x{probe.Height}: the emulator's preview keeps the graph's landscape shape");
        Assert.Equal(2, probe.Seconds, 1);
        Assert.Single(emulator.AuditLines(), l => l["event"]?.GetValue<string>() == "job.created" && l["job"]!.GetValue<string>() == Id);
    }

    [Fact]
    public async Task Every_route_is_also_served_under_api()
    {
        var (emulator, http) = await StartAsync(prefix: "/comfy/api/");
        await using var _ = emulator;
        using var __ = http;

        Assert.Equal(HttpStatusCode.OK, (await QueueAsync(http, Graph(), "b3c1e4a0-0000-5000-8000-000000000001")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Reply.ReadAsync(await http.GetAsync("system_stats"))).Status);
    }

    [Fact]
    public async Task VideoHelperSuite_outputs_are_listed_under_gifs()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var id = (await QueueAsync(http, Graph("VHS_VideoCombine"))).Json!["prompt_id"]!.GetValue<string>();
        emulator.Advance(5);

        var output = (await JsonAsync(http, $"history/{id}"))[id]!["outputs"]!["58"]!;

        Assert.Null(output["images"]);
        Assert.Equal("video/h264-mp4", output["gifs"]![0]!["format"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_uploaded_image_is_what_LoadImage_may_name_and_an_unknown_name_is_a_node_error()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;

        var missing = await QueueAsync(http, Graph(image: "nowhere.png"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal("prompt_outputs_failed_validation", missing.Json!["error"]!["type"]!.GetValue<string>());
        Assert.Equal("value_not_in_list", missing.Json!["node_errors"]!["56"]!["errors"]![0]!["type"]!.GetValue<string>());

        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(EmulatorHarness.Png(64, 64));
        part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(part, "image", "boat.png");
        form.Add(new StringContent("input"), "type");
        var upload = await Reply.ReadAsync(await http.PostAsync("upload/image", form));
        Assert.Equal(HttpStatusCode.OK, upload.Status);
        Assert.Equal("boat.png", upload.Json!["name"]!.GetValue<string>());
        Assert.Equal("input", upload.Json!["type"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await QueueAsync(http, Graph(image: "boat.png"))).Status);
    }

    [Fact]
    public async Task A_graph_without_a_video_output_or_in_the_UI_format_is_refused()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var graph = Graph();
        graph.Remove("58");

        var noOutput = await QueueAsync(http, graph);
        var ui = await QueueAsync(http, new JsonObject { ["nodes"] = new JsonArray(), ["links"] = new JsonArray() });
        var dangling = Graph();
        dangling["57"]!["inputs"]!["images"] = new JsonArray("99", 0);
        var badLink = await QueueAsync(http, dangling);

        Assert.Equal(HttpStatusCode.BadRequest, noOutput.Status);
        Assert.Equal("prompt_no_outputs", noOutput.Json!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, ui.Status);
        Assert.Contains("UI-format", ui.Json!["error"]!["details"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badLink.Status);
        Assert.NotNull(badLink.Json!["node_errors"]!["57"]);
        Assert.DoesNotContain(emulator.AuditLines(), l => l["event"]?.GetValue<string>() == "job.created");
    }

    [Fact]
    public async Task With_an_api_key_a_request_without_the_bearer_token_is_401()
    {
        var (emulator, http) = await StartAsync(token: null);
        await using var _ = emulator;
        using var __ = http;

        var none = await Reply.ReadAsync(await http.GetAsync("system_stats"));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        var wrong = await QueueAsync(http, Graph());

        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal("unauthorized", wrong.Json!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_moderation_fault_ends_the_prompt_with_an_execution_error()
    {
        var (emulator, http) = await StartAsync(faults: "moderation=1");
        await using var _ = emulator;
        using var __ = http;
        var id = (await QueueAsync(http, Graph())).Json!["prompt_id"]!.GetValue<string>();
        emulator.Advance(5);

        var status = (await JsonAsync(http, $"history/{id}"))[id]!["status"]!;

        Assert.Equal("error", status["status_str"]!.GetValue<string>());
        Assert.Equal("execution_error", status["messages"]![1]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Injected_429s_are_queue_full_with_retry_after_and_poll503_hits_history_reads()
    {
        var (emulator, http) = await StartAsync(faults: "429=1");
        await using var _ = emulator;
        using var __ = http;

        var reply = await QueueAsync(http, Graph());

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal("queue_full", reply.Json!["error"]!["type"]!.GetValue<string>());
        Assert.NotNull(reply.Header("retry-after"));

        var (polled, http2) = await StartAsync(faults: "poll503=1");
        await using var ___ = polled;
        using var ____ = http2;
        Assert.Equal(HttpStatusCode.OK, (await QueueAsync(http2, Graph(), "b3c1e4a0-0000-5000-8000-000000000002")).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Reply.ReadAsync(await http2.GetAsync("history/b3c1e4a0-0000-5000-8000-000000000002"))).Status);
    }

    private static async Task<Reply> CreateJobAsync(HttpClient http, JsonObject workflow, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v2/jobs")
        {
            Content = new StringContent(new JsonObject { ["workflow"] = workflow }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await Reply.ReadAsync(await http.SendAsync(request));
    }

    [Fact]
    public async Task V2_jobs_are_created_once_per_idempotency_key_read_listed_and_their_video_served_as_an_asset()
    {
        var (emulator, http) = await StartAsync(prefix: "/comfy-v2/");
        await using var _ = emulator;
        using var __ = http;
        const string Key = "5a1f0c3e-7d2b-5c4a-9e8f-0123456789ab";

        var created = await CreateJobAsync(http, Graph(), Key);
        var reused = await CreateJobAsync(http, Graph(), Key);

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("queued", created.Json!["status"]!.GetValue<string>());
        Assert.Equal((HttpStatusCode)422, reused.Status);
        Assert.Equal("idempotency_key_reuse", reused.Json!["error"]!["code"]!.GetValue<string>());
        var id = created.Json!["id"]!.GetValue<string>();
        Assert.Equal(id, (await JsonAsync(http, "api/v2/jobs"))["jobs"]![0]!["id"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Graph(), (await JsonAsync(http, $"api/v2/jobs/{id}/workflow"))["workflow"]));

        emulator.Advance(5);
        var job = await JsonAsync(http, $"api/v2/jobs/{id}");
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        var output = job["outputs"]![0]!;
        Assert.Equal("video", output["type"]!.GetValue<string>());
        var url = output["url"]!.GetValue<string>();
        Assert.StartsWith("/comfy-v2/api/v2/assets/", url, StringComparison.Ordinal);
        var video = await Reply.ReadAsync(await http.GetAsync(new Uri(emulator.Server.BaseAddress, url)));
        Assert.Equal(HttpStatusCode.OK, video.Status);
        Assert.Equal("video/mp4", video.Message.Content.Headers.ContentType?.MediaType);
        Assert.Single(emulator.AuditLines(), l => l["event"]?.GetValue<string>() == "job.created");
    }

    [Fact]
    public async Task V2_assets_dedupe_by_content_and_a_workflow_may_load_one_by_reference()
    {
        var (emulator, http) = await StartAsync(prefix: "/comfy-v2/");
        await using var _ = emulator;
        using var __ = http;

        async Task<Reply> UploadAsync()
        {
            using var form = new MultipartFormDataContent();
            var part = new ByteArrayContent(EmulatorHarness.Png(32, 32));
            part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(part, "file", "boat.png");
            return await Reply.ReadAsync(await http.PostAsync("api/v2/assets", form));
        }

        var first = await UploadAsync();
        var second = await UploadAsync();
        var graph = Graph();
        graph["56"] = new JsonObject { ["class_type"] = "LoadImage", ["inputs"] = new JsonObject { ["image"] = new JsonObject { ["__type"] = "core/ASSET", ["info"] = new JsonObject { ["id"] = first.Json!["id"]!.GetValue<string>() } } } };
        var unknown = Graph();
        unknown["56"] = new JsonObject { ["class_type"] = "LoadImage", ["inputs"] = new JsonObject { ["image"] = new JsonObject { ["__type"] = "core/ASSET", ["info"] = new JsonObject { ["id"] = "asset-nope" } } } };

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(first.Json!["id"]!.GetValue<string>(), second.Json!["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, (await CreateJobAsync(http, graph, null)).Status);
        var refused = await CreateJobAsync(http, unknown, null);
        Assert.Equal((HttpStatusCode)422, refused.Status);
        Assert.Equal("invalid_workflow", refused.Json!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_native_server_has_no_v2_routes_and_the_v2_mount_no_native_ones()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;

        Assert.Equal(HttpStatusCode.NotFound, (await Reply.ReadAsync(await http.GetAsync("api/v2/jobs?limit=1"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Reply.ReadAsync(await http.GetAsync(new Uri(emulator.Server.BaseAddress, "/comfy-v2/system_stats")))).Status);
    }
}
