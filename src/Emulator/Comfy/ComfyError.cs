using System.Text.Json.Nodes;
using Reel.Emulator.Http;

namespace Reel.Emulator.Comfy;

/// <summary>
/// An error in ComfyUI's native shape: <c>{error: {type, message, details, extra_info}, node_errors}</c> (server.py's
/// <c>post_prompt</c> and <c>validate_prompt</c>). Thrown by handlers, written by <see cref="ComfyFamily"/>.
/// </summary>
internal sealed class ComfyError(int status, string type, string message, string details = "", JsonObject? nodeErrors = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public JsonObject? NodeErrors { get; } = nodeErrors;

    /// <summary>The error is in Comfy API v2's shape, <c>{error: {code, message, details}}</c>.</summary>
    public bool IsV2 { get; private init; }

    /// <summary>An error of the v2 API (<c>/api/v2/*</c>); per-node details go to <c>details</c>.</summary>
    public static ComfyError V2(int status, string code, string message, JsonObject? details = null) =>
        new(status, code, message, "", details) { IsV2 = true };

    public JsonResult ToResult(IReadOnlyDictionary<string, string>? headers = null) => IsV2
        ? new(Status, new JsonObject { ["error"] = new JsonObject { ["code"] = Type, ["message"] = Message, ["details"] = NodeErrors?.DeepClone() ?? new JsonObject() } }, headers)
        : new(Status, new JsonObject
    {
        ["error"] = new JsonObject { ["type"] = Type, ["message"] = Message, ["details"] = details, ["extra_info"] = new JsonObject() },
        ["node_errors"] = NodeErrors?.DeepClone() ?? new JsonObject(),
    }, headers);

    /// <summary>400 <c>prompt_outputs_failed_validation</c> naming one node's bad input, as <c>validate_prompt</c> reports it.</summary>
    public static ComfyError Node(string nodeId, string classType, string type, string message, string details) => new(
        400,
        "prompt_outputs_failed_validation",
        "Prompt outputs failed validation",
        "",
        new JsonObject
        {
            [nodeId] = new JsonObject
            {
                ["errors"] = new JsonArray(new JsonObject { ["type"] = type, ["message"] = message, ["details"] = details, ["extra_info"] = new JsonObject() }),
                ["dependent_outputs"] = new JsonArray(),
                ["class_type"] = classType,
            },
        });
}
