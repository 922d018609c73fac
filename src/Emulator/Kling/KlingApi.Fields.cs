using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Emulator.Rendering;

namespace Reel.Emulator.Kling;

/// <summary>The request fields of Kling's create bodies: strings with length limits, choices, and raw-base64 images.</summary>
internal sealed partial class KlingApi
{
    private SavedImage? Image(JsonObject body, string field, bool required, string? name = null)
    {
        name ??= field;
        var text = Text(body, field, 0, int.MaxValue, name);
        if (string.IsNullOrEmpty(text))
        {
            return required ? throw KlingError.Param(name, $"{name} is required") : null;
        }

        if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            throw KlingError.Param(name, "base64 must be sent without a prefix such as data:image/png;base64,");
        }

        if (text.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            throw KlingError.Param(name, "the emulator takes images as base64 only; it never fetches from the network");
        }

        try
        {
            return InputMedia.SaveImage(InputMedia.Decode(text, rawBase64: true), _jobs.Uploads);
        }
        catch (FormatException ex)
        {
            throw KlingError.Param(name, ex.Message);
        }
    }

    private static string? Text(JsonObject body, string field, int min, int max, string? name = null)
    {
        var node = body[field];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            throw KlingError.Param(name ?? field, $"expected a string, got {node.GetValueKind().ToString().ToLowerInvariant()}");
        }

        var text = v.GetValue<string>();
        return text.Length < min || text.Length > max ? throw KlingError.Param(name ?? field, $"length must be {min}–{max}") : text;
    }

    private static string? Choice(JsonObject body, string field, string[] values)
    {
        var text = Text(body, field, 0, 64);
        return text is null || values.Contains(text) ? text : throw KlingError.Param(field, $"'{text}' is not one of {string.Join(", ", values)}");
    }
}
