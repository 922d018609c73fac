using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;

namespace Reel.Emulator.Google;

internal sealed partial class VeoApi
{
    /// <summary>Longest clip Gemini extends: 8 s plus 19 extensions of 7 s.</summary>
    public const int GeminiMaxSourceSeconds = 141;

    /// <summary><c>POST /v1beta/models/{model}:predictLongRunning</c> → <c>{name: "models/{model}/operations/{id}"}</c>.</summary>
    public JsonResult GeminiPredict(string model, JsonObject body)
    {
        var found = VeoModel.Find(VeoSurface.Gemini, model) ?? throw GoogleErrorException.NotFound(
            $"models/{model} is not found for API version v1beta, or is not supported for predictLongRunning. Call ListModels to see the list of available models and their supported methods.");
        var request = VeoRequest.Parse(VeoSurface.Gemini, found, body);
        ExtensionSource? source = request.Video is { Uri: { } uri } ? GeminiSource(uri) : null;
        var operation = Create(VeoSurface.Gemini, $"models/{model}", request, source, body);
        return JsonResult.Ok(new JsonObject { ["name"] = operation.Name });
    }

    /// <summary>
    /// <c>GET /v1beta/models?pageSize=N&amp;pageToken=T</c> (models.list): the Veo models, <c>pageSize</c> (default 50) at
    /// a time; <c>nextPageToken</c> while more remain. Clients call it as the cheapest check of their key.
    /// </summary>
    public static JsonResult GeminiListModels(HttpRequest http)
    {
        var size = 50;
        if (http.Query["pageSize"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) || size < 0))
        {
            throw GoogleErrorException.InvalidArgument($"Invalid value at 'page_size' (TYPE_INT32), \"{text}\"");
        }

        size = size == 0 ? 50 : Math.Min(size, 1000);
        var start = 0;
        if (http.Query["pageToken"].ToString() is { Length: > 0 } token
            && (!int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out start)))
        {
            throw GoogleErrorException.InvalidArgument("Invalid page token.");
        }

        var names = VeoModel.Names(VeoSurface.Gemini).ToList();
        var page = names.Skip(start).Take(size).ToList();
        var result = new JsonObject
        {
            ["models"] = new JsonArray([.. page.Select(name => (JsonNode)new JsonObject
            {
                ["name"] = "models/" + name,
                ["version"] = "1.0",
                ["displayName"] = name,
                ["supportedGenerationMethods"] = new JsonArray("predictLongRunning"),
            })]),
        };
        if (start + page.Count < names.Count)
        {
            result["nextPageToken"] = (start + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return JsonResult.Ok(result);
    }

    /// <summary><c>GET /v1beta/models/{model}/operations/{id}</c>.</summary>
    public JsonResult GeminiOperation(string model, string id, HttpRequest http)
    {
        var name = $"models/{model}/operations/{id}";
        var operation = FindOperation(VeoSurface.Gemini, name)
            ?? throw GoogleErrorException.NotFound($"Operation {name} not found.");
        var now = _jobs.Now;
        var state = operation.Observe(now);
        return JsonResult.Ok(OperationJson(operation, state, () =>
        {
            var result = new JsonObject();
            if (state.Status == "failed")
            {
                result["raiMediaFilteredCount"] = 1;
                result["raiMediaFilteredReasons"] = new JsonArray(FilteredReason);
            }
            else
            {
                var root = $"{http.Scheme}://{http.Host}";
                result["generatedSamples"] = new JsonArray([.. operation.FileIds.Select(file => (JsonNode)new JsonObject
                {
                    ["video"] = new JsonObject { ["uri"] = $"{root}/v1beta/files/{file}:download?alt=media" },
                })]);
            }

            return new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
                ["generateVideoResponse"] = result,
            };
        }));
    }

    /// <summary><c>GET /v1beta/files/{id}:download?alt=media</c>: the MP4, for two days after the operation ended.</summary>
    public async Task<ApiResult> GeminiDownloadAsync(string fileId, CancellationToken cancellationToken)
    {
        var (operation, sample) = FindFile(fileId);
        var job = operation.Samples[sample];
        return new FileResult(await _jobs.Clips.VideoAsync(job, cancellationToken).ConfigureAwait(false), "video/mp4");
    }

    /// <summary>A generated file that exists now: its operation completed and the file hasn't expired.</summary>
    private (VeoOperation Operation, int Sample) FindFile(string fileId)
    {
        (VeoOperation Operation, int Sample) file;
        lock (_gate)
        {
            if (!_files.TryGetValue(fileId, out file))
            {
                throw GoogleErrorException.NotFound($"File files/{fileId} was not found.");
            }
        }

        var now = _jobs.Now;
        var state = file.Operation.Observe(now);
        if (state.Status != "completed")
        {
            throw GoogleErrorException.NotFound($"File files/{fileId} was not found.");
        }

        if (now >= state.ExpiresAt)
        {
            throw GoogleErrorException.NotFound($"File files/{fileId} was not found: generated videos are kept for 2 days, this one expired at {state.ExpiresAt:O}.");
        }

        return file;
    }

    /// <summary>The clip behind <c>instances[0].video.uri</c>: any uri whose path ends in <c>files/{id}[:download]</c> of this emulator.</summary>
    private ExtensionSource GeminiSource(string uri)
    {
        var match = Regex.Match(uri, @"(?:^|/)files/([a-z0-9]+)(?::download)?(?:\?.*)?$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            throw GoogleErrorException.InvalidArgument(
                $"instances[0].video.uri \"{uri}\" is not a video generated by Veo; only videos from earlier generations can be extended.");
        }

        var (operation, sample) = FindFile(match.Groups[1].Value);
        var job = operation.Samples[sample];
        if (job.Seconds > GeminiMaxSourceSeconds)
        {
            throw GoogleErrorException.InvalidArgument(
                $"The input video is {job.Seconds} seconds long; videos up to {GeminiMaxSourceSeconds} seconds can be extended.");
        }

        if (Math.Min(job.Size.Width, job.Size.Height) != 720)
        {
            throw GoogleErrorException.InvalidArgument($"Video extension only supports 720p input videos (the input is {job.Size}).");
        }

        return new ExtensionSource(job, null, job.Seconds, job.Size, job.Extensions);
    }
}
