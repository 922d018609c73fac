using Microsoft.Extensions.Logging;

namespace Reel.Engine.Providers.OpenAi;

/// <summary>Log events of the OpenAI provider. Never pass the key or a header to any of these.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "openai {Method} {Path}")]
    public static partial void Request(ILogger logger, string method, string path);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "openai {Method} {Path} failed ({ErrorClass}, HTTP {Status}, request {RequestId}): {Message}")]
    public static partial void RequestFailed(ILogger logger, string method, string path, ErrorClass errorClass, int status, string? requestId, string message);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "openai {Method} {Path}: transient failure on attempt {Attempt}, retrying in {Delay}")]
    public static partial void Retrying(ILogger logger, string method, string path, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "openai submitted {Kind} for step {StepId}: job {JobId}")]
    public static partial void Submitted(ILogger logger, JobKind kind, string stepId, string jobId);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "openai download of {JobId} truncated: got {Received} of {Expected} bytes")]
    public static partial void Truncated(ILogger logger, string jobId, long received, string expected);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "openai batch {BatchId}: {Status}")]
    public static partial void BatchStatus(ILogger logger, string batchId, string status);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "openai job {JobId} has unknown status '{Status}'; treated as running")]
    public static partial void UnknownStatus(ILogger logger, string jobId, string status);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Debug, Message = "openai {Kind} for step {StepId} ignores {What} (not supported by the API)")]
    public static partial void Ignored(ILogger logger, JobKind kind, string stepId, string what);
}
