using System.Globalization;
using System.Text.Json;

namespace Reel.Engine.Providers.Http;

/// <summary>Lenient readers of provider JSON and media types, shared by the HTTP providers.</summary>
public static class Wire
{
    public static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            }
            : null;

    public static long? Int64(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return v.TryGetInt64(out var l) ? l : (long)Math.Round(v.GetDouble());
        }

        return v.ValueKind == JsonValueKind.String
            && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? (long)Math.Round(d)
            : null;
    }

    public static int? Int32(JsonElement obj, string name) => Int64(obj, name) is { } l ? (int)Math.Clamp(l, int.MinValue, int.MaxValue) : null;

    public static bool? Bool(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => null,
            }
            : null;

    /// <summary>The MIME type of an image, from its magic bytes, else its extension.</summary>
    public static string? ImageContentType(ReadOnlySpan<byte> head, string path)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]))
        {
            return "image/png";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }

        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".webp" => "image/webp",
            _ => null,
        };
    }

    public static string VideoContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".mov" => "video/quicktime",
        ".webm" => "video/webm",
        _ => "video/mp4",
    };

    /// <summary>A JSON request body.</summary>
    public static System.Net.Http.StringContent JsonContent(System.Text.Json.Nodes.JsonNode body) =>
        new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    /// <summary>A file as a <c>data:</c> URI, its media type sniffed from its first bytes (images) or its extension (videos).</summary>
    public static async Task<string> DataUriAsync(string path, string what, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw ProviderException.Invalid($"{what} not found: {path}");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        var type = MediaType(bytes, path, what);
        return $"data:{type};base64,{Convert.ToBase64String(bytes)}";
    }

    /// <summary>The media type of an image (sniffed; PNG, JPEG, WebP) or a video (by extension).</summary>
    public static string MediaType(ReadOnlySpan<byte> bytes, string path, string what)
    {
        if (Path.GetExtension(path).ToLowerInvariant() is ".mp4" or ".mov" or ".webm")
        {
            return VideoContentType(path);
        }

        return ImageContentType(bytes[..Math.Min(12, bytes.Length)], path)
            ?? throw ProviderException.Invalid($"{what} is not PNG, JPEG or WebP: {path}");
    }
}
