using System.Text.Json.Nodes;
using Reel.Emulator.Http;

namespace Reel.Emulator.Kling;

/// <summary>
/// An HTTP error in Kling's shape: the HTTP status plus <c>{code, message, request_id}</c> (Kling API reference,
/// commonInfo: 1000–1004 authentication, 1100–1102 account and resource pack, 1200–1203 request, 1300–1304 policy,
/// 5000–5002 server). Thrown by handlers, written by <see cref="KlingFamily"/>.
/// </summary>
internal sealed class KlingError(int status, int code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public int Code { get; } = code;

    public JsonResult ToResult(IReadOnlyDictionary<string, string>? headers = null) => new(Status, new JsonObject
    {
        ["code"] = Code,
        ["message"] = Message,
        ["request_id"] = Guid.NewGuid().ToString("N"),
    }, headers);

    /// <summary>400 1201: a parameter's key or value is invalid.</summary>
    public static KlingError Param(string field, string why) => new(400, 1201, $"Invalid parameter {field}: {why}");
}
