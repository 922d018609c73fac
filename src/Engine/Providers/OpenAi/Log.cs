using Microsoft.Extensions.Logging;

namespace Reel.Engine.Providers.OpenAi;

/// <summary>Log events of the OpenAI provider beyond the shared transport's. Never pass the key or a header to any of these.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "openai batch {BatchId}: {Status}")]
    public static partial void BatchStatus(ILogger logger, string batchId, string status);
}
