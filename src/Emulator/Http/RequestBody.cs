using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Reel.Emulator.Http;

/// <summary>An uploaded multipart file.</summary>
internal sealed record UploadedFile(string FileName, string? ContentType, byte[] Bytes);

/// <summary>
/// A request body, JSON or form, as one JSON tree. Form keys use the SDKs' bracket flattening
/// (<c>input_reference[image_url]</c>, <c>video[id]</c>, <c>characters[][id]</c>, <c>characters[0][id]</c>),
/// so validation sees the same shape either way; form values are strings, uploaded files are kept apart.
/// </summary>
internal sealed class RequestBody
{
    private RequestBody(JsonObject fields, Dictionary<string, UploadedFile> files, bool isMultipart)
    {
        Fields = fields;
        Files = files;
        IsMultipart = isMultipart;
    }

    public JsonObject Fields { get; }

    /// <summary>Uploaded files by their top-level field name.</summary>
    public IReadOnlyDictionary<string, UploadedFile> Files { get; }

    public bool IsMultipart { get; }

    public IEnumerable<string> Names => Fields.Select(p => p.Key).Concat(Files.Keys).Distinct(StringComparer.Ordinal);

    public static RequestBody FromJson(JsonObject fields) => new(fields, [], false);

    public static async Task<RequestBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException && ex is not BadHttpRequestException)
            {
                // A truncated or malformed multipart body (a missing boundary, an unterminated part).
                throw new ApiErrorException(400, $"Could not parse the multipart form body: {ex.Message.Trim()}");
            }

            var root = new JsonObject();
            foreach (var key in form.Keys)
            {
                var path = SplitKey(key);
                foreach (var value in form[key])
                {
                    Insert(root, path, 0, JsonValue.Create(value ?? ""));
                }
            }

            var files = new Dictionary<string, UploadedFile>(StringComparer.Ordinal);
            foreach (var file in form.Files)
            {
                using var buffer = new MemoryStream();
                await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                files[SplitKey(file.Name)[0]] = new UploadedFile(file.FileName, file.ContentType, buffer.ToArray());
            }

            return new RequestBody(root, files, true);
        }

        var bytes = await JsonBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            return new RequestBody([], [], false);
        }

        var node = JsonBody.Parse(bytes);
        if (node is not JsonObject obj)
        {
            throw new ApiErrorException(400, "The request body must be a JSON object.");
        }

        return new RequestBody(obj, [], false);
    }

    /// <summary><c>a[b][][c]</c> → <c>a</c>, <c>b</c>, <c>""</c>, <c>c</c>.</summary>
    internal static List<string> SplitKey(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open <= 0 || !key.EndsWith(']'))
        {
            return [key];
        }

        var parts = new List<string> { key[..open] };
        var rest = key[open..];
        while (rest.Length > 0)
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (rest[0] != '[' || close < 0)
            {
                return [key];
            }

            parts.Add(rest[1..close]);
            rest = rest[(close + 1)..];
        }

        return parts;
    }

    private static bool IsIndex(string segment, out int index) =>
        int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < 1000;

    private static JsonNode NewContainer(string nextSegment) =>
        nextSegment.Length == 0 || IsIndex(nextSegment, out _) ? new JsonArray() : new JsonObject();

    private static void Insert(JsonNode container, List<string> path, int i, JsonNode value)
    {
        var segment = path[i];
        var last = i == path.Count - 1;
        switch (container)
        {
            case JsonObject obj:
                if (last)
                {
                    obj[segment] = value;
                    return;
                }

                if (obj[segment] is not (JsonObject or JsonArray))
                {
                    obj[segment] = NewContainer(path[i + 1]);
                }

                Insert(obj[segment]!, path, i + 1, value);
                return;

            case JsonArray array when segment.Length == 0:
                if (last)
                {
                    array.Add(value);
                    return;
                }

                // characters[][id]=a, characters[][id]=b: a key already present on the last element starts a new one.
                var next = path[i + 1];
                if (array.Count == 0 || array[^1] is not JsonObject tail || next.Length == 0 || tail.ContainsKey(next))
                {
                    array.Add(NewContainer(next));
                }

                Insert(array[^1]!, path, i + 1, value);
                return;

            case JsonArray array when IsIndex(segment, out var index):
                while (array.Count <= index)
                {
                    array.Add(null);
                }

                if (last)
                {
                    array[index] = value;
                    return;
                }

                if (array[index] is not (JsonObject or JsonArray))
                {
                    array[index] = NewContainer(path[i + 1]);
                }

                Insert(array[index]!, path, i + 1, value);
                return;

            default:
                throw new ApiErrorException(400, $"Invalid form key '{string.Join("", path.Take(1).Concat(path.Skip(1).Select(p => $"[{p}]")))}'.");
        }
    }
}
