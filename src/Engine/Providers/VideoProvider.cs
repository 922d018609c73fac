using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Providers;

/// <summary>The kind of a <see cref="JobRequest"/>, for logs and persisted job files (providers switch on the request's type).</summary>
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

/// <summary>One shot of a multi-shot clip: its rendered prompt and its seconds (the shots' seconds add up to the clip's).</summary>
public sealed record ShotPrompt(string Prompt, int Seconds);

/// <summary>A character travelling as a reference image (<see cref="ProviderCapabilities.CharactersAsImages"/>): its name and a frame of it.</summary>
public sealed record CharacterImage(string Name, string Path);

/// <summary>A provider character passed to a generation: its provider id and the name used in the prompt.</summary>
public sealed record ProviderCharacter(string Id, string Name);

/// <summary>
/// One neutral job request: a <see cref="GenerateRequest"/>, <see cref="ExtendRequest"/>, <see cref="EditRequest"/> or
/// <see cref="CreateCharacterRequest"/>. Providers switch on the type. Paths are absolute; the provider reads the files it needs.
/// </summary>
/// <param name="StepId">The step the job is for (logs, batch lines).</param>
/// <param name="Model">The model, or null for the provider's default.</param>
public abstract record JobRequest(string StepId, string? Model)
{
    /// <summary>The kind of job, for logs and persisted job files.</summary>
    public abstract JobKind Kind { get; }

    /// <summary>
    /// How many times the step was re-rolled (<c>run --force</c>); 0 for its first job. A provider that answers a
    /// repeated request with the job it made before (local) makes a new job for a new roll.
    /// </summary>
    public int Roll { get; init; }

    /// <summary>
    /// The step's checked provider-only options (<c>negative_prompt</c>, <c>generate_audio</c>, …). The neutral ones
    /// travel as typed fields instead: the seed, the last frame and the reference images.
    /// </summary>
    public ImmutableArray<StepOption> Options { get; init; } = [];

    /// <summary>
    /// A key the run derives from the step key and its journalled attempt (<see cref="IdempotencyKeys.For"/>), the same
    /// on every send of one attempt and new for a new attempt. Providers that take a client-chosen id (Kling's
    /// <c>external_task_id</c>) send it, so a job whose submit answer was lost can be found by it
    /// (<see cref="IKeyedVideoProvider"/>). Null when the run sets none (tests, batches).
    /// </summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>A new clip from a prompt, optionally from a first frame (and a last frame), reference images or characters.</summary>
public sealed record GenerateRequest(string StepId, string Prompt, string? Model, VideoSize Size, int Seconds) : JobRequest(StepId, Model)
{
    private readonly ImmutableArray<ProviderCharacter> _characters = [];
    private readonly ImmutableArray<string> _referenceImagePaths = [];
    private readonly ImmutableArray<ShotPrompt> _shots = [];
    private readonly ImmutableArray<CharacterImage> _characterImages = [];

    /// <summary>Characters as images of them, for providers with <see cref="ProviderCapabilities.CharactersAsImages"/>.</summary>
    public ImmutableArray<CharacterImage> CharacterImages
    {
        get => _characterImages;
        init => _characterImages = value.IsDefault ? [] : value;
    }

    public override JobKind Kind => JobKind.Generate;

    /// <summary>
    /// The clip's shots in order (a scene's <c>shots:</c>), for providers with <see cref="ProviderCapabilities.MultiShot"/>;
    /// empty for a single-shot clip, whose only prompt is <see cref="Prompt"/>.
    /// </summary>
    public ImmutableArray<ShotPrompt> Shots
    {
        get => _shots;
        init => _shots = value.IsDefault ? [] : value;
    }

    /// <summary>The first-frame image, already fitted to <see cref="Size"/>.</summary>
    public string? FirstFramePath { get; init; }

    /// <summary>The clip's last frame (needs <see cref="FirstFramePath"/>).</summary>
    public string? LastFramePath { get; init; }

    /// <summary>Images of subjects to keep (asset references); they exclude a first frame.</summary>
    public ImmutableArray<string> ReferenceImagePaths
    {
        get => _referenceImagePaths;
        init => _referenceImagePaths = value.IsDefault ? [] : value;
    }

