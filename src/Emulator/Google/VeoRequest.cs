using System.Collections.Immutable;
using System.Text.Json.Nodes;
using SkiaSharp;

namespace Reel.Emulator.Google;

/// <summary>An image sent inline, checked to decode.</summary>
internal sealed record VeoImage(byte[] Bytes, string MimeType, string Extension);

/// <summary>The clip to extend: a uri of an earlier result (Gemini) or inline MP4 bytes (Vertex).</summary>
internal sealed record VeoVideo(string? Uri, byte[]? Bytes);

/// <summary>A validated <c>predictLongRunning</c> request: one instance and its parameters, defaults applied.</summary>
internal sealed record VeoRequest(
    VeoModel Model,
    string Prompt,
    VeoImage? Image,
    VeoImage? LastFrame,
    ImmutableArray<VeoImage> References,
    VeoVideo? Video,
    string AspectRatio,
    string Resolution,
    int DurationSeconds,
    int SampleCount,
    uint? Seed,
    string? StorageUri)
{
    private static readonly string[] GeminiParameters =
        ["aspectRatio", "resolution", "durationSeconds", "negativePrompt", "personGeneration", "sampleCount", "enhancePrompt"];

    private static readonly string[] VertexParameters =
    [
        .. GeminiParameters, "seed", "generateAudio", "storageUri", "resizeMode", "compressionQuality", "fps", "pubsubTopic",
    ];

    /// <summary>Validates a request body for <paramref name="model"/> the way the <paramref name="surface"/> API does.</summary>
    /// <exception cref="GoogleErrorException">400 INVALID_ARGUMENT naming the offending field.</exception>
    public static VeoRequest Parse(VeoSurface surface, VeoModel model, JsonObject body)
    {
        var vertex = surface == VeoSurface.Vertex;
        VeoFields.RejectUnknown(body, null, vertex ? ["instances", "parameters", "labels"] : ["instances", "parameters"]);
        if (body["instances"] is not JsonArray { Count: 1 } instances || instances[0] is not JsonObject instance)
        {
            throw GoogleErrorException.InvalidArgument("'instances' must hold exactly one instance (an object with a prompt).");
        }

        const string At = "instances[0]";
        VeoFields.RejectUnknown(instance, At, vertex ? ["prompt", "image", "lastFrame", "video", "referenceImages", "mask"] : ["prompt", "image", "lastFrame", "video", "referenceImages"]);
        if (instance.ContainsKey("mask"))
        {
            throw GoogleErrorException.InvalidArgument("instances[0].mask: mask-based video editing is not supported by the emulator.");
        }

        var prompt = VeoFields.String(instance, "prompt", At);
        var image = ReadImage(surface, instance, "image", At);
        var lastFrame = ReadImage(surface, instance, "lastFrame", At);
        var video = ReadVideo(surface, instance, At);
        var references = ReadReferences(surface, instance, At);

        var parameters = VeoFields.Object(body, "parameters", null) ?? [];
        const string P = "parameters";
        VeoFields.RejectUnknown(parameters, P, vertex ? VertexParameters : GeminiParameters);
        var aspect = VeoFields.OneOf(parameters, "aspectRatio", P, "16:9", "9:16") ?? "16:9";
        var resolution = VeoFields.OneOf(parameters, "resolution", P, model.HighDefinition ? ["720p", "1080p"] : ["720p"]) ?? "720p";
        var durationGiven = VeoFields.Integer(parameters, "durationSeconds", P, "TYPE_INT32", int.MinValue, int.MaxValue);
        var duration = (int)(durationGiven ?? model.DefaultDuration);
        if (!model.Durations.Contains(duration))
        {
            throw GoogleErrorException.InvalidArgument(
                $"Unsupported durationSeconds: {duration}. {model.Name} supports {string.Join(", ", model.Durations)} seconds.");
        }

        var maxSamples = vertex ? 4 : model.GeminiMaxSamples;
        var samples = (int)(VeoFields.Integer(parameters, "sampleCount", P, "TYPE_INT32", int.MinValue, int.MaxValue) ?? 1);
        if (samples < 1 || samples > maxSamples)
        {
            throw GoogleErrorException.InvalidArgument($"sampleCount is out of range: {samples}. {model.Name} supports 1 to {maxSamples} videos per request.");
        }

        VeoFields.String(parameters, "negativePrompt", P);
        VeoFields.Bool(parameters, "enhancePrompt", P);
        VeoFields.OneOf(parameters, "personGeneration", P, "allow_all", "allow_adult", "dont_allow");
        uint? seed = null;
        string? storageUri = null;
        if (vertex)
        {
            seed = (uint?)VeoFields.Integer(parameters, "seed", P, "TYPE_UINT32", 0, uint.MaxValue);
            var audio = VeoFields.Bool(parameters, "generateAudio", P);
            if (model.Audio && audio is null)
            {
                throw GoogleErrorException.InvalidArgument($"generateAudio is required for {model.Name}: set parameters.generateAudio to true or false.");
            }

            if (!model.Audio && audio == true)
            {
                throw GoogleErrorException.InvalidArgument($"generateAudio is not supported by {model.Name}.");
            }

            storageUri = VeoFields.String(parameters, "storageUri", P);
            if (storageUri is not null && !storageUri.StartsWith("gs://", StringComparison.Ordinal))
            {
                throw GoogleErrorException.InvalidArgument($"storageUri must be a Cloud Storage URI (gs://bucket/prefix), got \"{storageUri}\".");
            }

            VeoFields.OneOf(parameters, "resizeMode", P, "pad", "crop");
            VeoFields.OneOf(parameters, "compressionQuality", P, "optimized", "lossless");
            VeoFields.String(parameters, "pubsubTopic", P);
            if (VeoFields.Integer(parameters, "fps", P, "TYPE_INT32", int.MinValue, int.MaxValue) is { } fps && fps != 24)
            {
                throw GoogleErrorException.InvalidArgument($"Unsupported fps: {fps}. Veo generates 24 fps.");
            }
        }

        if (string.IsNullOrWhiteSpace(prompt) && image is null)
        {
            throw GoogleErrorException.InvalidArgument("instances[0].prompt is required unless an image is given.");
        }

        if (resolution == "1080p" && duration != 8)
        {
            throw GoogleErrorException.InvalidArgument($"1080p is only supported with durationSeconds 8 (got {duration}).");
        }

        if (lastFrame is not null)
        {
            Require(model.LastFrame, $"instances[0].lastFrame is not supported by {model.Name}.");
            Require(image is not null, "instances[0].lastFrame needs instances[0].image (the first frame).");
        }

        if (!references.IsEmpty)
        {
            Require(model.ReferenceImages, $"instances[0].referenceImages is not supported by {model.Name}.");
            Require(image is null && lastFrame is null && video is null, "instances[0].referenceImages can't be combined with image, lastFrame or video.");
            Require(!string.IsNullOrWhiteSpace(prompt), "instances[0].referenceImages needs a prompt.");
            Require(duration == 8, $"referenceImages are only supported with durationSeconds 8 (got {duration}).");
        }

        if (video is not null)
        {
            Require(model.Extension, $"Video extension (instances[0].video) is not supported by {model.Name}.");
            Require(image is null && lastFrame is null, "instances[0].video can't be combined with image or lastFrame.");
            Require(resolution == "720p", $"Video extension only supports 720p (got {resolution}).");
            Require(durationGiven is null || duration == 8, $"Video extension only supports durationSeconds 8 (got {duration}).");
        }

        return new VeoRequest(model, prompt ?? "", image, lastFrame, references, video, aspect, resolution, duration, samples, seed, storageUri);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw GoogleErrorException.InvalidArgument(message);
        }
    }

    private static VeoImage? ReadImage(VeoSurface surface, JsonObject parent, string name, string at)
    {
        var path = VeoFields.Join(at, name);
        if (VeoFields.Object(parent, name, at) is not { } image)
        {
            return null;
        }

        VeoFields.RejectUnknown(image, path, surface == VeoSurface.Vertex ? ["bytesBase64Encoded", "gcsUri", "mimeType"] : ["bytesBase64Encoded", "mimeType"]);
        if (VeoFields.String(image, "gcsUri", path) is not null)
        {
            throw GoogleErrorException.InvalidArgument($"{path}.gcsUri: the emulator can't read Cloud Storage; send the image as bytesBase64Encoded.");
        }

        var base64 = VeoFields.String(image, "bytesBase64Encoded", path)
            ?? throw GoogleErrorException.InvalidArgument($"{path}.bytesBase64Encoded is required.");
        var mime = VeoFields.String(image, "mimeType", path)
            ?? throw GoogleErrorException.InvalidArgument($"{path}.mimeType is required (image/jpeg or image/png).");
        var extension = mime switch
        {
            "image/jpeg" => ".jpg",
            "image/png" => ".png",
            "image/webp" => ".webp",
            _ => throw GoogleErrorException.InvalidArgument($"Unsupported {path}.mimeType \"{mime}\". Supported types are image/jpeg, image/png and image/webp."),
        };
        var bytes = VeoFields.Base64(base64, path + ".bytesBase64Encoded");
        using var codec = SKCodec.Create(new MemoryStream(bytes));
        if (codec is null)
        {
            throw GoogleErrorException.InvalidArgument($"Unable to process input image at {path}: the bytes are not a JPEG, PNG or WebP image.");
        }

        return new VeoImage(bytes, mime, extension);
    }

    private static VeoVideo? ReadVideo(VeoSurface surface, JsonObject parent, string at)
    {
        const string Path = "instances[0].video";
        if (VeoFields.Object(parent, "video", at) is not { } video)
        {
            return null;
        }

        if (surface == VeoSurface.Gemini)
        {
            VeoFields.RejectUnknown(video, Path, "uri", "encodedVideo", "encoding");
            if (video.ContainsKey("encodedVideo"))
            {
                throw GoogleErrorException.InvalidArgument(
                    "Only videos generated by Veo can be extended: pass the uri of an earlier result as instances[0].video.uri, not encodedVideo.");
            }

            var uri = VeoFields.String(video, "uri", Path) ?? throw GoogleErrorException.InvalidArgument($"{Path}.uri is required.");
            return new VeoVideo(uri, null);
        }

        VeoFields.RejectUnknown(video, Path, "bytesBase64Encoded", "gcsUri", "mimeType");
        if (VeoFields.String(video, "gcsUri", Path) is not null)
        {
            throw GoogleErrorException.InvalidArgument($"{Path}.gcsUri: the emulator can't read Cloud Storage; send the video as bytesBase64Encoded.");
        }

        var mime = VeoFields.String(video, "mimeType", Path);
        if (mime is not (null or "video/mp4"))
        {
            throw GoogleErrorException.InvalidArgument($"Unsupported {Path}.mimeType \"{mime}\". Supported type is video/mp4.");
        }

        var base64 = VeoFields.String(video, "bytesBase64Encoded", Path)
            ?? throw GoogleErrorException.InvalidArgument($"{Path}.bytesBase64Encoded is required.");
        return new VeoVideo(null, VeoFields.Base64(base64, Path + ".bytesBase64Encoded"));
    }

    private static ImmutableArray<VeoImage> ReadReferences(VeoSurface surface, JsonObject parent, string at)
    {
        var path = VeoFields.Join(at, "referenceImages");
        var node = parent["referenceImages"];
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray list)
        {
            throw new GoogleErrorException(400, "INVALID_ARGUMENT", $"Invalid value at '{path}', expected a list: {node.ToJsonString()}");
        }

        if (list.Count is 0 or > 3)
        {
            throw GoogleErrorException.InvalidArgument($"{path} must hold 1 to 3 images (got {list.Count}).");
        }

        var images = ImmutableArray.CreateBuilder<VeoImage>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (list[i] is not JsonObject item)
            {
                throw new GoogleErrorException(400, "INVALID_ARGUMENT", $"Invalid value at '{itemPath}', expected an object.");
            }

            VeoFields.RejectUnknown(item, itemPath, "image", "referenceType");
            var type = VeoFields.String(item, "referenceType", itemPath)?.ToUpperInvariant();
            var allowed = surface == VeoSurface.Vertex ? new[] { "ASSET", "STYLE" } : ["ASSET"];
            if (type is null || !allowed.Contains(type, StringComparer.Ordinal))
            {
                throw GoogleErrorException.InvalidArgument(
                    $"Unsupported {itemPath}.referenceType \"{type}\". Supported values are: {string.Join(", ", allowed.Select(a => a.ToLowerInvariant()))}.");
            }

            images.Add(ReadImage(surface, item, "image", itemPath) ?? throw GoogleErrorException.InvalidArgument($"{itemPath}.image is required."));
        }

        return images.MoveToImmutable();
    }
}
