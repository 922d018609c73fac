using Microsoft.Extensions.Logging;

namespace Reel.Engine.Execution;

internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Step}: submitted as job {Job}")]
    public static partial void Submitted(ILogger logger, string step, string job);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{Step}: resuming job {Job} from an earlier run")]
    public static partial void Resuming(ILogger logger, string step, string job);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{Step}: adopted job {Job} found in the provider's recent list")]
    public static partial void Adopted(ILogger logger, string step, string job);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Step}: transient error ({Error}); retrying in {Delay} (attempt {Attempt} of {MaxAttempts})")]
    public static partial void Retrying(ILogger logger, string step, string error, TimeSpan delay, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "{Step}: done ({Sha})")]
    public static partial void Done(ILogger logger, string step, string sha);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "{Step}: failed: {Error}")]
    public static partial void Failed(ILogger logger, string step, string error);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "{Step}: could not fetch the {Variant}: {Error}")]
    public static partial void VariantMissing(ILogger logger, string step, string variant, string error);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "{Step}: re-fetching job {Job} (output missing from store)")]
    public static partial void Refetching(ILogger logger, string step, string job);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "batch {Batch} submitted with {Count} steps")]
    public static partial void BatchStarted(ILogger logger, string batch, int count);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "{Step}: the downloaded clip is damaged ({Problem}); fetching it again")]
    public static partial void ClipDamaged(ILogger logger, string step, string problem);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "downloaded clips are not verified: {Reason}")]
    public static partial void NotVerified(ILogger logger, string reason);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "rate limited: concurrency lowered to {Limit}")]
    public static partial void ConcurrencyLowered(ILogger logger, int limit);

    private static readonly Func<ILogger, string, IDisposable?> s_stepScope = LoggerMessage.DefineScope<string>("step {Step}");

    /// <summary>
    /// A logging scope naming the step whose work follows: the provider requests made for it (retried by the
    /// transport, which knows only the path) are logged inside it, so a retry line can name the step.
    /// </summary>
    public static IDisposable? StepScope(ILogger logger, string step) => s_stepScope(logger, step);
}

internal static partial class Log
{
    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "{Step}: found in the remote {Remote}; downloaded, not paid again")]
    public static partial void RemoteHit(ILogger logger, string step, string remote);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "{Step}: another runner ({Host}) holds it; waiting for its result")]
    public static partial void Waiting(ILogger logger, string step, string host);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "{Step}: the claim of {Host} expired; taken over ({Job})")]
    public static partial void TookOver(ILogger logger, string step, string host, string job);

    [LoggerMessage(EventId = 123, Level = LogLevel.Information, Message = "{Step}: another runner published this step first; its record stands")]
    public static partial void RemoteFirstWriter(ILogger logger, string step);

    [LoggerMessage(EventId = 124, Level = LogLevel.Warning, Message = "{Step}: the claim could not be renewed or released: {Error}")]
    public static partial void LeaseTrouble(ILogger logger, string step, string error);

    [LoggerMessage(EventId = 125, Level = LogLevel.Warning, Message = "{Step}: the claim was taken over by another runner (lease expired)")]
    public static partial void LeaseLost(ILogger logger, string step);

    [LoggerMessage(EventId = 126, Level = LogLevel.Information, Message = "{Step}: adopting job {Job} recorded in the remote claim (paid by the runner that submitted it)")]
    public static partial void AdoptingRemote(ILogger logger, string step, string job);
}
