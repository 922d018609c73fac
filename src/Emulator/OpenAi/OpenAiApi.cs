using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Engine.Core;
using Reel.Emulator.Http;
using Reel.Emulator.Rendering;
using Reel.Engine.Media;
using SkiaSharp;

namespace Reel.Emulator.OpenAi;

/// <summary>The <c>/v1</c> routes: videos, characters, files and batches (openai-videos.md).</summary>
internal sealed partial class OpenAiApi(JobHost jobs)
{
    private static readonly TimeSpan AssetLifetime = TimeSpan.FromHours(1);
    private static readonly TimeSpan BatchAssetLifetime = TimeSpan.FromHours(24);

    private readonly JobHost _jobs = jobs;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, VideoJob> _videos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Character> _characters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Batch> _batches = new(StringComparer.Ordinal);

    /// <summary>Routes a request under <c>/v1</c>; <paramref name="segments"/> are the path segments after it.</summary>
    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken = default)
    {
        var method = context.Request.Method;
        var query = context.Request.Query;
        return (segments, method) switch
        {
            (["videos"], "POST") => CreateVideo(await ReadAsync(context, cancellationToken).ConfigureAwait(false), "generate"),
            (["videos"], "GET") => ListVideos(query),
            (["videos", "edits"], "POST") => CreateEdit(await ReadAsync(context, cancellationToken).ConfigureAwait(false)),
            (["videos", "extensions"], "POST") => CreateExtension(await ReadAsync(context, cancellationToken).ConfigureAwait(false)),
            (["videos", "characters"], "POST") => CreateCharacter(await ReadAsync(context, cancellationToken).ConfigureAwait(false)),
            (["videos", "characters", var id], "GET") => GetCharacter(id),
            (["videos", var id], "GET") => GetVideo(id),
            (["videos", var id], "DELETE") => DeleteVideo(id),
            (["videos", var id, "content"], "GET") => await ContentAsync(id, query, cancellationToken).ConfigureAwait(false),
            (["videos", var id, "remix"], "POST") => Remix(id, await ReadAsync(context, cancellationToken).ConfigureAwait(false)),
            (["files"], "POST") => UploadFile(await ReadAsync(context, cancellationToken).ConfigureAwait(false)),
            (["files"], "GET") => ListFiles(),
            (["files", var id], "GET") => GetFile(id),
            (["files", var id, "content"], "GET") => FileContent(id),
            (["batches"], "POST") => CreateBatch(await ReadAsync(context, cancellationToken).ConfigureAwait(false)),
            (["batches"], "GET") => ListBatches(query),
            (["batches", var id], "GET") => GetBatch(id),
            _ when IsKnownPath(segments) => throw new ApiErrorException(405, $"Method {method} is not allowed on {context.Request.Path}."),
            _ => throw new ApiErrorException(404, $"Invalid URL ({method} {context.Request.Path})"),
        };
    }

    private static bool IsKnownPath(string[] s) => s switch
    {
        ["videos"] or ["videos", _] or ["videos", "characters", _] or ["videos", _, "content" or "remix"] => true,
        ["files"] or ["files", _] or ["files", _, "content"] or ["batches"] or ["batches", _] => true,
        _ => false,
    };

    private static Task<RequestBody> ReadAsync(HttpContext context, CancellationToken cancellationToken) =>
        RequestBody.ReadAsync(context.Request, cancellationToken);

    // ---------------------------------------------------------------- videos

    private JsonResult CreateVideo(RequestBody body, string kind)
    {
        VideoFields.RejectUnknown(body, "prompt", "model", "seconds", "size", "input_reference", "characters");
        var request = ParseGenerate(body, allowMultipartFile: true);
        var job = AddJob(kind, request, AssetLifetime);
        return VideoResult(job);
    }

    /// <summary>A validated generation request.</summary>
    private sealed record GenerateRequest(string Prompt, string Model, VideoSize Size, int Seconds, byte[]? Reference, string? ReferenceExtension, ImmutableArray<string> Characters);

    private GenerateRequest ParseGenerate(RequestBody body, bool allowMultipartFile)
    {
        var fields = body.Fields;
        var prompt = VideoFields.Prompt(fields);
        var model = VideoFields.Model(fields);
        var seconds = VideoFields.SecondsField(fields, "4");
        var size = VideoFields.Size(fields, model);
        var characters = VideoFields.Characters(fields);
        lock (_gate)
        {
            for (var i = 0; i < characters.Length; i++)
            {
                if (!_characters.ContainsKey(characters[i]))
                {
                    throw ApiErrorException.Invalid($"characters[{i}].id", $"Character '{characters[i]}' not found.", "character_not_found");
                }
            }
        }

        var (reference, extension) = ReadReference(body, size, allowMultipartFile);
        return new GenerateRequest(prompt, model, size, seconds, reference, extension, characters);
    }

    private (byte[]? Bytes, string? Extension) ReadReference(RequestBody body, VideoSize size, bool allowMultipartFile)
    {
        byte[]? bytes;
        if (body.Files.TryGetValue("input_reference", out var file))
        {
            if (!allowMultipartFile)
            {
                throw ApiErrorException.Invalid("input_reference", "Multipart input_reference uploads aren't supported here; use image_url or file_id.");
            }

            bytes = file.Bytes;
        }
        else
        {
            var node = body.Fields["input_reference"];
            if (node is null)
            {
                return (null, null);
            }

            if (node is not JsonObject reference)
            {
                throw ApiErrorException.InvalidType("input_reference", "an object", VideoFields.Describe(node));
            }

            foreach (var key in reference.Select(p => p.Key))
            {
                if (key is not ("image_url" or "file_id"))
                {
                    throw ApiErrorException.Unknown($"input_reference.{key}");
                }
            }

            var url = VideoFields.OptionalString(reference, "image_url", "input_reference.image_url");
            var fileId = VideoFields.OptionalString(reference, "file_id", "input_reference.file_id");
            if ((url is null) == (fileId is null))
            {
                throw ApiErrorException.Invalid("input_reference", "Provide exactly one of image_url or file_id.");
            }

            bytes = url is not null ? DecodeImageUrl(url) : FileBytes(fileId!, "input_reference.file_id");
        }

        using var codec = SKCodec.Create(new MemoryStream(bytes));
        var extension = codec?.EncodedFormat switch
        {
            SKEncodedImageFormat.Jpeg => ".jpg",
            SKEncodedImageFormat.Png => ".png",
            SKEncodedImageFormat.Webp => ".webp",
            _ => throw ApiErrorException.Invalid(
                "input_reference",
                "Invalid input_reference image. Supported formats are: image/jpeg, image/png, and image/webp.",
                "invalid_image_format"),
        };
        if (codec.Info.Width != size.Width || codec.Info.Height != size.Height)
        {
            throw new ApiErrorException(
                400,
                $"Inpaint image must match the requested width and height (image is {codec.Info.Width}x{codec.Info.Height}, size is {size}).",
                "input_reference");
        }

        return (bytes, extension);
    }

    private static byte[] DecodeImageUrl(string url)
    {
        const string Param = "input_reference.image_url";
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiErrorException.Invalid(Param, "The emulator accepts only base64 data URLs (data:image/png;base64,…) for image_url; it never fetches from the network.");
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0 || !url[..comma].EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiErrorException.Invalid(Param, "Invalid image_url: expected a base64 data URL.");
        }

        try
        {
            return Convert.FromBase64String(url[(comma + 1)..]);
        }
        catch (FormatException)
        {
            throw ApiErrorException.Invalid(Param, "Invalid image_url: the base64 data is malformed.");
        }
    }

    private VideoJob AddJob(string kind, GenerateRequest request, TimeSpan assetLifetime)
    {
        var reference = request.Reference is null ? null : JobHost.Sha256(request.Reference);
        var fingerprint = JobHost.Fingerprint(Content(request.Prompt, request.Model, request.Size, request.Seconds, reference, request.Characters, null));
        var id = NewId("video_");
        string? referencePath = null;
        if (request.Reference is not null)
        {
            referencePath = Path.Combine(_jobs.Uploads, id + request.ReferenceExtension);
            File.WriteAllBytes(referencePath, request.Reference);
        }

        var job = NewJob(kind, request.Prompt, request.Model, request.Size, request.Seconds, request.Seconds, fingerprint, assetLifetime,
            id: id, referencePath: referencePath, characters: request.Characters);
        return Register(job, fingerprint, image: request.Reference is not null);
    }

    private VideoJob Register(VideoJob job, string fingerprint, bool image = false)
    {
        lock (_gate)
        {
            _videos.Add(job.Id, job);
        }

        _jobs.Created(job.Id, job.Kind, fingerprint, [job], image: image);
        return job;
    }
}
