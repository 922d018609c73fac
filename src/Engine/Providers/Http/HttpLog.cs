using Microsoft.Extensions.Logging;

namespace Reel.Engine.Providers.Http;

/// <summary>Log events of the shared provider transport. Never pass a key, token or header to any of these.</summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "{Provider} {Method} {Path}")]
    public static partial void Request(ILogger logger, string provider, string method, string path);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "{Provider} {Method} {Path} failed ({ErrorClass}, HTTP {Status}, request {RequestId}): {Message}")]
    public static partial void RequestFailed(ILogger logger, string provider, string method, string path, ErrorClass errorClass, int status, string? requestId, string message);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "{Provider} {Method} {Path}: transient failure on attempt {Attempt}, retrying in {Delay}")]
    public static partial void Retrying(ILogger logger, string provider, string method, string path, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "{Provider} submitted {Kind} for step {StepId}: job {JobId}")]
    public static partial void Submitted(ILogger logger, string provider, JobKind kind, string stepId, string jobId);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "{Provider} download of {What} truncated: got {Received} of {Expected} bytes")]
    public static partial void Truncated(ILogger logger, string provider, string what, long received, string expected);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "{Provider} job {JobId} has unknown status '{Status}'; treated as running")]
    public static partial void UnknownStatus(ILogger logger, string provider, string jobId, string status);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Debug, Message = "{Provider} access check {Method} {Path} answered {ErrorClass}, HTTP {Status} (request {RequestId}): {Message}")]
    public static partial void ProbeFailed(ILogger logger, string provider, string method, string path, ErrorClass errorClass, int status, string? requestId, string message);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Debug, Message = "{Provider} access check passed: the key was accepted")]
    public static partial void AccessChecked(ILogger logger, string provider);
}
