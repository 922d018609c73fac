namespace Reel.Engine.Providers;

/// <summary>A provider that can also submit many generations as one asynchronous batch (<c>reel run --batch</c>).</summary>
public interface IBatchVideoProvider : IVideoProvider
{
    /// <summary>
    /// Submits <see cref="GenerateRequest"/>s as one batch (anything else is an <see cref="ArgumentException"/>), waits for it to finish and returns one
    /// <see cref="JobStatus"/> per request, in request order. Equivalent to <see cref="StartBatchAsync"/>
    /// followed by <see cref="CompleteBatchAsync"/>.
    /// </summary>
    Task<IReadOnlyList<JobStatus>> SubmitBatchAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Uploads the batch input and creates the batch (<see cref="UploadBatchAsync"/>, then <see cref="CreateBatchAsync"/>);
    /// returns the batch id.
    /// </summary>
    Task<string> StartBatchAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Uploads the input of a batch of <see cref="GenerateRequest"/>s and returns its id. An upload costs nothing: one
    /// whose answer is lost may simply be sent again.
    /// </summary>
    Task<string> UploadBatchAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the batch from an uploaded input, sent exactly once: when the answer is lost the exception is
    /// <see cref="ProviderException.Unanswered"/>, because the batch may exist (find it with <see cref="FindBatchAsync"/>).
    /// </summary>
    Task<string> CreateBatchAsync(string inputId, CancellationToken cancellationToken = default);

    /// <summary>The id of the batch created from input <paramref name="inputId"/>, if there is one (reconciliation).</summary>
    Task<string?> FindBatchAsync(string inputId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for batch <paramref name="batchId"/> to end and maps its output to one <see cref="JobStatus"/> per
    /// request, in request order (matched by step id). A request without a created job gets a
    /// <see cref="JobState.Failed"/> status with an empty <see cref="JobStatus.JobId"/>.
    /// </summary>
    Task<IReadOnlyList<JobStatus>> CompleteBatchAsync(string batchId, IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default);
}
