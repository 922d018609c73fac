using System.Text.Json.Nodes;

namespace Reel.Emulator.Http;

/// <summary>An HTTP error with OpenAI's body <c>{"error":{message,type,param,code}}</c>; thrown by handlers, written by the server.</summary>
internal sealed class ApiErrorException(int status, string message, string? param = null, string? code = null, string type = "invalid_request_error")
    : Exception(message)
{
    public int Status { get; } = status;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    public string Type { get; } = type;

    public JsonObject ToJson() => Body(Message, Type, Param, Code);

    public static JsonObject Body(string message, string type, string? param, string? code) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = type,
            ["param"] = param,
            ["code"] = code,
        },
    };

    public static ApiErrorException Missing(string param) =>
        new(400, $"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    public static ApiErrorException InvalidValue(string param, string value, IEnumerable<string> allowed) =>
        new(400, $"Invalid value: '{value}'. Supported values are: {Quoted(allowed)}.", param, "invalid_value");

    public static ApiErrorException InvalidType(string param, string expected, string got) =>
        new(400, $"Invalid type for '{param}': expected {expected}, but got {got} instead.", param, "invalid_type");

    public static ApiErrorException Unknown(string param) =>
        new(400, $"Unknown parameter: '{param}'.", param, "unknown_parameter");

    public static ApiErrorException Invalid(string param, string message, string code = "invalid_value") =>
        new(400, message, param, code);

    public static ApiErrorException NotFound(string message, string? param = null) => new(404, message, param);

    /// <summary><c>'4', '8', or '12'</c>, as OpenAI lists allowed values.</summary>
    public static string Quoted(IEnumerable<string> values)
    {
        var list = values.Select(v => $"'{v}'").ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            2 => $"{list[0]} and {list[1]}",
            _ => string.Join(", ", list[..^1]) + ", and " + list[^1],
        };
    }

    public static string QuotedOr(IEnumerable<string> values)
    {
        var list = values.Select(v => $"'{v}'").ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            2 => $"{list[0]} or {list[1]}",
            _ => string.Join(", ", list[..^1]) + ", or " + list[^1],
        };
    }
}
