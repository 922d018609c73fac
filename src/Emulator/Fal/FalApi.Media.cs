using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Engine.Core;
using Reel.Emulator.Http;
using Reel.Emulator.OpenAi;
using Reel.Emulator.Rendering;
using Reel.Engine.Media;
using SkiaSharp;

namespace Reel.Emulator.Fal;

/// <summary>Inputs by URL, the storage upload, and the public file path.</summary>
internal sealed partial class FalApi
{
    private const string DownloadFailed = "Failed to download the file. Please check if the URL is accessible and try again.";

    /// <summary>A decoded input image.</summary>
    private sealed record InputImage(byte[] Bytes, string Extension, int Width, int Height, string Sha);

    /// <summary>An input video: one of this emulator's outputs (<paramref name="Source"/>) or a file on disk (<paramref name="Path"/>).</summary>
    private sealed record InputVideo(VideoJob? Source, string? Path, VideoSize Size, int Seconds, string Fingerprint);

    // ---------------------------------------------------------------- inputs

    /// <summary>
    /// The bytes behind an input URL: a <c>data:</c> URI, or a file this emulator serves (an upload or an output) at an
    /// absolute URL on its own address. Anything else is the 422 fal gives for a file it can't download: the emulator
    /// never fetches from the network.
    /// </summary>
    private (byte[]? Bytes, FalFile? File) Fetch(HttpContext context, string url, object[] location)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !url[..comma].EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw DownloadError(location, url, "a data URI must be base64 (data:<type>;base64,<data>)");
            }

            try
            {
                return (Convert.FromBase64String(url[(comma + 1)..]), null);
            }
            catch (FormatException)
            {
                throw DownloadError(location, url, "the data URI's base64 is malformed");
            }
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw DownloadError(location, url, "not an absolute http(s) URL or data URI");
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var own = uri.IsLoopback && uri.Port == context.Connection.LocalPort;
        if (!own || segments is not ["fal-cdn", "files", var token, _])
        {
            throw DownloadError(location, url, "the emulator reads only data URIs and its own /fal-cdn/files URLs; it never fetches from the network");
        }

        var file = Available(token, Uri.UnescapeDataString(segments[3]))
            ?? throw DownloadError(location, url, "no such file, or it expired");
        return file.Path is { } path ? (File.ReadAllBytes(path), file) : (null, file);
    }

    private static FalErrorException DownloadError(object[] location, string url, string why) =>
        FalErrorException.Validation([FalErrorException.Error(
            "file_download_error", $"{DownloadFailed} ({why})", location, JsonValue.Create(url.Length > 200 ? url[..200] + "…" : url))]);

    private InputImage ReadImage(HttpContext context, string url, object[] location)
    {
        var (bytes, _) = Fetch(context, url, location);
        using var codec = bytes is null ? null : SKCodec.Create(new MemoryStream(bytes));
        var extension = codec?.EncodedFormat switch
        {
            SKEncodedImageFormat.Jpeg => ".jpg",
            SKEncodedImageFormat.Png => ".png",
            SKEncodedImageFormat.Webp => ".webp",
            _ => throw FalErrorException.Validation([FalErrorException.Error(
                "image_load_error",
                "Failed to load the image. Please ensure the image file is not corrupted and is in a supported format.",
                location,
                JsonValue.Create(url.Length > 200 ? url[..200] + "…" : url))]),
        };
        return new InputImage(bytes!, extension, codec!.Info.Width, codec.Info.Height, JobHost.Sha256(bytes!));
    }

    private string SaveReference(InputImage image)
    {
        var path = Path.Combine(_jobs.Uploads, "ref_" + JobHost.NewToken() + image.Extension);
        File.WriteAllBytes(path, image.Bytes);
        return path;
    }

    /// <summary>A source video: an output of this emulator (extended as a job, so the stitched render continues it) or an MP4 given as bytes.</summary>
    private async Task<InputVideo> ReadVideoAsync(HttpContext context, string url, string field, CancellationToken cancellationToken)
    {
        var (bytes, file) = Fetch(context, url, [field]);
        if (file?.Request is { } request)
        {
            // Render it now so that the extension's render finds it (and a failure surfaces here, not later).
            await _jobs.Clips.VideoAsync(request.Job, cancellationToken).ConfigureAwait(false);
            return new InputVideo(request.Job, null, request.Job.Size, request.Job.Seconds, "request:" + request.Id);
        }

        string path;
        if (file?.Path is { } uploaded)
        {
            path = uploaded;
        }
        else
        {
            path = Path.Combine(_jobs.Uploads, "video_" + JobHost.NewToken() + ".mp4");
            await File.WriteAllBytesAsync(path, bytes!, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var info = Mp4Clip.Probe(path);
            return new InputVideo(null, path, new VideoSize(info.Width, info.Height), Math.Max(1, (int)Math.Round(info.Seconds)), "upload:" + JobHost.Sha256(bytes!));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw FalErrorException.Validation([FalErrorException.Error(
                "value_error", $"Failed to load the video: it is not a readable MP4 ({ex.Message}).", [field], JsonValue.Create(url.Length > 200 ? url[..200] + "…" : url))]);
        }
    }

    // ---------------------------------------------------------------- files

    /// <summary>The file with this token and name if it can be downloaded now (uploaded or completed, and not expired).</summary>
    private FalFile? Available(string token, string name)
    {
        FalFile? file;
        lock (_gate)
        {
            file = _files.GetValueOrDefault(token);
        }

        var now = _jobs.Now;
        return file is not null && file.FileName == name && file.AvailableSince(now) is { } since && now < since + file.Lifetime ? file : null;
    }

    private async Task<ApiResult> DownloadAsync(string token, string name, CancellationToken cancellationToken)
    {
        var file = Available(token, Uri.UnescapeDataString(name)) ?? throw FalErrorException.Detail(404, "File not found");
        var path = file.Request is { } request
            ? await _jobs.Clips.VideoAsync(request.Job, cancellationToken).ConfigureAwait(false)
            : file.Path!;
        return new FileResult(path, file.ContentType);
    }

    /// <summary><c>POST /storage/upload/initiate</c>: <c>{content_type, file_name}</c> → <c>{upload_url, file_url}</c>.</summary>
    private async Task<ApiResult> InitiateUploadAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var input = new FalInput(await ReadJsonAsync(context, cancellationToken).ConfigureAwait(false));
        var contentType = input.RequiredString("content_type");
        var fileName = input.RequiredString("file_name");
        input.ThrowIfInvalid();
        fileName = Path.GetFileName(fileName!.Replace('\\', '/'));
        if (fileName.Length == 0)
        {
            fileName = "file";
        }

        var file = new FalFile
        {
            Token = JobHost.NewToken(),
            FileName = fileName,
            ContentType = contentType!,
            Lifetime = Lifetime(context.Request, "x-fal-object-lifecycle", UploadLifetime),
        };
        lock (_gate)
        {
            _files.Add(file.Token, file);
        }

        var root = BaseUrl(context);
        return JsonResult.Ok(new JsonObject
        {
            ["upload_url"] = $"{root}/fal-cdn/upload/{file.Token}",
            ["file_url"] = root + file.RelativeUrl,
        });
    }

    /// <summary><c>PUT</c> of the bytes to an upload URL (signed, so unauthenticated); the file is then public.</summary>
    private async Task<ApiResult> UploadAsync(HttpContext context, string token, CancellationToken cancellationToken)
    {
        FalFile? file;
        lock (_gate)
        {
            file = _files.GetValueOrDefault(token);
        }

        if (file is null || file.Request is not null)
        {
            throw FalErrorException.Detail(404, "Upload not found");
        }

        var extension = Path.GetExtension(file.FileName);
        var path = Path.Combine(_jobs.Uploads, "upload_" + token + (extension.Length is > 0 and <= 8 ? extension : ".bin"));
        var temp = path + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await context.Request.Body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
        lock (_gate)
        {
            file.Path = path;
            file.UploadedAt = _jobs.Now;
        }

        return new BytesResult([], "text/plain");
    }
}
