using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Reel.Emulator.Http;

namespace Reel.Emulator.OpenAi;

internal sealed partial class OpenAiApi
{
    private static readonly string[] Purposes = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];

    // ---------------------------------------------------------------- files

    private JsonResult UploadFile(RequestBody body)
    {
        if (!body.IsMultipart)
        {
            throw new ApiErrorException(400, "Uploading a file requires a multipart/form-data body with 'purpose' and 'file'.");
        }

        VideoFields.RejectUnknown(body, "purpose", "file", "expires_after");
        var purpose = VideoFields.OptionalString(body.Fields, "purpose") ?? throw ApiErrorException.Missing("purpose");
        if (!Purposes.Contains(purpose, StringComparer.Ordinal))
        {
            throw ApiErrorException.InvalidValue("purpose", purpose, Purposes);
        }

        var upload = body.Files.GetValueOrDefault("file") ?? throw ApiErrorException.Missing("file");
        var file = AddFile(upload.FileName, purpose, upload.Bytes);
        return JsonResult.Ok(file.ToJson());
    }

    private StoredFile AddFile(string fileName, string purpose, byte[] bytes)
    {
        var file = new StoredFile(NewFileId(), fileName, purpose, bytes, _jobs.Now);
        lock (_gate)
        {
            _files.Add(file.Id, file);
        }

        return file;
    }

    private JsonResult ListFiles()
    {
        lock (_gate)
        {
            return JsonResult.Ok(new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray([.. _files.Values.OrderByDescending(f => f.CreatedAt).Select(f => (JsonNode)f.ToJson())]),
                ["has_more"] = false,
            });
        }
    }

    private StoredFile FindFile(string id, string param)
    {
        lock (_gate)
        {
            return _files.GetValueOrDefault(id) ?? throw ApiErrorException.NotFound($"No such File object: {id}", param);
        }
    }

    private JsonResult GetFile(string id) => JsonResult.Ok(FindFile(id, "file_id").ToJson());

    private BytesResult FileContent(string id)
    {
        var file = FindFile(id, "file_id");
        return new BytesResult(file.Bytes, file.Purpose.StartsWith("batch", StringComparison.Ordinal) ? "application/jsonl" : "application/octet-stream");
    }

    /// <summary>A file's bytes for a body reference such as <c>input_reference.file_id</c> (a missing file is a 400 there).</summary>
    private byte[] FileBytes(string id, string param)
    {
        lock (_gate)
        {
            return _files.TryGetValue(id, out var file)
                ? file.Bytes
                : throw ApiErrorException.Invalid(param, $"No such File object: {id}", "file_not_found");
        }
    }

    private static string NewFileId() => "file-" + Guid.NewGuid().ToString("N")[..24];

    private sealed record StoredFile(string Id, string FileName, string Purpose, byte[] Bytes, DateTimeOffset CreatedAt)
    {
        public JsonObject ToJson() => new()
        {
            ["id"] = Id,
            ["object"] = "file",
            ["bytes"] = Bytes.Length,
            ["created_at"] = CreatedAt.ToUnixTimeSeconds(),
            ["expires_at"] = null,
            ["filename"] = FileName,
            ["purpose"] = Purpose,
            ["status"] = "processed",
            ["status_details"] = null,
        };
    }

    // ---------------------------------------------------------------- batches

    private JsonResult CreateBatch(RequestBody body)
    {
        if (body.IsMultipart)
        {
            throw new ApiErrorException(400, "Creating a batch requires a JSON body.");
        }

        VideoFields.RejectUnknown(body, "input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after");
        var fields = body.Fields;
        var inputFileId = VideoFields.OptionalString(fields, "input_file_id") ?? throw ApiErrorException.Missing("input_file_id");
        var endpoint = VideoFields.OptionalString(fields, "endpoint") ?? throw ApiErrorException.Missing("endpoint");
        if (endpoint != "/v1/videos")
        {
            throw ApiErrorException.InvalidValue("endpoint", endpoint, ["/v1/videos"]);
        }

        var window = VideoFields.OptionalString(fields, "completion_window") ?? throw ApiErrorException.Missing("completion_window");
        if (window != "24h")
        {
            throw ApiErrorException.InvalidValue("completion_window", window, ["24h"]);
        }

        var input = FindFile(inputFileId, "input_file_id");
        if (input.Purpose != "batch")
        {
            throw ApiErrorException.Invalid("input_file_id", $"File '{inputFileId}' has purpose '{input.Purpose}'; a batch input file needs purpose 'batch'.");
        }

        var now = _jobs.Now;
        var batch = new Batch
        {
            Id = "batch_" + Guid.NewGuid().ToString("N"),
            InputFileId = inputFileId,
            CreatedAt = now,
            ValidatedAt = now + _jobs.DurationOf(1),
            Metadata = fields["metadata"]?.DeepClone(),
        };

        var lines = ParseBatchLines(input.Bytes, batch);
        if (batch.Errors.Count == 0)
        {
            foreach (var (customId, requestBody) in lines)
            {
                try
                {
                    var request = RequestBody.FromJson(requestBody);
                    VideoFields.RejectUnknown(request, "prompt", "model", "seconds", "size", "input_reference", "characters");
                    var job = AddJob("batch", ParseGenerate(request, allowMultipartFile: false), BatchAssetLifetime);
                    batch.Jobs.Add((customId, job));
                }
                catch (ApiErrorException error)
                {
                    batch.Failures.Add(new JsonObject
                    {
                        ["id"] = "batch_req_" + Guid.NewGuid().ToString("N"),
                        ["custom_id"] = customId,
                        ["response"] = new JsonObject { ["status_code"] = error.Status, ["body"] = error.ToJson() },
                        ["error"] = null,
                    });
                }
            }
        }

        batch.Total = lines.Count;
        lock (_gate)
        {
            _batches.Add(batch.Id, batch);
        }

        return JsonResult.Ok(ObserveBatch(batch));
    }

    /// <summary>Checks each JSONL line's envelope; any envelope error fails the whole batch at validation, as OpenAI does.</summary>
    private static List<(string CustomId, JsonObject Body)> ParseBatchLines(byte[] bytes, Batch batch)
    {
        var result = new List<(string, JsonObject)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (text.Length == 0)
            {
                continue;
            }

            void Fail(string code, string message, string? param = null) =>
                batch.Errors.Add(new JsonObject { ["code"] = code, ["message"] = message, ["param"] = param, ["line"] = i + 1 });

            JsonObject? line;
            try
            {
                line = JsonBody.Parse(Encoding.UTF8.GetBytes(text)) as JsonObject;
            }
            catch (BodyException)
            {
                line = null;
            }

            if (line is null)
            {
                Fail("invalid_json_line", "This line is not parseable as valid JSON.");
                continue;
            }

            var customId = line["custom_id"] is JsonValue c && c.GetValueKind() == JsonValueKind.String ? c.GetValue<string>() : null;
            if (customId is null)
            {
                Fail("missing_required_parameter", "Missing required parameter: 'custom_id'.", "custom_id");
                continue;
            }

            if (!seen.Add(customId))
            {
                Fail("duplicate_custom_id", $"The custom_id '{customId}' is used more than once in this batch.", "custom_id");
                continue;
            }

            if (line["method"]?.ToString() != "POST")
            {
                Fail("invalid_method", "Batch requests must use method 'POST'.", "method");
                continue;
            }

            var url = line["url"]?.ToString();
            if (url != "/v1/videos")
            {
                Fail("invalid_url", $"The URL '{url}' does not match the batch endpoint '/v1/videos'.", "url");
                continue;
            }

            if (line["body"] is not JsonObject body)
            {
                Fail("invalid_request", "Each batch request needs a JSON object 'body'; batch requests must use JSON, not multipart.", "body");
                continue;
            }

            result.Add((customId, (JsonObject)body.DeepClone()));
        }

        if (result.Count == 0 && batch.Errors.Count == 0)
        {
            batch.Errors.Add(new JsonObject { ["code"] = "empty_file", ["message"] = "The input file has no requests.", ["param"] = null, ["line"] = null });
        }

        return result;
    }

    /// <summary>GET /v1/batches?limit=&amp;after=: newest first, cursor paging as OpenAI lists do.</summary>
    private JsonResult ListBatches(IQueryCollection query)
    {
        var limit = 20;
        if (query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            throw ApiErrorException.Invalid("limit", $"Invalid 'limit': integer between 1 and 100 expected, got '{limitText}'.");
        }

        List<Batch> all;
        lock (_gate)
        {
            all = [.. _batches.Values.Reverse()];
        }

        var start = 0;
        if (query.TryGetValue("after", out var after) && after.ToString() is { Length: > 0 } afterId)
        {
            var at = all.FindIndex(b => b.Id == afterId);
            start = at < 0 ? all.Count : at + 1;
        }

        var page = all.Skip(start).Take(limit).ToList();
        return JsonResult.Ok(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. page.Select(b => (JsonNode)ObserveBatch(b))]),
            ["first_id"] = page.FirstOrDefault()?.Id,
            ["last_id"] = page.LastOrDefault()?.Id,
            ["has_more"] = start + page.Count < all.Count,
        });
    }

    private JsonResult GetBatch(string id)
    {
        Batch? batch;
        lock (_gate)
        {
            batch = _batches.GetValueOrDefault(id);
        }

        return batch is null
            ? throw ApiErrorException.NotFound($"No batch found with id '{id}'.", "batch_id")
            : JsonResult.Ok(ObserveBatch(batch));
    }

    private JsonObject ObserveBatch(Batch batch)
    {
        var now = _jobs.Now;
        var status = "validating";
        DateTimeOffset? inProgressAt = null, completedAt = null, failedAt = null;
        var states = batch.Jobs.Select(j => j.Job.Observe(now)).ToList();
        var done = states.Count(s => s.IsTerminal);
        if (now >= batch.ValidatedAt)
        {
            if (batch.Errors.Count > 0)
            {
                status = "failed";
                failedAt = batch.ValidatedAt;
            }
            else
            {
                inProgressAt = batch.ValidatedAt;
                status = "in_progress";
                if (done == states.Count)
                {
                    status = "completed";
                    completedAt = states.Select(s => s.CompletedAt!.Value).Append(batch.ValidatedAt).Max();
                    EnsureOutputFiles(batch);
                }
            }
        }

        var validated = now >= batch.ValidatedAt;
        return new JsonObject
        {
            ["id"] = batch.Id,
            ["object"] = "batch",
            ["endpoint"] = "/v1/videos",
            ["errors"] = batch.Errors.Count == 0 || !validated
                ? null
                : new JsonObject { ["object"] = "list", ["data"] = new JsonArray([.. batch.Errors.Select(e => e.DeepClone())]) },
            ["input_file_id"] = batch.InputFileId,
            ["completion_window"] = "24h",
            ["status"] = status,
            ["output_file_id"] = status == "completed" ? batch.OutputFileId : null,
            ["error_file_id"] = status == "completed" ? batch.ErrorFileId : null,
            ["created_at"] = batch.CreatedAt.ToUnixTimeSeconds(),
            ["in_progress_at"] = inProgressAt?.ToUnixTimeSeconds(),
            ["expires_at"] = (batch.CreatedAt + TimeSpan.FromHours(24)).ToUnixTimeSeconds(),
            ["finalizing_at"] = completedAt?.ToUnixTimeSeconds(),
            ["completed_at"] = completedAt?.ToUnixTimeSeconds(),
            ["failed_at"] = failedAt?.ToUnixTimeSeconds(),
            ["expired_at"] = null,
            ["cancelling_at"] = null,
            ["cancelled_at"] = null,
            ["request_counts"] = new JsonObject
            {
                ["total"] = batch.Total,
                ["completed"] = validated ? done : 0,
                ["failed"] = validated ? batch.Failures.Count : 0,
            },
            ["metadata"] = batch.Metadata?.DeepClone(),
        };
    }

    private void EnsureOutputFiles(Batch batch)
    {
        lock (batch.Gate)
        {
            if (batch.OutputWritten)
            {
                return;
            }

            if (batch.Jobs.Count > 0)
            {
                var output = new StringBuilder();
                foreach (var (customId, job) in batch.Jobs)
                {
                    var line = new JsonObject
                    {
                        ["id"] = "batch_req_" + Guid.NewGuid().ToString("N"),
                        ["custom_id"] = customId,
                        ["response"] = new JsonObject { ["status_code"] = 200, ["body"] = job.ToJson(job.EndsAt) },
                        ["error"] = null,
                    };
                    output.Append(line.ToJsonString()).Append('\n');
                }

                batch.OutputFileId = AddFile($"{batch.Id}_output.jsonl", "batch_output", Encoding.UTF8.GetBytes(output.ToString())).Id;
            }

            if (batch.Failures.Count > 0)
            {
                var errors = string.Concat(batch.Failures.Select(f => f.ToJsonString() + "\n"));
                batch.ErrorFileId = AddFile($"{batch.Id}_error.jsonl", "batch_output", Encoding.UTF8.GetBytes(errors)).Id;
            }

            batch.OutputWritten = true;
        }
    }

    private sealed class Batch
    {
        public required string Id { get; init; }

        public required string InputFileId { get; init; }

        public required DateTimeOffset CreatedAt { get; init; }

        public required DateTimeOffset ValidatedAt { get; init; }

        public JsonNode? Metadata { get; init; }

        public int Total { get; set; }

        public List<JsonObject> Errors { get; } = [];

        public List<(string CustomId, VideoJob Job)> Jobs { get; } = [];

        public List<JsonObject> Failures { get; } = [];

        public string? OutputFileId { get; set; }

        public string? ErrorFileId { get; set; }

        public bool OutputWritten { get; set; }

        public Lock Gate { get; } = new();
    }
}