    /// <summary>Registered characters appearing in the clip.</summary>
    public ImmutableArray<ProviderCharacter> Characters
    {
        get => _characters;
        init => _characters = value.IsDefault ? [] : value;
    }

    /// <summary>The seed to send, for providers that take one (derived from the step key, or the step's <c>options.seed</c>).</summary>
    public long? Seed { get; init; }

    /// <summary>The take number (1-based) when the step has several; 0 otherwise.</summary>
    public int Take { get; init; }
}

/// <summary>
/// More of a finished clip: <see cref="Seconds"/> is the new segment's length. The source is the provider's job
/// <see cref="SourceJobId"/> and, where the provider needs the bytes, the local copy at <see cref="SourceVideoPath"/>.
/// </summary>
public sealed record ExtendRequest(string StepId, string Prompt, string? Model, VideoSize Size, int Seconds, string? SourceJobId = null, string? SourceVideoPath = null)
    : JobRequest(StepId, Model)
{
    public override JobKind Kind => JobKind.Extend;

    /// <inheritdoc cref="GenerateRequest.Seed"/>
    public long? Seed { get; init; }

    /// <inheritdoc cref="GenerateRequest.Take"/>
    public int Take { get; init; }
}

/// <summary>A targeted edit of a finished clip (its job <see cref="SourceJobId"/>, its local copy <see cref="SourceVideoPath"/>).</summary>
public sealed record EditRequest(string StepId, string Prompt, string? Model, VideoSize Size, int Seconds, string? SourceJobId = null, string? SourceVideoPath = null)
    : JobRequest(StepId, Model)
{
    public override JobKind Kind => JobKind.Edit;

    /// <inheritdoc cref="GenerateRequest.Take"/>
    public int Take { get; init; }
}

/// <summary>Registers a character from a clip; the returned job id is the character id.</summary>
/// <param name="StepId">The character step.</param>
/// <param name="Name">The name the character is registered under (blank: the step id).</param>
/// <param name="SourceVideoPath">The clip showing the character (remote providers need it; the local renderer does not).</param>
public sealed record CreateCharacterRequest(string StepId, string Name, string? SourceVideoPath) : JobRequest(StepId, null)
{
    public override JobKind Kind => JobKind.CreateCharacter;
}

/// <summary>A classified provider failure.</summary>
/// <param name="Class">How the failure is handled.</param>
/// <param name="Message">What went wrong, for the user (never holds a secret).</param>
/// <param name="Code">The provider's error code, if it sent one.</param>
/// <param name="Param">The request field the provider blamed, if it named one.</param>
public sealed record ProviderError(ErrorClass Class, string Message, string? Code = null, string? Param = null)
{
    /// <summary>The provider answered 429 (too many requests): set by the transport from the status code, not the text.</summary>
    public bool RateLimited { get; init; }
}

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

/// <summary>
/// A failure talking to a provider, classified (design.md §4). Built only by the factories, which name the class:
/// <see cref="Transient(string, Exception?, bool)"/>, <see cref="Invalid"/>, <see cref="Moderation"/>,
/// <see cref="QuotaOrAuth"/>, or <see cref="From"/> for an error read from the provider.
/// </summary>
public sealed class ProviderException : Exception
{
    private ProviderException(ProviderError error, TimeSpan? retryAfter, Exception? inner)
        : base(error.Message, inner)
    {
        Error = error;
        RetryAfter = retryAfter;
    }

    public ProviderError Error { get; }

    /// <summary>How long the provider asked to wait before trying again (<c>Retry-After</c>), for transient failures.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// The request was sent but no answer came back (timeout, dropped connection): a creating request may have
    /// created a job anyway. A refused connection or an HTTP error answer is not unanswered.
    /// </summary>
    public bool Unanswered { get; private init; }

    public ErrorClass Class => Error.Class;

    /// <summary>The provider answered 429: see <see cref="ProviderError.RateLimited"/>.</summary>
    public bool RateLimited => Error.RateLimited;

