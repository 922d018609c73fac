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

    /// <summary>Uploads the batch input and creates the batch; returns the batch id (journal it before waiting).</summary>
    Task<string> StartBatchAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for batch <paramref name="batchId"/> to end and maps its output to one <see cref="JobStatus"/> per
    /// request, in request order (matched by step id). A request without a created job gets a
    /// <see cref="JobState.Failed"/> status with an empty <see cref="JobStatus.JobId"/>.
    /// </summary>
    Task<IReadOnlyList<JobStatus>> CompleteBatchAsync(string batchId, IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default);
}
