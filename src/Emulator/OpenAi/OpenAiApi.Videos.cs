using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Engine.Core;
using Reel.Emulator.Http;
using Reel.Emulator.Rendering;
using Reel.Engine.Media;

namespace Reel.Emulator.OpenAi;

internal sealed partial class OpenAiApi
{
    private JsonResult VideoResult(VideoJob job) =>
        JsonResult.Ok(job.ToJson(_jobs.Now), new Dictionary<string, string>
        {
            ["openai-poll-after-ms"] = PollAfter(job).ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>A twentieth of the job's duration, within 20 ms .. 5 s.</summary>
    private static long PollAfter(VideoJob job) => (long)Math.Clamp(job.Duration.TotalMilliseconds / 20, 20, 5000);

    private JsonResult GetVideo(string id) => VideoResult(FindVideo(id));

    private VideoJob FindVideo(string id)
    {
        lock (_gate)
        {
            if (_videos.TryGetValue(id, out var job) && !job.Deleted)
            {
                return job;
            }
        }

        throw ApiErrorException.NotFound($"Video with id '{id}' not found.", "video_id");
    }

    private JsonResult ListVideos(IQueryCollection query)
    {
        var limit = 20;
        if (query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit > 100))
        {
            throw ApiErrorException.Invalid(
                "limit",
                $"Invalid 'limit': expected an integer between 0 and 100, but got '{limitText}' instead.",
                "integer_out_of_range");
        }

        var order = query.TryGetValue("order", out var orderText) ? orderText.ToString() : "desc";
        if (order is not ("asc" or "desc"))
        {
            throw ApiErrorException.InvalidValue("order", order, ["asc", "desc"]);
        }

        List<VideoJob> all;
        lock (_gate)
        {
            all = [.. _videos.Values.Where(v => !v.Deleted).OrderBy(v => v.Sequence)];
        }

        if (order == "desc")
        {
            all.Reverse();
        }

        var start = 0;
        if (query.TryGetValue("after", out var after) && !string.IsNullOrEmpty(after))
        {
            var index = all.FindIndex(v => v.Id == after);
            if (index < 0)
            {
                throw ApiErrorException.Invalid("after", $"Invalid 'after': no video with id '{after}'.");
            }

            start = index + 1;
        }

        var page = all.Skip(start).Take(limit).ToList();
        var now = _jobs.Now;
        return JsonResult.Ok(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. page.Select(v => (JsonNode)v.ToJson(now))]),
            ["first_id"] = page.Count > 0 ? page[0].Id : null,
            ["last_id"] = page.Count > 0 ? page[^1].Id : null,
            ["has_more"] = start + page.Count < all.Count,
        });
    }

    private JsonResult DeleteVideo(string id)
    {
        var job = FindVideo(id);
        var state = job.Observe(_jobs.Now);
        if (!state.IsTerminal)
        {
            throw ApiErrorException.Invalid(
                "video_id",
                $"Video '{id}' is {state.Status}; only a completed or failed video can be deleted.",
                "invalid_state");
        }

        lock (_gate)
        {
            job.Deleted = true;
        }

        return JsonResult.Ok(new JsonObject { ["id"] = id, ["object"] = "video.deleted", ["deleted"] = true });
    }

    private async Task<ApiResult> ContentAsync(string id, IQueryCollection query, CancellationToken cancellationToken)
    {
        var job = FindVideo(id);
        var variant = query.TryGetValue("variant", out var v) && !string.IsNullOrEmpty(v) ? v.ToString() : "video";
        if (variant is not ("video" or "thumbnail" or "spritesheet"))
        {
            throw ApiErrorException.InvalidValue("variant", variant, ["video", "thumbnail", "spritesheet"]);
        }

        var now = _jobs.Now;
        var state = job.Observe(now);
        if (state.Status == "failed")
        {
            throw ApiErrorException.Invalid("video_id", $"Video '{id}' failed; it has no content to download.", "video_failed");
        }

        if (state.Status != "completed")
        {
            throw ApiErrorException.Invalid(
                "video_id",
                $"Video '{id}' is not ready yet (status: {state.Status}, progress: {state.Progress}%). Download it once its status is 'completed'.",
                "video_not_ready");
        }

        if (now >= state.ExpiresAt)
        {
            throw new ApiErrorException(410, $"The assets of video '{id}' expired at {state.ExpiresAt:O}; generate it again.", "video_id", "video_expired");
        }

        return variant switch
        {
            "thumbnail" => new FileResult(await _jobs.Clips.ThumbnailAsync(job, cancellationToken).ConfigureAwait(false), "image/webp", id + ".webp"),
            "spritesheet" => new FileResult(await _jobs.Clips.SpritesheetAsync(job, cancellationToken).ConfigureAwait(false), "image/jpeg", id + ".jpg"),
            _ => new FileResult(await _jobs.Clips.VideoAsync(job, cancellationToken).ConfigureAwait(false), "video/mp4", id + ".mp4"),
        };
    }

    private JsonResult Remix(string id, RequestBody body)
    {
        var source = FindVideo(id);
        VideoFields.RejectUnknown(body, "prompt");
        var prompt = VideoFields.Prompt(body.Fields);
        RequireCompleted(source, "video_id");
        var fingerprint = JobHost.Fingerprint(Content(prompt, source.Model, source.Size, source.Seconds, null, [], source.Id));
        var job = NewJob("remix", prompt, source.Model, source.Size, source.Seconds, source.Seconds, fingerprint, AssetLifetime, remixedFrom: source.Id);
        return VideoResult(Register(job, fingerprint));
    }

    private JsonResult CreateEdit(RequestBody body)
    {
        VideoFields.RejectUnknown(body, "prompt", "video", "model");
        var prompt = VideoFields.Prompt(body.Fields);
        var (source, upload) = ReadSourceVideo(body);
        string fingerprint;
        VideoJob job;
        if (source is not null)
        {
            fingerprint = JobHost.Fingerprint(Content(prompt, source.Model, source.Size, source.Seconds, null, [], source.Id));
            job = Derived("edit", source, prompt, source.Seconds, fingerprint);
        }
        else
        {
            var model = VideoFields.Model(body.Fields);
            var (size, seconds) = upload!.Value.Info;
            fingerprint = JobHost.Fingerprint(Content(prompt, model, size, seconds, null, [], "upload:" + upload.Value.Sha));
            job = NewJob("edit", prompt, model, size, seconds, seconds, fingerprint, AssetLifetime, sourcePath: upload.Value.Path);
        }

        return VideoResult(Register(job, fingerprint));
    }

    private JsonResult CreateExtension(RequestBody body)
    {
        foreach (var unsupported in new[] { "characters", "input_reference" })
        {
            if (body.Names.Contains(unsupported))
            {
                throw ApiErrorException.Invalid(
                    unsupported,
                    "Extensions accept only a source video and a prompt; they don't support characters or image references.",
                    "unsupported_parameter");
            }
        }

        VideoFields.RejectUnknown(body, "prompt", "video", "seconds");
        var prompt = VideoFields.Prompt(body.Fields);
        var seconds = VideoFields.SecondsField(body.Fields, fallback: null);
        var (source, upload) = ReadSourceVideo(body);
        var (model, size, sourceSeconds, extensions) = source is not null
            ? (source.Model, source.Size, source.Seconds, source.Extensions)
            : ("sora-2", upload!.Value.Info.Size, upload.Value.Info.Seconds, 0);
        if (extensions >= VideoFields.MaxExtensions)
        {
            throw ApiErrorException.Invalid(
                "video",
                $"A video can be extended at most {VideoFields.MaxExtensions} times; '{source!.Id}' already has {extensions} extensions.",
                "extension_limit_exceeded");
        }

        var total = sourceSeconds + seconds;
        if (total > VideoFields.MaxTotalSeconds)
        {
            throw ApiErrorException.Invalid(
                "seconds",
                $"The extended video would be {total} seconds long; the maximum total length is {VideoFields.MaxTotalSeconds} seconds.",
                "duration_limit_exceeded");
        }

        var fingerprint = JobHost.Fingerprint(Content(prompt, model, size, seconds, null, [], source?.Id ?? "upload:" + upload!.Value.Sha));
        var job = NewJob("extend", prompt, model, size, total, seconds, fingerprint, AssetLifetime,
            source: source, sourcePath: upload?.Path, extensions: extensions + 1);
        return VideoResult(Register(job, fingerprint));
    }

    private readonly record struct Upload(string Path, string Sha, (VideoSize Size, int Seconds) Info);

    /// <summary>The <c>video</c> field: <c>{"id": …}</c> (JSON or <c>video[id]</c>) or an uploaded MP4.</summary>
    private (VideoJob? Source, Upload? Upload) ReadSourceVideo(RequestBody body)
    {
        if (body.Files.TryGetValue("video", out var file))
        {
            return (null, SaveUpload(file, "video"));
        }

        var node = body.Fields["video"] ?? throw ApiErrorException.Missing("video");
        if (node is not JsonObject reference)
        {
            throw ApiErrorException.InvalidType("video", "an object", VideoFields.Describe(node));
        }

        var id = VideoFields.OptionalString(reference, "id", "video.id") ?? throw ApiErrorException.Missing("video.id");
        VideoJob? source;
        lock (_gate)
        {
            source = _videos.GetValueOrDefault(id);
        }

        if (source is null || source.Deleted)
        {
            throw ApiErrorException.Invalid("video.id", $"Video with id '{id}' not found.", "video_not_found");
        }

        RequireCompleted(source, "video.id");
        return (source, null);
    }

    private Upload SaveUpload(UploadedFile file, string param)
    {
        if (file.Bytes.Length == 0)
        {
            throw ApiErrorException.Invalid(param, "The uploaded video is empty.");
        }

        var sha = JobHost.Sha256(file.Bytes);
        var path = Path.Combine(_jobs.Uploads, NewId("upload_") + ".mp4");
        File.WriteAllBytes(path, file.Bytes);
        try
        {
            var info = Mp4Clip.Probe(path);
            return new Upload(path, sha, (new VideoSize(info.Width, info.Height), Math.Max(1, (int)Math.Round(info.Seconds))));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw ApiErrorException.Invalid(param, $"The uploaded file is not a readable MP4 video: {ex.Message}", "invalid_video");
        }
    }

    private void RequireCompleted(VideoJob source, string param)
    {
        var state = source.Observe(_jobs.Now);
        if (state.Status != "completed")
        {
            throw ApiErrorException.Invalid(
                param,
                $"Video '{source.Id}' is {state.Status}; only a completed video can be used as a source.",
                "invalid_state");
        }
    }

    private VideoJob Derived(string kind, VideoJob source, string prompt, int seconds, string fingerprint) =>
        NewJob(kind, prompt, source.Model, source.Size, seconds, seconds, fingerprint, AssetLifetime, source: source);

    private VideoJob NewJob(
        string kind,
        string prompt,
        string model,
        VideoSize size,
        int seconds,
        int segmentSeconds,
        string fingerprint,
        TimeSpan assetLifetime,
        string? id = null,
        VideoJob? source = null,
        string? sourcePath = null,
        int extensions = 0,
        string? remixedFrom = null,
        string? referencePath = null,
        ImmutableArray<string> characters = default)
    {
        // The API takes no seed: each job renders its own clip, even from a request sent before.
        id ??= NewId("video_");
        return new()
        {
            Id = id,
            Kind = kind,
            Prompt = prompt,
            Model = model,
            Size = size,
            Seconds = seconds,
            SegmentSeconds = segmentSeconds,
            CreatedAt = _jobs.Now,
            Duration = _jobs.DurationOf(segmentSeconds),
            AssetLifetime = assetLifetime,
            Seed = JobHost.SeedOf(fingerprint, id),
            Sequence = _jobs.NextSequence(),
            Blocked = _jobs.Faults.NextModeration(),
            Source = source,
            SourcePath = sourcePath,
            Extensions = extensions,
            RemixedFromVideoId = remixedFrom,
            ReferencePath = referencePath,
            Characters = characters.IsDefault ? [] : characters,
        };
    }

    // ---------------------------------------------------------------- characters

    private JsonResult CreateCharacter(RequestBody body)
    {
        VideoFields.RejectUnknown(body, "video", "name");
        if (!body.IsMultipart)
        {
            throw new ApiErrorException(400, "Creating a character requires a multipart/form-data body with 'video' and 'name'.");
        }

        var name = VideoFields.OptionalString(body.Fields, "name") ?? throw ApiErrorException.Missing("name");
        if (name.Length is 0 or > 80)
        {
            throw ApiErrorException.Invalid("name", $"Invalid 'name': expected a string of 1 to 80 characters, but got {name.Length}.", "invalid_length");
        }

        var file = body.Files.GetValueOrDefault("video") ?? throw ApiErrorException.Missing("video");
        var upload = SaveUpload(file, "video");
        var character = new Character(NewId("char_"), name, _jobs.Now);
        lock (_gate)
        {
            _characters.Add(character.Id, character);
        }

        _jobs.Audit.JobCreated(character.Id, "character", JobHost.Fingerprint(new JsonObject { ["name"] = name, ["video"] = upload.Sha }));
        return JsonResult.Ok(character.ToJson());
    }

    private JsonResult GetCharacter(string id)
    {
        lock (_gate)
        {
            if (_characters.TryGetValue(id, out var character))
            {
                return JsonResult.Ok(character.ToJson());
            }
        }

        throw ApiErrorException.NotFound($"Character with id '{id}' not found.", "character_id");
    }

    private sealed record Character(string Id, string Name, DateTimeOffset CreatedAt)
    {
        public JsonObject ToJson() => new() { ["id"] = Id, ["name"] = Name, ["created_at"] = CreatedAt.ToUnixTimeSeconds() };
    }

    // ---------------------------------------------------------------- helpers

    private static JsonObject Content(string prompt, string model, VideoSize size, int seconds, string? reference, ImmutableArray<string> characters, string? source) => new()
    {
        ["prompt"] = prompt,
        ["model"] = model,
        ["size"] = size.ToString(),
        ["seconds"] = seconds,
        ["reference"] = reference,
        ["characters"] = new JsonArray([.. characters.Select(c => (JsonNode)c)]),
        ["source"] = source,
    };

    private static string NewId(string prefix) => prefix + JobHost.NewToken();
}
