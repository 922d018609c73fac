using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace Reel.Engine.Storage.Remote;

/// <summary>
/// Every S3 call goes through <see cref="CallAsync"/>: the SDK itself never retries (<c>MaxErrorRetry = 0</c>); a transient
/// failure (5xx, 429, a slow-down, a dropped or refused connection, a timeout) is tried again on the provider calls' policy,
/// handed in as a <see cref="RemoteRetry"/> (the same backoff curve and the same number of requests at most).
/// </summary>
public sealed partial class RemoteStore
{
    /// <summary>
    /// One S3 call, retried while it fails transiently: 404, 409 and 412 become <see cref="ConditionFailedException"/> (answers,
    /// not failures); anything else, or a transient failure the retries did not cure, becomes a <see cref="RemoteStoreException"/>
    /// naming the remote, with credentials redacted. <paramref name="call"/> builds its request anew on every attempt.
    /// </summary>
    private async Task<T> CallAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CallOnceAsync(what, call).ConfigureAwait(false);
            }
            catch (TransientRemoteException ex)
            {
                if (attempt >= _retries.MaxAttempts || cancellationToken.IsCancellationRequested)
                {
                    throw new RemoteStoreException(ex.Message + $" after {attempt} attempts", ex);
                }

                await Task.Delay(_retries.Backoff(attempt), _retries.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<T> CallOnceAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict
            && ex.ErrorCode is not "NoSuchBucket")
        {
            throw new ConditionFailedException(ex.StatusCode);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw new RemoteStoreException($"the remote {Settings.Url} refused the credentials ({what}: {(int)ex.StatusCode} {Redact(ex.ErrorCode)}); check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
        }
        catch (AmazonServiceException ex) when (IsTransient(ex))
        {
            var status = ex.StatusCode == 0 ? "" : $"{(int)ex.StatusCode} ";
            throw new TransientRemoteException($"the remote {Settings.Url} failed ({what}: {status}{Redact(ex.ErrorCode ?? "")} {Redact(ex.Message)}".TrimEnd() + ")", ex);
        }
        catch (AmazonServiceException ex)
        {
            var status = ex.StatusCode == 0 ? "" : $"{(int)ex.StatusCode} ";
            throw new RemoteStoreException($"the remote {Settings.Url} failed ({what}: {status}{Redact(ex.ErrorCode ?? "")} {Redact(ex.Message)}".TrimEnd() + ")", ex);
        }
        catch (AmazonClientException ex) when (IsNetwork(ex.InnerException))
        {
            throw new TransientRemoteException($"the remote {Settings.Url} could not be reached ({what}: {Redact(ex.Message)})", null);
        }
        catch (AmazonClientException ex)
        {
            throw new RemoteStoreException($"the remote {Settings.Url} could not be reached ({what}: {Redact(ex.Message)})");
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException || (ex is IOException && ex is not RemoteStoreException and not InvalidDataException))
        {
            throw new TransientRemoteException($"the remote {Settings.Url} could not be reached ({what}: {Redact(ex.Message)})", null);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new TransientRemoteException($"the remote {Settings.Url} did not answer in time ({what})", null);
        }
    }

    /// <summary>A 5xx, a 429 or a slow-down (S3 answers those to be asked again), or a connection the SDK wrapped.</summary>
    private static bool IsTransient(AmazonServiceException ex) =>
        (int)ex.StatusCode >= 500
        || ex.StatusCode == HttpStatusCode.TooManyRequests
        || ex.ErrorCode is "SlowDown" or "RequestTimeout" or "Throttling" or "ThrottlingException" or "RequestTimeTooSkewed"
        || (ex.StatusCode == 0 && IsNetwork(ex.InnerException));

    private static bool IsNetwork(Exception? ex) =>
        ex is HttpRequestException or SocketException or TimeoutException || (ex is IOException && ex is not RemoteStoreException)
        || (ex is not null && IsNetwork(ex.InnerException));

    private string Redact(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>A failure worth another attempt; after the last one it stands as the <see cref="RemoteStoreException"/> it is.</summary>
    private sealed class TransientRemoteException(string message, Exception? inner) : IOException(message, inner);
}
