using System.Text.Json.Nodes;
using Reel.Emulator.Http;

namespace Reel.Emulator.Fal;

/// <summary>
/// An HTTP error in one of fal's shapes, thrown by handlers and written by <see cref="FalFamily"/>:
/// request errors are <c>{"detail": "…"}</c> (plus <c>error_type</c> for platform errors, echoed in <c>X-Fal-Error-Type</c>);
/// input errors are 422 with FastAPI/pydantic's <c>{"detail": [{loc, msg, type, …}]}</c>.
/// </summary>
internal sealed class FalErrorException(int status, JsonObject body, IReadOnlyDictionary<string, string>? headers = null)
    : Exception(body["detail"] is JsonValue detail ? detail.GetValue<string>() : body.ToJsonString())
{
    public int Status { get; } = status;

    public JsonObject Body { get; } = body;

    public IReadOnlyDictionary<string, string>? Headers { get; } = headers;

    public JsonResult ToResult() => new(Status, Body, Headers);

    /// <summary>A request error: <c>{"detail": message}</c>, with <c>error_type</c> and its header when given.</summary>
    public static FalErrorException Detail(int status, string message, string? errorType = null, bool? retryable = null)
    {
        var body = new JsonObject { ["detail"] = message };
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (errorType is not null)
        {
            body["error_type"] = errorType;
            headers["x-fal-error-type"] = errorType;
        }

        if (retryable is { } r)
        {
            headers["x-fal-retryable"] = r ? "true" : "false";
        }

        return new FalErrorException(status, body, headers.Count > 0 ? headers : null);
    }

    /// <summary>422 with the given pydantic-style error objects.</summary>
    public static FalErrorException Validation(IEnumerable<JsonObject> errors) =>
        new(422, new JsonObject { ["detail"] = new JsonArray([.. errors]) }, new Dictionary<string, string> { ["x-fal-retryable"] = "false" });

    /// <summary>One input error on <c>body.field</c> (more path parts may follow).</summary>
    public static FalErrorException Field(string type, string message, params object[] location) =>
        Validation([Error(type, message, location)]);

    /// <summary>A pydantic error object <c>{loc, msg, type, url[, input][, ctx]}</c>; the location starts with <c>body</c>.</summary>
    public static JsonObject Error(string type, string message, object[] location, JsonNode? input = null, JsonObject? context = null)
    {
        var loc = new JsonArray { "body" };
        foreach (var part in location)
        {
            loc.Add(part switch
            {
                int i => JsonValue.Create(i),
                _ => JsonValue.Create(part.ToString()),
            });
        }

        var error = new JsonObject
        {
            ["loc"] = loc,
            ["msg"] = message,
            ["type"] = type,
            ["url"] = "https://docs.fal.ai/errors#" + type,
        };
        if (input is not null)
        {
            error["input"] = input.DeepClone();
        }

        if (context is not null)
        {
            error["ctx"] = context;
        }

        return error;
    }
}
