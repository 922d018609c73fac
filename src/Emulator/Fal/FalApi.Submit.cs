using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Engine.Core;
using Reel.Emulator.Http;
using Reel.Emulator.OpenAi;
using Reel.Emulator.Rendering;

namespace Reel.Emulator.Fal;

internal sealed partial class FalApi
{
    private static readonly string[] Aspect = ["16:9", "9:16"];
    private static readonly string[] AspectAuto = ["auto", "16:9", "9:16"];
    private static readonly string[] VeoDurations = ["4s", "6s", "8s"];
    private static readonly string[] VeoResolutions = ["720p", "1080p"];
    private static readonly string[] VeoResolutions4K = ["720p", "1080p", "4k"];
    private static readonly string[] SafetyTolerances = ["1", "2", "3", "4", "5", "6"];
    private static readonly string[] SoraModels = ["sora-2", "sora-2-2025-12-08", "sora-2-2025-10-06"];
    private static readonly string[] SoraDurations = ["4", "8", "12", "16", "20"];

    /// <summary>Seconds Veo's extend-video adds to its source.</summary>
    internal const int ExtensionSeconds = 7;

    /// <summary>A validated submission, ready to become a job.</summary>
    private sealed record Prepared(
        string Kind,
        string Prompt,
        string Model,
        VideoSize Size,
        int Seconds,
        int SegmentSeconds,
        JsonObject Content,
        long? EchoSeed = null,
        VideoJob? Source = null,
        string? SourcePath = null,
        string? ReferencePath = null,
        ImmutableArray<string> Characters = default,
        string? CharacterName = null);

    private async Task<ApiResult> SubmitAsync(HttpContext context, FalEndpoint endpoint, CancellationToken cancellationToken)
    {
        var input = new FalInput(await ReadJsonAsync(context, cancellationToken).ConfigureAwait(false));
        var prepared = endpoint.Kind switch
        {
            FalEndpointKind.SoraCharacter => await PrepareCharacterAsync(context, input, cancellationToken).ConfigureAwait(false),
            FalEndpointKind.SoraTextToVideo or FalEndpointKind.SoraImageToVideo => PrepareSora(context, endpoint, input),
            _ => await PrepareVeoAsync(context, endpoint, input, cancellationToken).ConfigureAwait(false),
        };
        var lifetime = Lifetime(context.Request, "x-fal-object-lifecycle-preference", OutputLifetime);
        var request = Register(endpoint, prepared, lifetime);
        // As of its submission, as fal answers a submit (IN_QUEUE): on a loaded machine the time this answer takes to write
        // may already be past a fast job's queued phase.
        return JsonResult.Ok(QueueJson(request, request.Job.CreatedAt, BaseUrl(context), logs: false), RequestIdHeader(request));
    }

