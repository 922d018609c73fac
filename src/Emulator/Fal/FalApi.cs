using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;
using Reel.Emulator.OpenAi;
using Reel.Emulator.Rendering;

namespace Reel.Emulator.Fal;

/// <summary>
/// fal's queue API (providers.md §4) for the Veo 3.1 and Sora 2 endpoints: submit, status, result, cancel, the storage
/// upload the SDK performs, and a public file path standing in for fal's CDN. Jobs are <see cref="VideoJob"/>s, timed and
/// rendered as the OpenAI side's are.
/// </summary>
internal sealed partial class FalApi(JobHost jobs)
{
    /// <summary>How long an output file stays downloadable after the request completed (unless the submit asked otherwise).</summary>
    internal static readonly TimeSpan OutputLifetime = TimeSpan.FromHours(1);

    /// <summary>How long an uploaded file stays downloadable after its PUT (unless the initiate asked otherwise).</summary>
    internal static readonly TimeSpan UploadLifetime = TimeSpan.FromHours(24);

    private readonly JobHost _jobs = jobs;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FalRequest> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FalFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FalRequest> _characters = new(StringComparer.Ordinal);

    public async Task<ApiResult> DispatchAsync(HttpContext context, string[] segments, CancellationToken cancellationToken = default)
    {
        var method = context.Request.Method;
        return (segments, method) switch
        {
            (["fal-cdn", "files", var token, var name], "GET") => await DownloadAsync(token, name, cancellationToken).ConfigureAwait(false),
            (["fal-cdn", "upload", var token], "PUT") => await UploadAsync(context, token, cancellationToken).ConfigureAwait(false),
            (["storage", "upload", "initiate"], "POST") => await InitiateUploadAsync(context, cancellationToken).ConfigureAwait(false),
            ([var owner, var alias, "requests", var id], "GET") => await ResultAsync(context, owner + "/" + alias, id, cancellationToken).ConfigureAwait(false),
            ([var owner, var alias, "requests", var id, "status"], "GET") => Status(context, owner + "/" + alias, id),
            ([var owner, var alias, "requests", var id, "cancel"], "PUT") => Cancel(owner + "/" + alias, id),
            (_, "POST") when FalEndpoint.All.TryGetValue(string.Join('/', segments), out var endpoint) =>
                await SubmitAsync(context, endpoint, cancellationToken).ConfigureAwait(false),
            _ when IsKnownPath(segments) => throw FalErrorException.Detail(405, "Method Not Allowed"),
            (_, "POST") => throw FalErrorException.Detail(404, $"Application '{string.Join('/', segments)}' not found"),
            _ => throw FalErrorException.Detail(404, "Not Found"),
        };
    }

    private static bool IsKnownPath(string[] s) => s switch
    {
        ["fal-cdn", "files", _, _] or ["fal-cdn", "upload", _] or ["storage", "upload", "initiate"] => true,
        [_, _, "requests", _] or [_, _, "requests", _, "status" or "cancel"] => true,
        _ => FalEndpoint.All.ContainsKey(string.Join('/', s)),
    };

    /// <summary>The scheme and authority the client used, e.g. <c>http://127.0.0.1:5000</c>; every URL handed out starts with it.</summary>
    private static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    /// <summary>Reads a JSON object body; FastAPI's 422 when it is missing or not an object (malformed: <see cref="FalFamily.BodyError"/>).</summary>
    private static async Task<JsonObject> ReadJsonAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var bytes = await JsonBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            throw FalErrorException.Validation([FalErrorException.Error("missing", "Field required", [])]);
        }

        var node = JsonBody.Parse(bytes);
        return node as JsonObject ?? throw FalErrorException.Validation([FalErrorException.Error(
            "model_attributes_type", "Input should be a valid dictionary or object to extract fields from", [], node)]);
    }

    /// <summary>
    /// The lifetime a lifecycle header asks for (<c>{"expiration_duration_seconds": N}</c>, as the SDK's <c>storageSettings</c>
    /// and upload <c>lifecycle</c> send it), else <paramref name="fallback"/>.
    /// </summary>
    private static TimeSpan Lifetime(HttpRequest request, string header, TimeSpan fallback)
    {
        var text = request.Headers[header].ToString();
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        try
        {
            return JsonBody.Parse(System.Text.Encoding.UTF8.GetBytes(text)) is JsonObject o && o["expiration_duration_seconds"] is JsonValue v
                && v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() is > 0 and var seconds
                ? TimeSpan.FromSeconds(seconds)
                : fallback;
        }
        catch (BodyException)
        {
            return fallback;
        }
    }

    private FalRequest Find(string app, string id)
    {
        lock (_gate)
        {
            if (_requests.TryGetValue(id, out var request) && request.Endpoint.App == app)
            {
                return request;
            }
        }

        throw FalErrorException.Detail(404, $"Request '{id}' not found");
    }
}
