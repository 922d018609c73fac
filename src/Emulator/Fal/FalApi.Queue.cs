using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;

namespace Reel.Emulator.Fal;

/// <summary>Status, result and cancel, under <c>/{owner}/{alias}/requests/{id}</c> (the endpoint's sub-path dropped).</summary>
internal sealed partial class FalApi
{
    private static Dictionary<string, string> RequestIdHeader(FalRequest request) => new() { ["x-fal-request-id"] = request.Id };

    /// <summary>
    /// The queue status object: <c>status, request_id, response_url, status_url, cancel_url, logs</c>, plus
    /// <c>queue_position</c> while queued, <c>metrics</c> once completed, and <c>error</c>/<c>error_type</c> for a
    /// request that completed without a result.
    /// </summary>
    private JsonObject QueueJson(FalRequest request, DateTimeOffset now, string root, bool logs)
    {
        var state = request.Observe(now);
        var url = $"{root}/{request.Endpoint.App}/requests/{request.Id}";
        var json = new JsonObject
        {
            ["status"] = state.Status,
            ["request_id"] = request.Id,
            ["response_url"] = url,
            ["status_url"] = url + "/status",
            ["cancel_url"] = url + "/cancel",
            ["logs"] = logs ? Logs(request, state) : null,
        };
        if (state.Status == "IN_QUEUE")
        {
            json["queue_position"] = QueuePosition(request, now);
        }

        if (state.IsCompleted)
        {
            json["metrics"] = new JsonObject
            {
                ["inference_time"] = state.StartedAt is { } s && state.CompletedAt is { } c && c > s ? Math.Round((c - s).TotalSeconds, 3) : null,
            };
        }

        if (state.Failure is { } failure)
        {
            json["error"] = failure.Message;
            json["error_type"] = failure.Type;
        }

        return json;
    }

    /// <summary>How many requests submitted earlier are still waiting in the queue.</summary>
    private int QueuePosition(FalRequest request, DateTimeOffset now)
    {
        lock (_gate)
        {
            return _requests.Values.Count(r => r.Sequence < request.Sequence && r.Observe(now).Status == "IN_QUEUE");
        }
    }

    private static JsonArray Logs(FalRequest request, FalState state)
    {
        var logs = new JsonArray();
        if (state.StartedAt is { } started)
        {
            logs.Add(Log(started, "INFO", $"Generating with {request.Endpoint.Id}"));
        }

        if (state.CompletedAt is { } completed)
        {
            logs.Add(state.Failure is { } failure
                ? Log(completed, "ERROR", failure.Message)
                : Log(completed, "INFO", request.Character is null ? "Video generated" : "Character created"));
        }

        return logs;
    }

    private static JsonObject Log(DateTimeOffset at, string level, string message) => new()
    {
        ["message"] = message,
        ["level"] = level,
        ["source"] = "USER",
        ["timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
    };

    /// <summary><c>GET …/status[?logs=1]</c>: 202 while queued or running, 200 once completed.</summary>
    private JsonResult Status(HttpContext context, string app, string id)
    {
        var request = Find(app, id);
        var logs = context.Request.Query["logs"].ToString() is "1" or "true" or "True";
        var json = QueueJson(request, _jobs.Now, BaseUrl(context), logs);
        var completed = json["status"]!.GetValue<string>() == "COMPLETED";
        return new JsonResult(completed ? 200 : 202, json, RequestIdHeader(request));
    }

    /// <summary><c>GET …/requests/{id}</c>: the output once completed; 400 before; the failure's error after a failure or a cancel.</summary>
    private async Task<ApiResult> ResultAsync(HttpContext context, string app, string id, CancellationToken cancellationToken)
    {
        var request = Find(app, id);
        var state = request.Observe(_jobs.Now);
        if (!state.IsCompleted)
        {
            throw FalErrorException.Detail(400, "Request is still in progress");
        }

        if (state.Failure == FalState.Blocked)
        {
            throw FalErrorException.Validation([FalErrorException.Error(
                "content_policy_violation", state.Failure.Message, ["prompt"], JsonValue.Create(request.Job.Prompt))]);
        }

        if (state.Failure is { } failure)
        {
            throw FalErrorException.Detail(499, failure.Message, failure.Type, retryable: false);
        }

        if (request.Character is { } character)
        {
            return JsonResult.Ok(character.ToJson(), RequestIdHeader(request));
        }

        var output = request.Output!;
        var path = await _jobs.Clips.VideoAsync(request.Job, cancellationToken).ConfigureAwait(false);
        var result = new JsonObject
        {
            ["video"] = new JsonObject
            {
                ["url"] = BaseUrl(context) + output.RelativeUrl,
                ["content_type"] = output.ContentType,
                ["file_name"] = output.FileName,
                ["file_size"] = new FileInfo(path).Length,
            },
        };
        if (request.Seed is { } seed)
        {
            result["seed"] = seed;
        }

        if (request.VideoId is { } videoId)
        {
            result["video_id"] = videoId;
        }

        return JsonResult.Ok(result, RequestIdHeader(request));
    }

    /// <summary><c>PUT …/cancel</c>: 202 <c>CANCELLATION_REQUESTED</c> (the request then ends at once as cancelled), 400 <c>ALREADY_COMPLETED</c>.</summary>
    private JsonResult Cancel(string app, string id)
    {
        var request = Find(app, id);
        lock (_gate)
        {
            var now = _jobs.Now;
            if (request.Observe(now).IsCompleted)
            {
                return new JsonResult(400, new JsonObject { ["status"] = "ALREADY_COMPLETED" }, RequestIdHeader(request));
            }

            request.CancelledAt = now;
        }

        return new JsonResult(202, new JsonObject { ["status"] = "CANCELLATION_REQUESTED" }, RequestIdHeader(request));
    }
}
