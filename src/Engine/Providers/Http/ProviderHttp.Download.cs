using System.Buffers;
using Polly;

namespace Reel.Engine.Providers.Http;

/// <content>Downloads: resumed with HTTP ranges, received and written as a two-stage pipeline.</content>
public sealed partial class ProviderHttp
{
    /// <summary>The size of the chunks a download is received into and written from.</summary>
    private const int DownloadChunk = 1 << 20;

    /// <summary>
    /// Streams a download into <paramref name="destination"/>, retried per <see cref="Retries"/>: a failed connection,
    /// and a short or dropped body too when the destination can seek. A retry resumes with an HTTP <c>Range</c> request
    /// from the bytes already written when the server said it serves ranges (<c>Accept-Ranges: bytes</c>, with its
    /// ETag or Last-Modified as <c>If-Range</c>); otherwise, or when the server answers with the whole body, the
    /// destination is cut back to where it started. Into a destination that can't seek, nothing is retried once bytes
    /// have been written: the short body throws a transient "truncated download".
    /// </summary>
    public async Task DownloadAsync(Func<HttpRequestMessage> make, Stream destination, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var start = destination.CanSeek ? destination.Position : 0;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);

        // What the server said about the body, so that a cut connection resumes where it stopped (HTTP Range) rather
        // than fetching it all again: set once a response says it serves byte ranges, with its validator.
        ResumeToken? resume = null;
        try
        {
            await _idempotent.ExecuteAsync(
                async ctx =>
                {
                    var request = make();
                    var offset = destination.CanSeek ? destination.Length - start : 0;
                    if (offset > 0 && resume is { } r)
                    {
                        destination.Position = start + offset;
                        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, null);
                        if (r.Validator is { } validator)
                        {
                            request.Headers.IfRange = validator;
                        }
                    }
                    else if (offset > 0)
                    {
                        destination.SetLength(start);
                        destination.Position = start;
                        offset = 0;
                    }

                    ctx.Properties.Set(Attempt, (request.Method.Method, request.RequestUri!.AbsolutePath));
                    using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, probe: false, ctx.CancellationToken).ConfigureAwait(false);
                    if (offset > 0 && !Resumes(response, offset, resume!.Value.Total))
                    {
                        // The server sent the whole body (or another one): start again from the beginning.
                        destination.SetLength(start);
                        destination.Position = start;
                    }

                    resume ??= ResumeToken.From(response);
                    await CopyBodyAsync(response, destination, what, ctx, ctx.CancellationToken).ConfigureAwait(false);
                },
                context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>True when <paramref name="response"/> is the rest of the body from <paramref name="offset"/> on (206, matching Content-Range).</summary>
    private static bool Resumes(HttpResponseMessage response, long offset, long? total) =>
        response.StatusCode == System.Net.HttpStatusCode.PartialContent
        && response.Content.Headers.ContentRange is { HasRange: true, From: { } from } range
        && from == offset
        && (total is null || range.Length is null || range.Length == total);

    /// <summary>A response that may be resumed: the server serves byte ranges; its validator (ETag, else Last-Modified) and full length.</summary>
    private readonly record struct ResumeToken(System.Net.Http.Headers.RangeConditionHeaderValue? Validator, long? Total)
    {
        public static ResumeToken? From(HttpResponseMessage response)
        {
            if (response.StatusCode != System.Net.HttpStatusCode.OK || !response.Headers.AcceptRanges.Contains("bytes"))
            {
                return null;
            }

            var validator = response.Headers.ETag is { IsWeak: false } etag ? new System.Net.Http.Headers.RangeConditionHeaderValue(etag)
                : response.Content.Headers.LastModified is { } modified ? new System.Net.Http.Headers.RangeConditionHeaderValue(modified)
                : null;
            return new ResumeToken(validator, response.Content.Headers.ContentLength);
        }
    }

    /// <summary>
    /// Copies a download's body; a short or dropped body throws a transient "truncated download" once every byte that
    /// arrived is in <paramref name="destination"/> (a retry resumes from its length).
    /// </summary>
    private async Task CopyBodyAsync(HttpResponseMessage response, Stream destination, string what, ResilienceContext context, CancellationToken cancellationToken)
    {
        var expected = response.Content.Headers.ContentLength;
        long received = 0;
        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDrop(ex, cancellationToken))
        {
            throw Truncated(what, received, expected, ex);
        }

        // A two-stage pipeline over two pooled chunks: one fills from the socket while the other is written (into the
        // store: hashed and written) on the thread pool, so receiving waits for the disk only when both are full. Large
        // chunks also mean large socket reads (the connection reads straight into a buffer bigger than its own) and
        // few writes.
        var filling = ArrayPool<byte>.Shared.Rent(DownloadChunk);
        var spare = ArrayPool<byte>.Shared.Rent(DownloadChunk);
        var filled = 0;
        var writing = Task.CompletedTask;
        Exception? dropped = null;
        try
        {
            await using (body.ConfigureAwait(false))
            {
                while (true)
                {
                    int n;
                    try
                    {
                        n = await body.ReadAsync(filling.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsDrop(ex, cancellationToken))
                    {
                        dropped = ex;
                        break;
                    }

                    if (n == 0)
                    {
                        break;
                    }

                    received += n;
                    filled += n;
                    if (filled == filling.Length)
                    {
                        await writing.ConfigureAwait(false);
                        writing = WriteBehind(destination, filling, filled, context, cancellationToken);
                        (filling, spare) = (spare, filling);
                        filled = 0;
                    }
                }
            }

            // What arrived is written before a drop is reported: the retry resumes from the destination's length.
            await writing.ConfigureAwait(false);
            if (filled > 0)
            {
                writing = WriteBehind(destination, filling, filled, context, cancellationToken);
                await writing.ConfigureAwait(false);
            }
        }
        finally
        {
            // A chunk goes back to the pool only once no write reads it.
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ArrayPool<byte>.Shared.Return(filling);
            ArrayPool<byte>.Shared.Return(spare);
        }

        if (dropped is not null)
        {
            throw Truncated(what, received, expected, dropped);
        }

        if (expected is { } length && received < length)
        {
            throw Truncated(what, received, expected, null);
        }
    }

    /// <summary>Starts writing <paramref name="count"/> bytes of <paramref name="chunk"/> on the thread pool.</summary>
    private static Task WriteBehind(Stream destination, byte[] chunk, int count, ResilienceContext context, CancellationToken cancellationToken)
    {
        if (!destination.CanSeek)
        {
            context.Properties.Set(Committed, true);
        }

        // Off the receiving thread: the store's writer hashes the chunk before its WriteAsync returns.
        return Task.Run(() => destination.WriteAsync(chunk.AsMemory(0, count), cancellationToken).AsTask(), CancellationToken.None);
    }
}
