using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Kling;

/// <summary>
/// Kling 3.0's multi-shot fields, checked as the text2video/image2video reference documents them: <c>multi_shot</c>
/// (bool; false makes <c>shot_type</c> and <c>multi_prompt</c> ignored), <c>shot_type</c> <c>customize</c> |
/// <c>intelligence</c>, and for <c>customize</c> <c>multi_prompt [{index, prompt ≤512, duration}]</c>: 1–6 shots, each
/// duration a string of at least 1 and at most the clip's, together the clip's <c>duration</c>. First/last-frame
/// generation is not supported with it (no <c>image_tail</c>). <c>prompt</c> is then ignored.
/// </summary>
internal static class KlingMultiShot
{
    internal const int MaxShots = 6;

    internal const int MaxShotPrompt = 512;

    /// <summary>Whether the body asks for several shots (<c>multi_shot: true</c>); a non-boolean is refused.</summary>
    public static bool Requested(JsonObject body) => body["multi_shot"] switch
    {
        null => false,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        var other => throw KlingError.Param("multi_shot", $"expected a boolean, got {other.GetValueKind().ToString().ToLowerInvariant()}"),
    };

    /// <summary>
    /// The checked shots of a multi-shot body as the text the clip shows (<c>shot 1 (2 s): …</c>), recorded in
    /// <paramref name="content"/>; the clip's prompt (<paramref name="prompt"/>) with <c>shot_type: intelligence</c>.
    /// </summary>
    public static string Read(JsonObject body, string model, string? prompt, int seconds, JsonObject content)
    {
        if (model != "kling-v3")
        {
            throw KlingError.Param("multi_shot", $"multi-shot needs kling-v3, not {model}");
        }

        if (body["image_tail"] is not null)
        {
            throw KlingError.Param("image_tail", "first/last frame generation is not supported with multi_shot");
        }

        var type = body["shot_type"] is JsonValue tv && tv.GetValueKind() == JsonValueKind.String ? tv.GetValue<string>() : null;
        content["multi_shot"] = true;
        content["shot_type"] = type;
        switch (type)
        {
            case "intelligence":
                return string.IsNullOrEmpty(prompt) ? throw KlingError.Param("prompt", "prompt is required when shot_type is intelligence") : prompt;
            case "customize":
                break;
            default:
                throw KlingError.Param("shot_type", "shot_type is required when multi_shot is true: customize or intelligence");
        }

        if (body["multi_prompt"] is not JsonArray shots || shots.Count is < 1 or > MaxShots)
        {
            throw KlingError.Param("multi_prompt", $"multi_prompt is required with shot_type customize: 1–{MaxShots} shots");
        }

        var parsed = new List<(int Index, string Prompt, int Seconds)>();
        for (var i = 0; i < shots.Count; i++)
        {
            var name = $"multi_prompt[{i}]";
            if (shots[i] is not JsonObject shot)
            {
                throw KlingError.Param(name, "expected an object {index, prompt, duration}");
            }

            var index = shot["index"] is JsonValue iv && iv.GetValueKind() == JsonValueKind.Number && iv.TryGetValue<int>(out var n) ? n
                : throw KlingError.Param($"{name}.index", "expected an integer");
            var text = shot["prompt"] is JsonValue pv && pv.GetValueKind() == JsonValueKind.String ? pv.GetValue<string>() : "";
            if (text.Length is 0 or > MaxShotPrompt)
            {
                throw KlingError.Param($"{name}.prompt", $"length must be 1–{MaxShotPrompt}");
            }

            var duration = shot["duration"] is JsonValue dv && dv.GetValueKind() == JsonValueKind.String
                && int.TryParse(dv.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d
                : throw KlingError.Param($"{name}.duration", "expected a whole number of seconds as a string, e.g. \"5\"");
            if (duration < 1 || duration > seconds)
            {
                throw KlingError.Param($"{name}.duration", $"each shot lasts at least 1 s and at most the task's {seconds} s (got {duration})");
            }

            if (parsed.Any(p => p.Index == index))
            {
                throw KlingError.Param($"{name}.index", $"index {index} is used twice");
            }

            parsed.Add((index, text, duration));
        }

        var sum = parsed.Sum(p => p.Seconds);
        if (sum != seconds)
        {
            throw KlingError.Param("multi_prompt", $"the shots' durations add up to {sum} s, not the task's duration {seconds} s");
        }

        parsed.Sort((a, b) => a.Index.CompareTo(b.Index));
        content["multi_prompt"] = new JsonArray([.. parsed.Select(p => (JsonNode)$"{p.Seconds}:{p.Prompt}")]);
        return string.Join(" | ", parsed.Select((p, i) => $"shot {i + 1} ({p.Seconds} s): {p.Prompt}"));
    }
}
