namespace Reel.Emulator.Http;

/// <summary>What is wrong with a request body that the client sent.</summary>
internal enum BodyProblem
{
    /// <summary>Not JSON (syntax, invalid UTF-8, a lone surrogate, a duplicate key, too deep).</summary>
    MalformedJson,

    /// <summary>A body whose <c>Content-Type</c> is not one the route takes (e.g. <c>text/plain</c> where JSON is expected).</summary>
    UnsupportedMediaType,

    /// <summary>The transfer itself is broken: bad chunking, a truncated or unparseable multipart body.</summary>
    BadFraming,

    /// <summary>The body is larger than the server takes.</summary>
    TooLarge,
}

/// <summary>
/// A client's mistake in a request body, found while reading it. The server answers it in the family's own 4xx shape
/// (<see cref="IApiFamily.BodyError"/>), never as a 500.
/// </summary>
internal sealed class BodyException(int status, BodyProblem problem, string message, long? position = null, string? contentType = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public BodyProblem Problem { get; } = problem;

    /// <summary>For <see cref="BodyProblem.MalformedJson"/>: the byte offset of the problem, when known.</summary>
    public long? Position { get; } = position;

    /// <summary>For <see cref="BodyProblem.UnsupportedMediaType"/>: the media type that was sent.</summary>
    public string? ContentType { get; } = contentType;

    public static BodyException Malformed(string message, long? position = null) => new(400, BodyProblem.MalformedJson, message, position);

    /// <summary>Kestrel's verdict on a body it could not read: 413 when over the size limit, else 400 (bad chunking, a short body).</summary>
    public static BodyException FromTransport(Microsoft.AspNetCore.Http.BadHttpRequestException error) =>
        error.StatusCode == 413
            ? new(413, BodyProblem.TooLarge, $"The request body is larger than the limit of {JsonBody.MaxBodyBytes} bytes.")
            : new(400, BodyProblem.BadFraming, $"The request body could not be read: {error.Message.TrimEnd('.')}.");
}
