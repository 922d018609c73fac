using System.Text.Json.Nodes;

namespace Reel.Emulator.Google;

/// <summary>
/// A Google API error, written as <c>{"error":{"code","message","status"[,"details"]}}</c> (google.rpc.Status in its
/// JSON form, as generativelanguage.googleapis.com and aiplatform.googleapis.com answer); thrown by handlers.
/// </summary>
internal sealed class GoogleErrorException(int code, string status, string message, JsonArray? details = null) : Exception(message)
{
    public int Code { get; } = code;

    /// <summary>The canonical code name: INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, …</summary>
    public string Status { get; } = status;

    public JsonArray? Details { get; } = details;

    public JsonObject ToJson()
    {
        var error = new JsonObject
        {
            ["code"] = Code,
            ["message"] = Message,
            ["status"] = Status,
        };
        if (Details is not null)
        {
            error["details"] = Details.DeepClone();
        }

        return new JsonObject { ["error"] = error };
    }

    public static GoogleErrorException InvalidArgument(string message) => new(400, "INVALID_ARGUMENT", message);

    public static GoogleErrorException NotFound(string message) => new(404, "NOT_FOUND", message);

    /// <summary>Proto-JSON's answer to a field the message doesn't have, e.g. <c>seed</c> on the Gemini API.</summary>
    public static GoogleErrorException UnknownField(string name, string at)
    {
        var message = $"Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field.";
        return new(400, "INVALID_ARGUMENT", message, BadRequest(at, message));
    }

    /// <summary>Proto-JSON's answer to a value of the wrong type, e.g. <c>Invalid value at 'parameters.durationSeconds' (TYPE_INT32), "eight"</c>.</summary>
    public static GoogleErrorException InvalidValue(string at, string protoType, JsonNode? value)
    {
        var message = $"Invalid value at '{at}' ({protoType}), {value?.ToJsonString() ?? "null"}";
        return new(400, "INVALID_ARGUMENT", message, BadRequest(at, message));
    }

    /// <summary>A <c>google.rpc.BadRequest</c> detail with one field violation.</summary>
    public static JsonArray BadRequest(string field, string description) =>
    [
        new JsonObject
        {
            ["@type"] = "type.googleapis.com/google.rpc.BadRequest",
            ["fieldViolations"] = new JsonArray(new JsonObject { ["field"] = field, ["description"] = description }),
        },
    ];

    /// <summary>A <c>google.rpc.ErrorInfo</c> detail, e.g. reason <c>API_KEY_INVALID</c>.</summary>
    public static JsonArray ErrorInfo(string reason, string service) =>
    [
        new JsonObject
        {
            ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
            ["reason"] = reason,
            ["domain"] = "googleapis.com",
            ["metadata"] = new JsonObject { ["service"] = service },
        },
    ];
}
