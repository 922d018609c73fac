using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Providers.OpenAi;

public sealed class OpenAiProviderTests : IDisposable
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5];

    private readonly Harness _h = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("reel-openai-").FullName;

    public void Dispose()
    {
        _h.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static GenerateRequest Generate(string prompt = "A fox", int seconds = 8, string? firstFrame = null, params string[] characters) =>
        new("open", prompt, "sora-2", new VideoSize(1280, 720), seconds)
        {
            FirstFramePath = firstFrame,
            Characters = [.. characters.Select(c => new ProviderCharacter(c, "Mira"))],
        };

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // ---- Generate / extend / edit / character: request shapes ----

    [Fact]
    public async Task Generate_without_image_posts_json_with_seconds_as_string_size_model_and_characters()
    {
        _h.Handler.Json(Videos.Video("video_1"), HttpStatusCode.OK, ("openai-poll-after-ms", "1500"));

        var status = await _h.Provider.SubmitAsync(Generate("A fox", 12, null, "char_1", "char_2"));

        var r = Assert.Single(_h.Requests);
        Assert.Equal(HttpMethod.Post, r.Method);
        Assert.Equal("https://api.example.test/v1/videos", r.Uri.ToString());
        Assert.Equal("Bearer", r.Headers.Authorization!.Scheme);
        Assert.Equal(Harness.Key, r.Headers.Authorization.Parameter);
        Assert.StartsWith("application/json", r.ContentType);
        var body = r.Json;
        Assert.Equal("A fox", body.GetProperty("prompt").GetString());
        Assert.Equal("sora-2", body.GetProperty("model").GetString());
        Assert.Equal("1280x720", body.GetProperty("size").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("seconds").ValueKind);
        Assert.Equal("12", body.GetProperty("seconds").GetString());
        Assert.Equal(["char_1", "char_2"], body.GetProperty("characters").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.False(body.TryGetProperty("input_reference", out _));

        Assert.Equal("video_1", status.JobId);
        Assert.Equal(JobState.Queued, status.State);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), status.PollAfter);
    }

    [Fact]
    public async Task Generate_without_model_or_characters_omits_them()
    {
        _h.Handler.Json(Videos.Video("video_1"));
        await _h.Provider.SubmitAsync(Generate() with { Model = null });
        var body = _h.Requests[0].Json;
        Assert.False(body.TryGetProperty("model", out _));
        Assert.False(body.TryGetProperty("characters", out _));
    }

    [Fact]
    public async Task Generate_with_first_frame_posts_multipart_with_typed_input_reference_and_bracketed_characters()
    {
        var image = WriteFile("frame.png", Png);
        _h.Handler.Json(Videos.Video("video_2"));

        var status = await _h.Provider.SubmitAsync(Generate("A fox", 4, image, "char_1", "char_2"));

        var r = Assert.Single(_h.Requests);
        Assert.Equal("/v1/videos", r.Path);
        Assert.StartsWith("multipart/form-data", r.ContentType);
        var form = r.Form();
        Assert.Equal("A fox", form.Single(p => p.Name == "prompt").Text);
        Assert.Equal("sora-2", form.Single(p => p.Name == "model").Text);
        Assert.Equal("1280x720", form.Single(p => p.Name == "size").Text);
        Assert.Equal("4", form.Single(p => p.Name == "seconds").Text);
        Assert.Equal(["char_1", "char_2"], form.Where(p => p.Name == "characters[][id]").Select(p => p.Text));
        var file = form.Single(p => p.Name == "input_reference");
        Assert.Equal("frame.png", file.FileName);
        Assert.Equal("image/png", file.ContentType);
        Assert.Equal(Png, file.Body);
        Assert.Null(form.Single(p => p.Name == "prompt").ContentType);
        Assert.Equal("video_2", status.JobId);
    }

    [Theory]
    [InlineData("frame.jpg", new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0 }, "image/jpeg")]
    [InlineData("frame.bin", new byte[] { 0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50 }, "image/webp")]
    [InlineData("frame.jpeg", new byte[] { 1, 2, 3 }, "image/jpeg")]
    public async Task First_frame_content_type_comes_from_magic_bytes_else_extension(string name, byte[] bytes, string expected)
    {
        _h.Handler.Json(Videos.Video("video_2"));
        await _h.Provider.SubmitAsync(Generate(firstFrame: WriteFile(name, bytes)));
        Assert.Equal(expected, _h.Requests[0].Form().Single(p => p.Name == "input_reference").ContentType);
    }

    [Fact]
    public async Task First_frame_of_unknown_type_or_missing_is_invalid_before_any_request()
    {
        var gif = WriteFile("frame.gif", "GIF89a"u8.ToArray());
        var e1 = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate(firstFrame: gif)));
        var e2 = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate(firstFrame: Path.Combine(_dir, "nope.png"))));
        Assert.Equal(ErrorClass.Invalid, e1.Class);
        Assert.Equal(ErrorClass.Invalid, e2.Class);
        Assert.Empty(_h.Requests);
    }

    [Fact]
    public async Task Extend_posts_video_id_prompt_and_segment_seconds_as_string()
    {
        _h.Handler.Json(Videos.Video("video_3"));
        var request = new ExtendRequest("open-2", "She smiles.", "sora-2", new VideoSize(1280, 720), 4, SourceJobId: "video_1");

        var status = await _h.Provider.SubmitAsync(request);

        var r = Assert.Single(_h.Requests);
        Assert.Equal(HttpMethod.Post, r.Method);
        Assert.Equal("/v1/videos/extensions", r.Path);
        Assert.Equal("video_1", r.Json.GetProperty("video").GetProperty("id").GetString());
        Assert.Equal("She smiles.", r.Json.GetProperty("prompt").GetString());
        Assert.Equal("4", r.Json.GetProperty("seconds").GetString());
        Assert.False(r.Json.TryGetProperty("characters", out _));
        Assert.False(r.Json.TryGetProperty("model", out _));
        Assert.Equal("video_3", status.JobId);
        Assert.Equal(8, status.Seconds); // the stitched total, as reported
    }

    [Fact]
    public async Task Edit_posts_video_id_and_prompt_only()
    {
        _h.Handler.Json(Videos.Video("video_4"));
        var request = new EditRequest("pour-warm", "Warmer grade.", "sora-2", new VideoSize(1280, 720), 8, SourceJobId: "video_1");

        await _h.Provider.SubmitAsync(request);

        var r = Assert.Single(_h.Requests);
        Assert.Equal("/v1/videos/edits", r.Path);
        Assert.Equal("video_1", r.Json.GetProperty("video").GetProperty("id").GetString());
        Assert.Equal("Warmer grade.", r.Json.GetProperty("prompt").GetString());
        Assert.Equal(["video", "prompt"], r.Json.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Extend_and_edit_without_a_source_job_are_caller_bugs()
    {
        var request = new EditRequest("e", "p", null, new VideoSize(1280, 720), 8);
        await Assert.ThrowsAsync<ArgumentException>(() => _h.Provider.SubmitAsync(request));
        await Assert.ThrowsAsync<ArgumentException>(() => _h.Provider.SubmitAsync(new ExtendRequest("e", "p", null, new VideoSize(1280, 720), 8)));
        Assert.Empty(_h.Requests);
    }

    [Fact]
    public async Task CreateCharacter_uploads_the_clip_and_name_and_returns_the_character_id_as_succeeded()
    {
        var clip = WriteFile("mira.mp4", [0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]);
        _h.Handler.Json("""{"id":"char_123","name":"Mira","created_at":1777636800,"extra":{"x":1}}""");
        var request = new CreateCharacterRequest("mira", "Mira", clip);

        var status = await _h.Provider.SubmitAsync(request);

        var r = Assert.Single(_h.Requests);
        Assert.Equal("/v1/videos/characters", r.Path);
        Assert.StartsWith("multipart/form-data", r.ContentType);
        var form = r.Form();
        Assert.Equal("Mira", form.Single(p => p.Name == "name").Text);
        var video = form.Single(p => p.Name == "video");
        Assert.Equal("video/mp4", video.ContentType);
        Assert.Equal("mira.mp4", video.FileName);
        Assert.Equal(File.ReadAllBytes(clip), video.Body);
        Assert.Equal(new JobStatus("char_123", JobState.Succeeded, 100, CreatedAt: DateTimeOffset.FromUnixTimeSeconds(1777636800)), status);
    }

    [Fact]
    public async Task CreateCharacter_without_an_id_in_the_response_is_an_error()
    {
        var clip = WriteFile("mira.mp4", [1, 2, 3]);
        _h.Handler.Json("""{"id":null,"name":"Mira","created_at":1}""");
        var request = new CreateCharacterRequest("mira", string.Empty, clip);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(request));
        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Equal("mira", _h.Requests[0].Form().Single(p => p.Name == "name").Text); // the step id when Name is unset
    }

    [Fact]
    public async Task Base_url_with_a_trailing_slash_and_a_path_is_joined_correctly()
    {
        using var h = new Harness("http://127.0.0.1:8080/v1/");
        h.Handler.Json(Videos.Video("video_1", "completed", 100));
        await h.Provider.GetAsync("video_1");
        Assert.Equal("http://127.0.0.1:8080/v1/videos/video_1", h.Requests[0].Uri.ToString());
    }

    // ---- Get: response mapping ----

    [Theory]
    [InlineData("queued", 0, JobState.Queued, 0)]
    [InlineData("in_progress", 33, JobState.Running, 33)]
    [InlineData("completed", 100, JobState.Succeeded, 100)]
    [InlineData("completed", 97, JobState.Succeeded, 100)]
    [InlineData("some_future_state", 10, JobState.Running, 10)]
    public async Task Get_maps_status_and_progress(string wire, int progress, JobState state, int expectedProgress)
    {
        _h.Handler.Json(Videos.Video("video_1", wire, progress, extra: ""","brand_new":{"nested":[1,2]}"""), HttpStatusCode.OK, ("openai-poll-after-ms", "2500"));

        var status = await _h.Provider.GetAsync("video_1");

        var r = Assert.Single(_h.Requests);
        Assert.Equal(HttpMethod.Get, r.Method);
        Assert.Equal("/v1/videos/video_1", r.Path);
        Assert.Equal(Harness.Key, r.Headers.Authorization!.Parameter);
        Assert.Equal(state, status.State);
        Assert.Equal(expectedProgress, status.Progress);
        Assert.Null(status.Error);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), status.PollAfter);
        Assert.Equal(8, status.Seconds);
        Assert.Equal("1280x720", status.Size);
        Assert.Equal("sora-2", status.Model);
        Assert.Equal("p video_1", status.Prompt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1777636800), status.CreatedAt);
    }

    [Fact]
    public async Task Get_tolerates_a_minimal_video_with_numeric_seconds_and_missing_fields()
    {
        _h.Handler.Json("""{"id":"video_1","status":"in_progress","progress":33,"seconds":12}""");
        var status = await _h.Provider.GetAsync("video_1");
        Assert.Equal(new JobStatus("video_1", JobState.Running, 33, Seconds: 12), status);
    }

    [Theory]
    [InlineData("""{"code":"moderation_blocked","message":"Your request was blocked."}""", ErrorClass.Moderation)]
    [InlineData("""{"code":"content_rejected","message":"This content may violate our content policy."}""", ErrorClass.Moderation)]
    [InlineData("""{"code":"generation_failed","message":"Something went wrong rendering."}""", ErrorClass.Invalid)]
    public async Task Get_maps_a_failed_job_error_to_a_classified_provider_error(string error, ErrorClass expected)
    {
        _h.Handler.Json($$"""{"id":"video_1","status":"failed","progress":0,"error":{{error}},"unknown":true}""");

        var status = await _h.Provider.GetAsync("video_1");

        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal(expected, status.Error!.Class);
        Assert.Equal(JsonDocument.Parse(error).RootElement.GetProperty("code").GetString(), status.Error.Code);
        Assert.Equal(JsonDocument.Parse(error).RootElement.GetProperty("message").GetString(), status.Error.Message);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("canceled")]
    public async Task Get_treats_expired_and_canceled_as_failed(string wire)
    {
        _h.Handler.Json($$"""{"id":"video_1","status":"{{wire}}","progress":0}""");
        var status = await _h.Provider.GetAsync("video_1");
        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal(ErrorClass.Transient, status.Error!.Class);
    }

    // ---- HTTP errors ----

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "invalid_value", ErrorClass.Invalid)]
    [InlineData(HttpStatusCode.NotFound, null, ErrorClass.Invalid)]
    [InlineData(HttpStatusCode.UnprocessableEntity, null, ErrorClass.Invalid)]
    [InlineData(HttpStatusCode.BadRequest, "moderation_blocked", ErrorClass.Moderation)]
    [InlineData(HttpStatusCode.Unauthorized, "invalid_api_key", ErrorClass.QuotaOrAuth)]
    [InlineData(HttpStatusCode.Forbidden, null, ErrorClass.QuotaOrAuth)]
    [InlineData(HttpStatusCode.TooManyRequests, "insufficient_quota", ErrorClass.QuotaOrAuth)]
    [InlineData(HttpStatusCode.TooManyRequests, "rate_limit_exceeded", ErrorClass.Transient)]
    [InlineData(HttpStatusCode.RequestTimeout, null, ErrorClass.Transient)]
    [InlineData(HttpStatusCode.Conflict, null, ErrorClass.Transient)]
    [InlineData(HttpStatusCode.InternalServerError, null, ErrorClass.Transient)]
    [InlineData(HttpStatusCode.ServiceUnavailable, null, ErrorClass.Transient)]
    public async Task Http_errors_are_classified_and_a_create_is_never_retried(HttpStatusCode status, string? code, ErrorClass expected)
    {
        _h.Handler.Json(Videos.Error("Invalid type for 'seconds'.", param: "seconds", code: code), status, ("retry-after-ms", "10"));

        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate()));

        Assert.Single(_h.Requests);
        Assert.Equal(expected, ex.Class);
        Assert.Contains("Invalid type for 'seconds'.", ex.Message);
        Assert.Contains("param: seconds", ex.Message);
        Assert.Equal("seconds", ex.Error.Param);
        Assert.Equal(code, ex.Error.Code);
        Assert.Equal(expected == ErrorClass.Transient ? TimeSpan.FromMilliseconds(10) : null, ex.RetryAfter);
    }

    [Fact]
    public async Task Non_json_error_body_still_gives_a_useful_message()
    {
        _h.Handler.Enqueue(() => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") });
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate()));
        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Contains("502", ex.Message);
    }

    [Theory]
    [InlineData("retry-after-ms", "1500", 1500)]
    [InlineData("Retry-After", "7", 7000)]
    [InlineData("Retry-After", "Fri, 01 May 2026 12:00:30 GMT", 30000)]
    public async Task Retry_after_headers_are_parsed(string header, string value, int expectedMs)
    {
        _h.Handler.Json(Videos.Error("slow down"), HttpStatusCode.TooManyRequests, (header, value));
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate()));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), ex.RetryAfter);
    }

    [Theory]
    [InlineData("reset")]
    [InlineData("io")]
    [InlineData("timeout")]
    public async Task A_dropped_create_is_transient_and_not_resent(string kind)
    {
        Exception failure = kind switch
        {
            "reset" => new HttpRequestException("Connection reset by peer"),
            "io" => new IOException("The response ended prematurely."),
            _ => new TaskCanceledException("timeout", new TimeoutException()),
        };
        _h.Handler.Throw(failure);

        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate()));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Single(_h.Requests);
    }

    // ---- Retry of idempotent requests ----

    [Fact]
    public async Task Get_is_retried_on_transient_failures_and_then_succeeds()
    {
        _h.Handler
            .Json(Videos.Error("boom", "server_error"), HttpStatusCode.InternalServerError)
            .Throw(new HttpRequestException("Connection reset by peer"))
            .Throw(new TaskCanceledException("timeout", new TimeoutException()))
            .Json(Videos.Video("video_1", "in_progress", 50));

        var status = await _h.Drive(_h.Provider.GetAsync("video_1"));

        Assert.Equal(4, _h.Requests.Count);
        Assert.All(_h.Requests, r => Assert.Equal("/v1/videos/video_1", r.Path));
        Assert.Equal(JobState.Running, status.State);
    }

    [Fact]
    public async Task Get_gives_up_after_eight_tries()
    {
        _h.Handler.Fallback = _ => FakeHandler.Response(HttpStatusCode.ServiceUnavailable, Videos.Error("busy"));
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Drive(_h.Provider.GetAsync("video_1")));
        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Equal(Retries.MaxAttempts, _h.Requests.Count);
        Assert.Equal(8, Retries.MaxAttempts);
    }

    [Fact]
    public async Task A_429_is_marked_rate_limited_by_its_status_and_an_exhausted_quota_is_not()
    {
        _h.Handler
            .Json(Videos.Error("Too many requests, try later", code: "too_many"), HttpStatusCode.TooManyRequests)
            .Json(Videos.Error("You exceeded your current quota", "insufficient_quota", code: "insufficient_quota"), HttpStatusCode.TooManyRequests)
            .Json(Videos.Error("rate limit reached upstream", "server_error"), HttpStatusCode.ServiceUnavailable);

        var limited = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate()));
        var quota = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate()));
        var busy = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.SubmitAsync(Generate()));

        Assert.Equal(ErrorClass.Transient, limited.Class);
        Assert.True(limited.RateLimited);
        Assert.Equal(ErrorClass.QuotaOrAuth, quota.Class);
        Assert.False(quota.RateLimited);
        Assert.Equal(ErrorClass.Transient, busy.Class);
        Assert.False(busy.RateLimited); // the status says so, not the text
    }

    [Fact]
    public async Task The_access_check_is_one_cheap_list_call_logged_at_debug_only()
    {
        _h.Handler
            .Json("""{"object":"list","data":[],"has_more":false}""")
            .Json(Videos.Error("Incorrect API key provided", code: "invalid_api_key"), HttpStatusCode.Unauthorized);

        await _h.Provider.CheckAccessAsync();
        var refused = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.CheckAccessAsync());

        Assert.Equal(2, _h.Requests.Count);
        Assert.All(_h.Requests, r => Assert.Equal("/v1/videos", r.Path));
        Assert.Equal("1", _h.Requests[0].Query("limit"));
        Assert.Equal(ErrorClass.QuotaOrAuth, refused.Class);
        Assert.Contains("OPENAI_API_KEY", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_h.Logger.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal));
        Assert.DoesNotContain(_h.Logger.Lines, l => l.Contains(Harness.Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_transient_failure_of_the_access_check_is_sent_once_and_reported_as_transient()
    {
        _h.Handler.Json(Videos.Error("Service unavailable", code: "server_error"), HttpStatusCode.ServiceUnavailable);

        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.CheckAccessAsync());

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Single(_h.Requests);
    }

    [Fact]
    public async Task Get_is_not_retried_on_invalid_or_auth_errors()
    {
        _h.Handler.Json(Videos.Error("No such video", code: "not_found"), HttpStatusCode.NotFound);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.GetAsync("video_x"));
        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Single(_h.Requests);
    }

    [Theory]
    [InlineData("retry-after-ms", "3000")]
    [InlineData("Retry-After", "3")]
    public async Task Get_retry_waits_exactly_the_server_retry_after(string header, string value)
    {
        _h.Handler
            .Json(Videos.Error("slow down", code: "rate_limit_exceeded"), HttpStatusCode.TooManyRequests, (header, value))
            .Json(Videos.Video("video_1"));

        var task = _h.Provider.GetAsync("video_1");
        Assert.Single(_h.Requests);
        _h.Time.Advance(TimeSpan.FromMilliseconds(2999));
        await Task.Delay(20);
        Assert.Single(_h.Requests);
        Assert.False(task.IsCompleted);
        _h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var status = await task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, _h.Requests.Count);
        Assert.Equal("video_1", status.JobId);
    }

    [Fact]
    public async Task Delete_is_a_retried_delete()
    {
        _h.Handler
            .Json(Videos.Error("boom"), HttpStatusCode.BadGateway)
            .Json("""{"id":"video_1","object":"video.deleted","deleted":true}""");
        await _h.Drive(_h.Provider.DeleteAsync("video_1"));
        Assert.Equal(2, _h.Requests.Count);
        Assert.All(_h.Requests, r => Assert.Equal(HttpMethod.Delete, r.Method));
        Assert.Equal("/v1/videos/video_1", _h.Requests[1].Path);
    }

    // ---- Download ----

    private static HttpResponseMessage Binary(byte[] bytes, long? contentLength, int failAfter = int.MaxValue)
    {
        var content = new StreamContent(new ChunkedStream(bytes, failAfter));
        content.Headers.ContentType = new("video/mp4");
        content.Headers.ContentLength = contentLength;
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    [Theory]
    [InlineData(ContentVariant.Video, "video")]
    [InlineData(ContentVariant.Thumbnail, "thumbnail")]
    [InlineData(ContentVariant.Spritesheet, "spritesheet")]
    public async Task Download_streams_the_variant_into_the_destination(ContentVariant variant, string wire)
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        _h.Handler.Enqueue(() => Binary(bytes, bytes.Length));
        using var destination = new MemoryStream();

        await _h.Provider.DownloadAsync("video_1", variant, destination);

        var r = Assert.Single(_h.Requests);
        Assert.Equal(HttpMethod.Get, r.Method);
        Assert.Equal("/v1/videos/video_1/content", r.Path);
        Assert.Equal(wire, r.Query("variant"));
        Assert.Equal(bytes, destination.ToArray());
    }

    [Fact]
    public async Task Download_without_content_length_accepts_what_arrives()
    {
        _h.Handler.Enqueue(() => Binary([1, 2, 3, 4], null));
        using var destination = new MemoryStream();
        await _h.Provider.DownloadAsync("video_1", ContentVariant.Video, destination);
        Assert.Equal([1, 2, 3, 4], destination.ToArray());
    }

    [Fact]
    public async Task Download_shorter_than_content_length_is_a_transient_truncation()
    {
        _h.Handler.Enqueue(() => Binary(new byte[600], 1000));
        using var destination = new ForwardOnlyStream();

        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.DownloadAsync("video_1", ContentVariant.Video, destination));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Contains("truncated download: got 600 of 1000 bytes", ex.Message);
        Assert.Single(_h.Requests); // a destination that can't seek can't be written again: the caller retries into a fresh one
    }

    [Fact]
    public async Task A_truncated_download_is_fetched_again_into_the_emptied_destination()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        _h.Handler
            .Enqueue(() => Binary(bytes, 1000, failAfter: 300))
            .Enqueue(() => Binary(bytes[..600], 1000))
            .Enqueue(() => Binary(bytes, 1000));
        using var destination = new MemoryStream();
        destination.Write([7, 7]); // what was there before is kept

        await _h.Drive(_h.Provider.DownloadAsync("video_1", ContentVariant.Video, destination));

        Assert.Equal(3, _h.Requests.Count);
        Assert.Equal([7, 7, .. bytes], destination.ToArray());
        Assert.Contains(_h.Logger.Lines, l => l.Contains("truncated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cut_download_resumes_with_a_range_request_from_the_bytes_already_written()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        _h.Handler
            .Enqueue(() => Ranged(Binary(bytes, 1000, failAfter: 300)))
            .Enqueue(() => Partial(bytes, 300));
        using var destination = new MemoryStream();
        destination.Write([7, 7]); // what was there before is kept

        await _h.Drive(_h.Provider.DownloadAsync("video_1", ContentVariant.Video, destination));

        Assert.Equal(2, _h.Requests.Count);
        Assert.Null(_h.Requests[0].Headers.Range);
        Assert.Equal("bytes=300-", _h.Requests[1].Headers.Range?.ToString());
        Assert.Equal("\"v1\"", _h.Requests[1].Headers.IfRange?.ToString());
        Assert.Equal([7, 7, .. bytes], destination.ToArray());
    }

    [Fact]
    public async Task A_resume_answered_with_the_whole_body_starts_again()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        _h.Handler
            .Enqueue(() => Ranged(Binary(bytes, 1000, failAfter: 300)))
            .Enqueue(() => Ranged(Binary(bytes, 1000)));
        using var destination = new MemoryStream();

        await _h.Drive(_h.Provider.DownloadAsync("video_1", ContentVariant.Video, destination));

        Assert.Equal("bytes=300-", _h.Requests[1].Headers.Range?.ToString());
        Assert.Equal(bytes, destination.ToArray());
    }

    private static HttpResponseMessage Ranged(HttpResponseMessage response)
    {
        response.Headers.AcceptRanges.Add("bytes");
        response.Headers.ETag = new EntityTagHeaderValue("\"v1\"");
        return response;
    }

    private static HttpResponseMessage Partial(byte[] bytes, int from)
    {
        var response = Ranged(Binary(bytes[from..], bytes.Length - from));
        response.StatusCode = HttpStatusCode.PartialContent;
        response.Content.Headers.ContentRange = new ContentRangeHeaderValue(from, bytes.Length - 1, bytes.Length);
        return response;
    }

    [Fact]
    public async Task A_download_that_stays_truncated_fails_after_eight_requests()
    {
        _h.Handler.Fallback = _ => Binary(new byte[600], 1000);
        using var destination = new MemoryStream();

        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Drive(_h.Provider.DownloadAsync("video_1", ContentVariant.Video, destination)));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Contains("truncated download: got 600 of 1000 bytes", ex.Message);
        Assert.Equal(Retries.MaxAttempts, _h.Requests.Count);
        Assert.Equal(600, destination.Length);
    }

    [Fact]
    public async Task Download_connection_drop_mid_body_is_a_transient_truncation()
    {
        _h.Handler.Enqueue(() => Binary(new byte[1000], 1000, failAfter: 300));
        using var destination = new ForwardOnlyStream();

        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.DownloadAsync("video_1", ContentVariant.Video, destination));

        Assert.Equal(ErrorClass.Transient, ex.Class);
        Assert.Contains("truncated download: got 300 of 1000 bytes", ex.Message);
        Assert.IsType<IOException>(ex.InnerException);
    }

    [Fact]
    public async Task Download_retries_connecting_but_classifies_a_missing_video_as_invalid()
    {
        _h.Handler
            .Json(Videos.Error("busy"), HttpStatusCode.ServiceUnavailable)
            .Enqueue(() => Binary([9, 9], 2));
        using var ok = new MemoryStream();
        await _h.Drive(_h.Provider.DownloadAsync("video_1", ContentVariant.Video, ok));
        Assert.Equal([9, 9], ok.ToArray());

        _h.Handler.Json(Videos.Error("Video is not ready", param: "video_id"), HttpStatusCode.NotFound);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _h.Provider.DownloadAsync("video_2", ContentVariant.Video, new MemoryStream()));
        Assert.Equal(ErrorClass.Invalid, ex.Class);
        Assert.Contains("Video is not ready", ex.Message);
    }

    // ---- ListRecent ----

    private static string Page(bool hasMore, params (string Id, long Created)[] items) =>
        $$"""{"object":"list","data":[{{string.Join(",", items.Select(i => Videos.Video(i.Id, "completed", 100, i.Created)))}}],"first_id":{{(items.Length > 0 ? $"\"{items[0].Id}\"" : "null")}},"last_id":{{(items.Length > 0 ? $"\"{items[^1].Id}\"" : "null")}},"has_more":{{(hasMore ? "true" : "false")}},"extra":1}""";

    [Fact]
    public async Task ListRecent_pages_with_the_after_cursor_until_items_are_older_than_since()
    {
        var since = DateTimeOffset.FromUnixTimeSeconds(1000).AddMilliseconds(700); // compared in whole seconds
        _h.Handler
            .Json(Page(true, ("v5", 1300), ("v4", 1200)))
            .Json(Page(true, ("v3", 1100), ("v2", 1000), ("v1", 900)))
            .Json(Page(false, ("v0", 800)));

        var list = await _h.Provider.ListRecentAsync(since);

        Assert.Equal(["v5", "v4", "v3", "v2"], list.Select(s => s.JobId));
        Assert.Equal(2, _h.Requests.Count);
        Assert.All(_h.Requests, r =>
        {
            Assert.Equal("/v1/videos", r.Path);
            Assert.Equal("desc", r.Query("order"));
            Assert.Equal("100", r.Query("limit"));
        });
        Assert.Null(_h.Requests[0].Query("after"));
        Assert.Equal("v4", _h.Requests[1].Query("after"));
        Assert.Equal("p v5", list[0].Prompt);
        Assert.Equal(8, list[0].Seconds);
    }

    [Fact]
    public async Task ListRecent_stops_when_has_more_is_false()
    {
        _h.Handler
            .Json(Page(true, ("v3", 1300)))
            .Json(Page(false, ("v2", 1200)));
        var list = await _h.Provider.ListRecentAsync(DateTimeOffset.FromUnixTimeSeconds(0));
        Assert.Equal(["v3", "v2"], list.Select(s => s.JobId));
        Assert.Equal(2, _h.Requests.Count);
    }

    [Fact]
    public async Task ListRecent_of_an_empty_account_is_empty()
    {
        _h.Handler.Json("""{"object":"list","data":[],"first_id":null,"last_id":null,"has_more":false}""");
        Assert.Empty(await _h.Provider.ListRecentAsync(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public async Task ListRecent_retries_a_failed_page()
    {
        _h.Handler
            .Json(Videos.Error("busy"), HttpStatusCode.InternalServerError)
            .Json(Page(false, ("v1", 1300)));
        var list = await _h.Drive(_h.Provider.ListRecentAsync(DateTimeOffset.UnixEpoch));
        Assert.Equal(["v1"], list.Select(s => s.JobId));
    }

    // ---- Cancellation ----

    [Fact]
    public async Task Every_public_async_method_honours_a_cancelled_token()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var p = _h.Provider;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.SubmitAsync(Generate(), cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.GetAsync("video_1", cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.DownloadAsync("video_1", ContentVariant.Video, new MemoryStream(), cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.ListRecentAsync(DateTimeOffset.UnixEpoch, cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.DeleteAsync("video_1", cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.SubmitBatchAsync([Generate()], cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.StartBatchAsync([Generate()], cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.CompleteBatchAsync("batch_1", [Generate()], cts.Token));
        Assert.Empty(_h.Requests);
    }

    [Fact]
    public async Task Cancelling_during_a_retry_delay_stops_at_once()
    {
        _h.Handler.Fallback = _ => FakeHandler.Response(HttpStatusCode.ServiceUnavailable, Videos.Error("busy"), ("Retry-After", "60"));
        using var cts = new CancellationTokenSource();
        var task = _h.Provider.GetAsync("video_1", cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Single(_h.Requests);
    }

    [Fact]
    public async Task Cancelling_mid_download_is_cancellation_not_truncation()
    {
        using var cts = new CancellationTokenSource();
        _h.Handler.Enqueue(() =>
        {
            cts.Cancel();
            return Binary(new byte[100], 100);
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _h.Provider.DownloadAsync("video_1", ContentVariant.Video, new MemoryStream(), cts.Token));
    }
}
