using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Providers;

public enum JobKind
{
    Generate,
    Extend,
    Edit,
    CreateCharacter,
}

public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>How a failure is handled (design.md §4).</summary>
public enum ErrorClass
{
    /// <summary>429, 5xx, timeouts, resets: retry with backoff.</summary>
    Transient,

    /// <summary>Content refused: never retried.</summary>
    Moderation,

    /// <summary>400: a capability gap or a bug: never retried.</summary>
    Invalid,

    /// <summary>401/403/quota: the run stops, nothing else is submitted.</summary>
    QuotaOrAuth,
}

public enum ContentVariant
{
    Video,
    Thumbnail,
    Spritesheet,
}

/// <summary>A provider character passed to a generation: its provider id and the name used in the prompt.</summary>
public sealed record ProviderCharacter(string Id, string Name);

/// <summary>One neutral job request. Paths are absolute; the provider reads the files it needs.</summary>
public sealed record JobRequest(
    JobKind Kind,
    string StepId,
    string Prompt,
    string? Model,
    VideoSize Size,
    int Seconds,
    string? FirstFramePath = null,
    ImmutableArray<ProviderCharacter> Characters = default,
    string? SourceJobId = null,
    string? SourceVideoPath = null,
    string? Name = null,
    int Take = 0)
{
    public ImmutableArray<ProviderCharacter> CharacterList => Characters.IsDefault ? [] : Characters;

    /// <summary>The seed to send, for providers that take one (derived from the step key, or the step's <c>options.seed</c>).</summary>
    public long? Seed { get; init; }

    /// <summary>The step's checked provider options (image options carry absolute paths).</summary>
    public ImmutableArray<StepOption> Options { get; init; } = [];

    /// <summary>The text of a scalar option, or null when the step does not set it.</summary>
    public string? Option(string name) => Options.FirstOrDefault(o => o.Name == name)?.Value;

    /// <summary>The paths of an image option (empty when the step does not set it).</summary>
    public ImmutableArray<string> OptionPaths(string name) => Options.FirstOrDefault(o => o.Name == name)?.Paths ?? [];
}

public sealed record ProviderError(ErrorClass Class, string Message, string? Code = null, string? Param = null);

/// <summary>What a provider says about a job.</summary>
public sealed record JobStatus(
    string JobId,
    JobState State,
    int Progress,
    ProviderError? Error = null,
    TimeSpan? PollAfter = null,
    int? Seconds = null,
    string? Size = null,
    DateTimeOffset? CreatedAt = null,
    string? Prompt = null,
    string? Model = null);

/// <summary>A failure talking to a provider, classified.</summary>
public sealed class ProviderException : Exception
{
    public ProviderException()
        : this(new ProviderError(ErrorClass.Transient, "provider error"))
    {
    }

    public ProviderException(string message)
        : this(new ProviderError(ErrorClass.Transient, message))
    {
    }

    public ProviderException(string message, Exception inner)
        : base(message, inner)
    {
        Error = new ProviderError(ErrorClass.Transient, message);
    }

    public ProviderException(ProviderError error, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(error.Message, inner)
    {
        Error = error;
        RetryAfter = retryAfter;
    }

    public ProviderError Error { get; } = new(ErrorClass.Transient, "provider error");

    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// The request was sent but no answer came back (timeout, dropped connection): a creating request may have
    /// created a job anyway. A refused connection or an HTTP error answer is not unanswered.
    /// </summary>
    public bool Unanswered { get; init; }

    public ErrorClass Class => Error.Class;
}

/// <summary>The neutral provider interface every backend implements (design.md §4).</summary>
public interface IVideoProvider
{
    string Name { get; }

    ProviderCapabilities Capabilities { get; }

    /// <summary>Submits a job. For <see cref="JobKind.CreateCharacter"/> the returned job id is the character id.</summary>
    Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default);

    Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Streams one variant of a finished job into <paramref name="destination"/>.</summary>
    Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>Jobs created at or after <paramref name="since"/>, newest first, for reconciling after a crash.</summary>
    Task<IReadOnlyList<JobStatus>> ListRecentAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}