    /// <summary>A failure as the provider classified it, with its <c>Retry-After</c> when it sent one.</summary>
    public static ProviderException From(ProviderError error, TimeSpan? retryAfter = null, Exception? inner = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(error, retryAfter, inner);
    }

    /// <summary>429, 5xx, a timeout or a reset: worth trying again. <paramref name="unanswered"/>: see <see cref="Unanswered"/>.</summary>
    public static ProviderException Transient(string message, Exception? inner = null, bool unanswered = false) =>
        new(new ProviderError(ErrorClass.Transient, message), null, inner) { Unanswered = unanswered };

    /// <summary>A request the provider can't serve (a capability gap, a missing file, a Reel bug): never retried.</summary>
    public static ProviderException Invalid(string message, string? code = null, string? param = null, Exception? inner = null) =>
        new(new ProviderError(ErrorClass.Invalid, message, code, param), null, inner);

    /// <summary>Content the provider refused: never retried.</summary>
    public static ProviderException Moderation(string message, string? code = null) =>
        new(new ProviderError(ErrorClass.Moderation, message, code), null, null);

    /// <summary>A missing or refused key, or an exhausted quota: the run stops.</summary>
    public static ProviderException QuotaOrAuth(string message, string? code = null) =>
        new(new ProviderError(ErrorClass.QuotaOrAuth, message, code), null, null);

    /// <summary>The same failure, marked <see cref="Unanswered"/> (a creating request whose answer was lost).</summary>
    public ProviderException AsUnanswered() => new(Error, RetryAfter, InnerException) { Unanswered = true };
}

/// <summary>The neutral provider interface every backend implements (design.md §4).</summary>
public interface IVideoProvider
{
    string Name { get; }

    ProviderCapabilities Capabilities { get; }

    /// <summary>
    /// One cheap authenticated call, so a wrong key or an exhausted quota stops a run before anything is submitted.
    /// Throws a <see cref="ErrorClass.QuotaOrAuth"/> <see cref="ProviderException"/> for a refused key.
    /// </summary>
    Task CheckAccessAsync(CancellationToken cancellationToken = default);

    /// <summary>Submits a job. For a <see cref="CreateCharacterRequest"/> the returned job id is the character id.</summary>
    Task<JobStatus> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default);

    Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams one variant of a finished job into <paramref name="destination"/>. A download cut short is retried
    /// from the start when the destination can seek (it is emptied first); otherwise it throws a transient failure.
    /// </summary>
    Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default);
}

/// <summary>
/// A provider that lists its recent jobs with their prompts, so a submit whose answer was lost can be found again
/// (reconciliation). Only these providers have <see cref="ProviderCapabilities.CanReconcile"/>.
/// </summary>
public interface IListingVideoProvider : IVideoProvider
{
    /// <summary>Jobs created at or after <paramref name="since"/>, newest first, for reconciling after a crash.</summary>
    Task<IReadOnlyList<JobStatus>> ListRecentAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>
/// A provider that finds the job a request created by the request's <see cref="JobRequest.IdempotencyKey"/> (a
/// client-chosen id sent with the submit), so a submit whose answer was lost is adopted instead of paid for twice.
/// Like <see cref="IListingVideoProvider"/>, these providers have <see cref="ProviderCapabilities.CanReconcile"/>.
/// </summary>
public interface IKeyedVideoProvider : IVideoProvider
{
    /// <summary>The job created by a submit of <paramref name="request"/> (same idempotency key), or null when there is none.</summary>
    Task<JobStatus?> FindAsync(JobRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Idempotency keys derived from a step key and its journal attempt.</summary>
public static class IdempotencyKeys
{
    /// <summary>
    /// <c>reel-</c> and 32 hex digits of SHA-256(step key, attempt): stable across a crash (the attempt is journalled
    /// before the submit), new for a new attempt (a failed job, a re-roll), and unique per step across workspaces.
    /// </summary>
    public static string For(string stepKey, long attempt)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepKey);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"reel-attempt:{stepKey}:{attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        return "reel-" + Convert.ToHexStringLower(hash)[..32];
    }
}
