using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;

namespace Reel.Emulator.Google;

/// <summary>
/// Veo on the Gemini Developer API, under <c>/v1beta</c> (the version @google/genai 2.x calls): authentication by
/// <c>x-goog-api-key</c> or <c>?key=</c>. A missing key is 403 PERMISSION_DENIED, a wrong one 400 INVALID_ARGUMENT with
/// reason API_KEY_INVALID, as generativelanguage.googleapis.com answers.
/// </summary>
internal sealed class GeminiFamily(VeoApi api) : GoogleFamily
{
    private const string Service = "generativelanguage.googleapis.com";

    public override bool Serves(string[] segments) => segments is ["v1beta", ..];

    public override ApiResult? Authenticate(HttpRequest request, string[] segments, string? apiKey)
    {
        var key = ApiKeyOf(request);
        if (key is null)
        {
            return Error(new GoogleErrorException(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
                GoogleErrorException.ErrorInfo("CONSUMER_INVALID", Service)));
        }

        return CheckKey(key, apiKey, Service);
    }

    public override bool IsContentDownload(string[] segments) => segments is ["v1beta", "files", var file] && file.EndsWith(":download", StringComparison.Ordinal);

    public override bool IsStatusPoll(string method, string[] segments) => method == "GET" && segments is ["v1beta", "models", _, "operations", _];

    protected override async Task<ApiResult> RouteAsync(HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        var request = context.Request;
        switch (segments[1..], request.Method)
        {
            case (["models"], "GET"):
                return VeoApi.GeminiListModels(request);
            case (["models", var target], "POST") when SplitVerb(target) is (var model, "predictLongRunning"):
                return api.GeminiPredict(model, await ReadJsonAsync(request, cancellationToken).ConfigureAwait(false));
            case (["models", var model, "operations", var id], "GET"):
                return api.GeminiOperation(model, id, request);
            case (["files", var target], "GET") when SplitVerb(target) is (var file, "download"):
                return await api.GeminiDownloadAsync(file, cancellationToken).ConfigureAwait(false);
            default:
                throw NoRoute(request);
        }
    }
}
