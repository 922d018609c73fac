using System.Text.Json.Nodes;
using Reel.Emulator.Http;

namespace Reel.Emulator.Runway;

/// <summary>
/// An HTTP error in Runway's shape, <c>{"error": "…"}</c> (docs.dev.runwayml.com/errors), with <c>issues: [{path,
/// message}]</c> when a body field is invalid (the shape of that list is UNCONFIRMED: Runway's docs show the
/// message only). Thrown by handlers, written by <see cref="RunwayFamily"/>.
/// </summary>
internal sealed class RunwayError(int status, string message, string? field = null) : Exception(message)
{
    public int Status { get; } = status;

    public string? Field { get; } = field;

    public JsonResult ToResult(IReadOnlyDictionary<string, string>? headers = null)
    {
        var body = new JsonObject { ["error"] = Message };
        if (Field is not null)
        {
            body["issues"] = new JsonArray(new JsonObject { ["path"] = new JsonArray([.. Field.Split('.').Select(p => (JsonNode)p)]), ["message"] = Message });
        }

        return new JsonResult(Status, body, headers);
    }

    public static RunwayError Invalid(string field, string message) => new(400, $"Validation of body failed: {field}: {message}", field);
}