    private async Task<Prepared> PrepareVeoAsync(HttpContext context, FalEndpoint endpoint, FalInput input, CancellationToken cancellationToken)
    {
        var kind = endpoint.Kind;
        var prompt = input.RequiredString("prompt");
        var aspect = input.Literal("aspect_ratio", kind is FalEndpointKind.VeoTextToVideo or FalEndpointKind.VeoReferenceToVideo ? Aspect : AspectAuto,
            kind is FalEndpointKind.VeoTextToVideo or FalEndpointKind.VeoReferenceToVideo ? "16:9" : "auto");
        var duration = kind switch
        {
            FalEndpointKind.VeoExtendVideo => input.Literal("duration", ["7s"], "7s"),
            FalEndpointKind.VeoReferenceToVideo => input.Literal("duration", ["8s"], "8s"),
            _ => input.Literal("duration", VeoDurations, "8s"),
        };
        var resolution = input.Literal("resolution",
            kind is FalEndpointKind.VeoFirstLastFrame or FalEndpointKind.VeoReferenceToVideo ? VeoResolutions4K : VeoResolutions, "720p");
        var audio = input.Bool("generate_audio", true);
        var autoFix = input.Bool("auto_fix", kind == FalEndpointKind.VeoTextToVideo);
        var negative = input.OptionalString("negative_prompt");
        var safety = input.Literal("safety_tolerance", SafetyTolerances, "4");

        // reference-to-video declares no seed: like any undeclared field, one sent is ignored.
        var seed = kind == FalEndpointKind.VeoReferenceToVideo ? null : input.Int("seed");
        List<(string Field, string? Url)> urls = kind switch
        {
            FalEndpointKind.VeoImageToVideo => [("image_url", input.RequiredString("image_url"))],
            FalEndpointKind.VeoFirstLastFrame => [("first_frame_url", input.RequiredString("first_frame_url")), ("last_frame_url", input.RequiredString("last_frame_url"))],
            FalEndpointKind.VeoExtendVideo => [("video_url", input.RequiredString("video_url"))],
            _ => [],
        };
        var references = kind == FalEndpointKind.VeoReferenceToVideo ? input.StringList("image_urls", required: true, 1, 3) : null;
        input.ThrowIfInvalid();

        var content = new JsonObject
        {
            ["endpoint"] = endpoint.Id,
            ["prompt"] = prompt,
            ["aspect_ratio"] = aspect,
            ["duration"] = duration,
            ["resolution"] = resolution,
            ["generate_audio"] = audio,
            ["auto_fix"] = autoFix,
            ["negative_prompt"] = negative,
            ["safety_tolerance"] = safety,
            ["seed"] = seed,
        };
        var seconds = int.Parse(duration.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
        var model = endpoint.Model;
        if (kind == FalEndpointKind.VeoExtendVideo)
        {
            var video = await ReadVideoAsync(context, urls[0].Url!, "video_url", cancellationToken).ConfigureAwait(false);
            content["video"] = video.Fingerprint;
            var extended = new Prepared("extend", prompt!, model, video.Size, video.Seconds + ExtensionSeconds, ExtensionSeconds, content,
                Source: video.Source, SourcePath: video.Path);
            return extended with { EchoSeed = seed ?? EchoSeedOf(content) };
        }

        string? referencePath = null;
        (int Width, int Height)? firstImage = null;
        foreach (var (field, url) in urls)
        {
            var image = ReadImage(context, url!, [field]);
            content[field] = image.Sha;
            if (referencePath is null)
            {
                referencePath = SaveReference(image);
                firstImage = (image.Width, image.Height);
            }
        }

        if (references is not null)
        {
            var hashes = new JsonArray();
            for (var i = 0; i < references.Count; i++)
            {
                hashes.Add(ReadImage(context, references[i], ["image_urls", i]).Sha);
            }

            content["image_urls"] = hashes;
        }

        if (aspect == "auto")
        {
            aspect = firstImage is { } f && f.Height > f.Width ? "9:16" : "16:9";
        }

        var size = SizeOf(aspect, resolution);
        var echo = kind == FalEndpointKind.VeoReferenceToVideo ? (long?)null : seed ?? EchoSeedOf(content);
        return new Prepared("generate", prompt!, model, size, seconds, seconds, content, EchoSeed: echo, ReferencePath: referencePath);
    }

    private Prepared PrepareSora(HttpContext context, FalEndpoint endpoint, FalInput input)
    {
        var imageToVideo = endpoint.Kind == FalEndpointKind.SoraImageToVideo;
        var prompt = input.RequiredString("prompt");
        var model = input.Literal("model", SoraModels, "sora-2");
        var aspect = imageToVideo ? input.Literal("aspect_ratio", ["auto", "9:16", "16:9"], "auto") : input.Literal("aspect_ratio", ["9:16", "16:9"], "16:9");
        var resolution = imageToVideo ? input.Literal("resolution", ["auto", "720p"], "auto") : input.Literal("resolution", ["720p"], "720p");
        var duration = input.Literal("duration", SoraDurations, "4");
        var characters = input.StringList("character_ids", required: false, 0, 2) ?? [];
        input.Bool("delete_video", true);
        input.Bool("detect_and_block_ip", false);
        var imageUrl = imageToVideo ? input.RequiredString("image_url") : null;
        input.ThrowIfInvalid();

        lock (_gate)
        {
            var now = _jobs.Now;
            var missing = characters
                .Select((id, i) => (id, i))
                .Where(c => !_characters.TryGetValue(c.id, out var r) || !r.Observe(now).Succeeded)
                .ToList();
            if (missing.Count > 0)
            {
                throw FalErrorException.Validation(missing.Select(c => FalErrorException.Error(
                    "value_error", $"Character '{c.id}' not found.", ["character_ids", c.i], JsonValue.Create(c.id))));
            }
        }

        var content = new JsonObject
        {
            ["endpoint"] = endpoint.Id,
            ["prompt"] = prompt,
            ["model"] = model,
            ["aspect_ratio"] = aspect,
            ["resolution"] = resolution,
            ["duration"] = duration,
            ["character_ids"] = new JsonArray([.. characters.Select(c => (JsonNode)c)]),
        };
        string? referencePath = null;
        if (imageUrl is not null)
        {
            var image = ReadImage(context, imageUrl, ["image_url"]);
            content["image_url"] = image.Sha;
            referencePath = SaveReference(image);
            if (aspect == "auto")
            {
                aspect = image.Height > image.Width ? "9:16" : "16:9";
            }
        }

        var seconds = int.Parse(duration, System.Globalization.CultureInfo.InvariantCulture);
        return new Prepared("generate", prompt!, model, SizeOf(aspect, "720p"), seconds, seconds, content,
            ReferencePath: referencePath, Characters: [.. characters]);
    }

    private async Task<Prepared> PrepareCharacterAsync(HttpContext context, FalInput input, CancellationToken cancellationToken)
    {
        var name = input.RequiredString("name", 1, 80);
        var url = input.RequiredString("video_url");
        input.ThrowIfInvalid();
        var video = await ReadVideoAsync(context, url!, "video_url", cancellationToken).ConfigureAwait(false);
        var content = new JsonObject { ["endpoint"] = "fal-ai/sora-2/characters", ["name"] = name, ["video"] = video.Fingerprint };

        // Registration takes as long as a 4-second clip would.
        return new Prepared("character", name!, "sora-2", video.Size, 4, 4, content, CharacterName: name);
    }

    private FalRequest Register(FalEndpoint endpoint, Prepared prepared, TimeSpan outputLifetime)
    {
        var fingerprint = JobHost.Fingerprint(prepared.Content);
        var id = Guid.NewGuid().ToString("D");
        var job = new VideoJob
        {
            Id = id,
            Kind = prepared.Kind,
            Prompt = prepared.Prompt,
            Model = prepared.Model,
            Size = prepared.Size,
            Seconds = prepared.Seconds,
            SegmentSeconds = prepared.SegmentSeconds,
            CreatedAt = _jobs.Now,
            Duration = _jobs.DurationOf(prepared.SegmentSeconds),
            AssetLifetime = outputLifetime,
            Seed = prepared.Content["seed"] is null ? JobHost.SeedOf(fingerprint, id) : JobHost.SeedOf(fingerprint),
            Sequence = _jobs.NextSequence(),
            Blocked = _jobs.Faults.NextModeration(),
            Source = prepared.Source,
            SourcePath = prepared.SourcePath,
            Extensions = prepared.Source is { } s ? s.Extensions + 1 : prepared.SourcePath is null ? 0 : 1,
            ReferencePath = prepared.ReferencePath,
            Characters = prepared.Characters.IsDefault ? [] : prepared.Characters,
        };
        var output = prepared.CharacterName is null
            ? new FalFile { Token = JobHost.NewToken(), FileName = "output.mp4", ContentType = "video/mp4", Lifetime = outputLifetime }
            : null;
        var request = new FalRequest
        {
            Id = id,
            Endpoint = endpoint,
            Job = job,
            Seed = prepared.EchoSeed,
            VideoId = endpoint.IsSora && output is not null ? "video_" + JobHost.NewToken() : null,
            Character = prepared.CharacterName is { } name ? new FalCharacter("char_" + JobHost.NewToken(), name) : null,
            Output = output,
            Sequence = job.Sequence,
        };
        lock (_gate)
        {
            _requests.Add(id, request);
            if (output is not null)
            {
                output.Request = request;
                _files.Add(output.Token, output);
            }

            if (request.Character is { } character)
            {
                _characters.Add(character.Id, request);
            }
        }

        _jobs.Created(id, prepared.Kind, fingerprint, output is null ? [] : [job], Reel.Emulator.Audit.AuditLog.SeedIn(prepared.Content),
            image: prepared.ReferencePath is not null || prepared.Content.ContainsKey("image_urls"));

        return request;
    }

    /// <summary>Veo's nominal frame size for an aspect ratio and resolution.</summary>
    private static VideoSize SizeOf(string aspect, string resolution)
    {
        var (w, h) = resolution switch
        {
            "1080p" => (1920, 1080),
            "4k" => (3840, 2160),
            _ => (1280, 720),
        };
        return aspect == "9:16" ? new VideoSize(h, w) : new VideoSize(w, h);
    }

    /// <summary>The seed reported when none was given: drawn from the request's content, so a run is reproducible.</summary>
    private static long EchoSeedOf(JsonObject content) => (long)(JobHost.SeedOf(JobHost.Fingerprint(content)) % int.MaxValue);
}
