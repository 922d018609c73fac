using System.Text.Json.Nodes;
using Reel.Engine.Core;
using Reel.Emulator.Http;
using Reel.Engine.Media;

namespace Reel.Emulator.Google;

internal sealed partial class VeoApi
{
    /// <summary>Length range of a clip Vertex extends.</summary>
    public const int VertexMinSourceSeconds = 1;

    /// <inheritdoc cref="VertexMinSourceSeconds"/>
    public const int VertexMaxSourceSeconds = 30;

    /// <summary>
    /// <c>POST /v1beta1/[projects/{p}/locations/{l}/]publishers/google/models/{model}:predictLongRunning</c>
    /// → <c>{name: "{resource}/operations/{uuid}"}</c>, <paramref name="resource"/> being the path before the colon.
    /// </summary>
    public JsonResult VertexPredict(string resource, string model, JsonObject body)
    {
        var found = VeoModel.Find(VeoSurface.Vertex, model) ?? throw NoPublisherModel(resource);
        var request = VeoRequest.Parse(VeoSurface.Vertex, found, body);
        ExtensionSource? source = request.Video is { Bytes: { } bytes } ? VertexSource(bytes) : null;
        var operation = Create(VeoSurface.Vertex, resource, request, source, body);
        return JsonResult.Ok(new JsonObject { ["name"] = operation.Name });
    }

    /// <summary><c>POST {resource}:fetchPredictOperation</c> with <c>{operationName}</c>.</summary>
    public async Task<JsonResult> VertexFetchAsync(string resource, string model, JsonObject body, CancellationToken cancellationToken)
    {
        if (VeoModel.Find(VeoSurface.Vertex, model) is null)
        {
            throw NoPublisherModel(resource);
        }

        VeoFields.RejectUnknown(body, null, "operationName");
        var name = VeoFields.String(body, "operationName", null);
        if (string.IsNullOrEmpty(name))
        {
            throw GoogleErrorException.InvalidArgument("operationName is required.");
        }

        var operation = FindOperation(VeoSurface.Vertex, name) ?? throw GoogleErrorException.NotFound($"Operation \"{name}\" not found.");
        if (operation.Resource != resource)
        {
            throw GoogleErrorException.InvalidArgument($"Operation \"{name}\" does not belong to {resource}.");
        }

        var state = operation.Observe(_jobs.Now);
        var videos = new JsonArray();
        if (state.Status == "completed")
        {
            for (var i = 0; i < operation.Samples.Length; i++)
            {
                videos.Add(operation.StorageUri is { } storage
                    ? new JsonObject { ["gcsUri"] = $"{storage.TrimEnd('/')}/{operation.Id}/sample_{i}.mp4", ["mimeType"] = "video/mp4" }
                    : new JsonObject
                    {
                        ["bytesBase64Encoded"] = Convert.ToBase64String(await File.ReadAllBytesAsync(
                            await _jobs.Clips.VideoAsync(operation.Samples[i], cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)),
                        ["mimeType"] = "video/mp4",
                    });
            }
        }

        return JsonResult.Ok(OperationJson(operation, state, () =>
        {
            var response = new JsonObject { ["@type"] = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse" };
            if (state.Status == "failed")
            {
                response["raiMediaFilteredCount"] = 1;
                response["raiMediaFilteredReasons"] = new JsonArray(FilteredReason);
            }
            else
            {
                response["raiMediaFilteredCount"] = 0;
                response["videos"] = videos;
            }

            return response;
        }));
    }

    private static GoogleErrorException NoPublisherModel(string resource) => GoogleErrorException.NotFound(
        $"Publisher Model `{resource}` was not found or your project does not have access to it. Please ensure you are using a valid model version.");

    /// <summary>An inline MP4 to extend, saved and probed; its nominal size follows its orientation.</summary>
    private ExtensionSource VertexSource(byte[] bytes)
    {
        var path = Path.Combine(_jobs.Uploads, "veo_" + NewId(16) + ".mp4");
        File.WriteAllBytes(path, bytes);
        ClipInfo info;
        try
        {
            info = Mp4Clip.Probe(path);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            File.Delete(path);
            throw GoogleErrorException.InvalidArgument($"instances[0].video is not a readable MP4 video: {ex.Message}");
        }

        var seconds = (int)Math.Round(info.Seconds);
        if (seconds < VertexMinSourceSeconds || seconds > VertexMaxSourceSeconds)
        {
            File.Delete(path);
            throw GoogleErrorException.InvalidArgument(
                $"The input video is {info.Seconds:0.##} seconds long; videos of {VertexMinSourceSeconds} to {VertexMaxSourceSeconds} seconds can be extended.");
        }

        var size = info.Width >= info.Height ? new VideoSize(1280, 720) : new VideoSize(720, 1280);
        return new ExtensionSource(null, path, seconds, size, 0);
    }
}
