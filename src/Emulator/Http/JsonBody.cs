using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Reel.Emulator.Http;

/// <summary>
/// Strict reading of a JSON request body, shared by every family: the body must be declared JSON (or carry no
/// <c>Content-Type</c>), be valid UTF-8, hold no lone surrogate escape and no duplicate key. Problems are thrown as
/// <see cref="BodyException"/>s, which each family answers in its own error shape.
/// </summary>
internal static class JsonBody
{
    /// <summary>The largest body the server reads (Kestrel's limit; more is answered 413).</summary>
    public const long MaxBodyBytes = 512L * 1024 * 1024;

    private const int MaxDepth = 64;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the whole body of a request that must be JSON (an empty body is an empty array).</summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        RequireJson(request);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Refuses a body declared as something other than JSON (<c>text/plain</c>, <c>application/xml</c>, …).</summary>
    public static void RequireJson(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrWhiteSpace(type))
        {
            return;
        }

        var media = type.Split(';', 2)[0].Trim();
        if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        throw new BodyException(
            415,
            BodyProblem.UnsupportedMediaType,
            $"Unsupported content type: '{media}'. This route only accepts 'application/json' bodies.",
            contentType: media);
    }

    /// <summary>Parses <paramref name="bytes"/> strictly; throws a <see cref="BodyProblem.MalformedJson"/> <see cref="BodyException"/>.</summary>
    public static JsonNode? Parse(byte[] bytes)
    {
        try
        {
            StrictUtf8.GetCharCount(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw BodyException.Malformed($"The body is not valid UTF-8 (invalid byte at offset {ex.Index}).", ex.Index < 0 ? null : ex.Index);
        }

        Check(bytes);
        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw BodyException.Malformed(ex.Message, ex.BytePositionInLine);
        }
    }

    /// <summary>Walks the tokens: syntax, every string decodable (no lone surrogate), no key twice in one object.</summary>
    private static void Check(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
        var keys = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        keys.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.EndObject:
                        keys.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = Decode(ref reader);
                        if (!keys.Peek().Add(name))
                        {
                            throw BodyException.Malformed($"Duplicate key '{name}' in a JSON object.", reader.TokenStartIndex);
                        }

                        break;
                    case JsonTokenType.String:
                        Decode(ref reader);
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw BodyException.Malformed(ex.Message, ex.BytePositionInLine);
        }
    }

    private static string Decode(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw BodyException.Malformed("A string in the body is not valid Unicode (a lone surrogate escape or invalid UTF-8).", reader.TokenStartIndex);
        }
    }
}
