using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Engine.Core;
using Reel.Emulator.Http;

namespace Reel.Emulator.OpenAi;

/// <summary>The field rules of <c>/v1/videos</c> (openai-videos.md §2, §6, §7), with OpenAI's error wording.</summary>
internal static class VideoFields
{
    public const int MaxPrompt = 32000;
    public const int MaxCharacters = 2;
    public const int MaxExtensions = 6;
    public const int MaxTotalSeconds = 120;

    public static readonly ImmutableArray<string> Seconds = ["4", "8", "12", "16", "20"];

    private static readonly ImmutableArray<string> StandardSizes = ["1280x720", "720x1280"];

    private static readonly ImmutableArray<string> ProSizes =
        ["1280x720", "720x1280", "1024x1792", "1792x1024", "1920x1080", "1080x1920"];

    /// <summary>Model → sizes it renders.</summary>
    public static readonly ImmutableDictionary<string, ImmutableArray<string>> Models = new Dictionary<string, ImmutableArray<string>>
    {
        ["sora-2"] = StandardSizes,
        ["sora-2-pro"] = ProSizes,
        ["sora-2-2025-10-06"] = StandardSizes,
        ["sora-2-pro-2025-10-06"] = ProSizes,
        ["sora-2-2025-12-08"] = StandardSizes,
    }.ToImmutableDictionary();

    private static readonly string[] ModelOrder = ["sora-2", "sora-2-pro", "sora-2-2025-10-06", "sora-2-pro-2025-10-06", "sora-2-2025-12-08"];

    public static void RejectUnknown(RequestBody body, params string[] allowed)
    {
        foreach (var name in body.Names)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw ApiErrorException.Unknown(name);
            }
        }
    }

    public static string Prompt(JsonObject fields)
    {
        var prompt = OptionalString(fields, "prompt") ?? throw ApiErrorException.Missing("prompt");
        if (prompt.Length == 0)
        {
            throw ApiErrorException.Invalid(
                "prompt",
                "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string instead.",
                "string_below_min_length");
        }

        if (prompt.Length > MaxPrompt)
        {
            throw ApiErrorException.Invalid(
                "prompt",
                $"Invalid 'prompt': string too long. Expected a string with maximum length {MaxPrompt}, but got a string with length {prompt.Length} instead.",
                "string_above_max_length");
        }

        return prompt;
    }

    public static string Model(JsonObject fields)
    {
        var model = OptionalString(fields, "model") ?? "sora-2";
        return Models.ContainsKey(model) ? model : throw ApiErrorException.InvalidValue("model", model, ModelOrder);
    }

    public static int SecondsField(JsonObject fields, string? fallback)
    {
        var node = fields["seconds"];
        if (node is null)
        {
            return fallback is null ? throw ApiErrorException.Missing("seconds") : int.Parse(fallback, CultureInfo.InvariantCulture);
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            throw ApiErrorException.InvalidType("seconds", $"one of {ApiErrorException.QuotedOr(Seconds)}", Describe(node));
        }

        var text = node.GetValue<string>();
        return Seconds.Contains(text)
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : throw ApiErrorException.InvalidValue("seconds", text, Seconds);
    }

    public static VideoSize Size(JsonObject fields, string model)
    {
        var text = OptionalString(fields, "size") ?? "720x1280";
        var allowed = Models[model];
        if (!allowed.Contains(text))
        {
            var all = ProSizes.Contains(text);
            throw ApiErrorException.Invalid(
                "size",
                all
                    ? $"Invalid size '{text}' for model '{model}'. Supported sizes for '{model}' are: {ApiErrorException.Quoted(allowed)}."
                    : $"Invalid value: '{text}'. Supported values are: {ApiErrorException.Quoted(ProSizes)}.");
        }

        VideoSize.TryParse(text, out var size);
        return size;
    }

    /// <summary>The character ids (shape only; existence is checked by the caller).</summary>
    public static ImmutableArray<string> Characters(JsonObject fields)
    {
        var node = fields["characters"];
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            throw ApiErrorException.InvalidType("characters", "an array", Describe(node));
        }

        if (array.Count > MaxCharacters)
        {
            throw ApiErrorException.Invalid(
                "characters",
                $"Invalid 'characters': array too long. Expected an array with maximum length {MaxCharacters}, but got an array with length {array.Count} instead.",
                "array_above_max_length");
        }

        var ids = ImmutableArray.CreateBuilder<string>();
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i];
            var id = item switch
            {
                JsonObject o when o["id"] is { } idNode && idNode.GetValueKind() == JsonValueKind.String => idNode.GetValue<string>(),
                JsonObject => throw ApiErrorException.Missing($"characters[{i}].id"),
                _ => throw ApiErrorException.InvalidType($"characters[{i}]", "an object", item is null ? "null" : Describe(item)),
            };
            ids.Add(id);
        }

        return ids.ToImmutable();
    }

    /// <summary>A string field, or null when absent; a non-string is a type error.</summary>
    public static string? OptionalString(JsonObject fields, string name, string? param = null)
    {
        var node = fields[name];
        if (node is null)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.String
            ? node.GetValue<string>()
            : throw ApiErrorException.InvalidType(param ?? name, "a string", Describe(node));
    }

    public static string Describe(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Number => node.ToJsonString().Contains('.', StringComparison.Ordinal) ? "a decimal" : "an integer",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        _ => "null",
    };
}
