using Microsoft.Extensions.Logging;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// The second half of a job's life: poll it to the end (the provider's hint, else backing off from 1 s
/// to 15 s), download the clip into the store, check it decodes as ordered, and journal each of these steps;
/// its thumbnail and spritesheet are fetched in the background (<see cref="BackgroundExtras"/>).
/// </summary>
internal sealed class JobCompletion(IVideoProvider provider, Journal journal, ObjectStore store, MediaWorkshop workshop, RunContext run, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan MinPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MinHint = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits for a submitted job, then brings its clip and pictures into the store.</summary>
    public async Task<StepResult> FinishAsync(PlannedStep step, HeldJob job, CancellationToken cancellationToken)
    {
        await WaitAsync(step, job, cancellationToken).ConfigureAwait(false);
        run.SignalJobSucceeded(step.Id, job.JobId);
        run.Emit(step.Id, RunPhase.Downloading, 100);
        var video = await DownloadVerifiedAsync(step, job.JobId, () => StartExtras(step, job, cancellationToken), cancellationToken).ConfigureAwait(false);
        journal.RecordDownloaded(job.Attempt, "video", video);
        var output = video;
        if (step.Request is GenerateStep { LastFrameOf: { } source })
        {
            output = await workshop.JoinAsync([run.Results[source].Output!, video], cancellationToken).ConfigureAwait(false);
        }

        journal.RecordSucceeded(job.Attempt, output, job.Cost);
        return new StepResult(step.Id, job.Reused ? StepOutcome.Reused : StepOutcome.Done, job.JobId, output, null, null, job.Cost);
    }

    /// <summary>
    /// Off the critical path: the steps that need this clip go on while its pictures come. Started once the clip is in
    /// (not before, so they never hold up its download), and while it is checked, so the last step's pictures do not
    /// lengthen the end of the run by a check.
    /// </summary>
    private void StartExtras(PlannedStep step, HeldJob job, CancellationToken cancellationToken)
    {
        if (provider.Capabilities.HasExtras)
        {
            run.Extras.Start(step.Id, ct => FetchExtrasInBackgroundAsync(step, job.JobId, ct), cancellationToken);
        }
    }

    /// <summary>The thumbnail and spritesheet, where the provider makes them; a missing one is a warning, not a failure.</summary>
    public async Task<(string? Thumb, string? Sprite)> FetchExtrasAsync(PlannedStep step, string jobId, CancellationToken cancellationToken)
    {
        string? thumb = null, sprite = null;
        if (!provider.Capabilities.HasExtras)
        {
            return (null, null);
        }

        try
        {
            thumb = await DownloadAsync(jobId, ContentVariant.Thumbnail, cancellationToken).ConfigureAwait(false);
            sprite = await DownloadAsync(jobId, ContentVariant.Spritesheet, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex)
        {
            Log.VariantMissing(logger, step.Id, thumb is null ? "thumbnail" : "spritesheet", ex.Message);
        }

        return (thumb, sprite);
    }

    /// <summary>
    /// <see cref="FetchExtrasAsync"/> off the critical path: the step has already succeeded, so a picture that cannot be
    /// stored (a full disk) is a warning like a missing one, not a failure of the run.
    /// </summary>
    private async Task<(string? Thumb, string? Sprite)> FetchExtrasInBackgroundAsync(PlannedStep step, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            return await FetchExtrasAsync(step, jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.VariantMissing(logger, step.Id, "thumbnail or spritesheet", ex.Message);
            return (null, null);
        }
    }

    /// <summary>Polls until the job succeeds; a failed job is journalled and thrown as its provider error.</summary>
    private async Task WaitAsync(PlannedStep step, HeldJob job, CancellationToken cancellationToken)
    {
        var delay = MinPoll;
        var lastState = "";
        if (run.FirstPoll.TryRemove(job.JobId, out var firstWait))
        {
            // The create response already said when to look first.
            await Task.Delay(TimeSpan.FromTicks(Math.Clamp(firstWait.Ticks, MinHint.Ticks, MaxPoll.Ticks)), time, cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            // The transport retries a failed poll; a transient failure that gets here fails the step.
            var status = run.KnownStatuses.TryRemove(job.JobId, out var known) && known.State is JobState.Succeeded or JobState.Failed
                ? known
                : await provider.GetAsync(job.JobId, cancellationToken).ConfigureAwait(false);

            var state = status.State.ToString().ToLowerInvariant();
            if (state != lastState)
            {
                journal.RecordStatus(job.Attempt, state, status.Progress);
                lastState = state;
            }

            if (status.State == JobState.Succeeded)
            {
                return;
            }

            if (status.State == JobState.Failed)
            {
                var error = status.Error ?? new ProviderError(ErrorClass.Invalid, "the job failed without a reason");
                journal.RecordFailed(job.Attempt, error.Class.ToString(), error.Message);
                throw ProviderException.From(error);
            }

            run.Emit(step.Id, status.State == JobState.Queued ? RunPhase.Queued : RunPhase.Running, status.Progress);
            TimeSpan wait;
            if (status.PollAfter is { } hint)
            {
                // The provider's hint, kept within sane bounds; the fallback backoff only grows when used.
                wait = TimeSpan.FromTicks(Math.Clamp(hint.Ticks, MinHint.Ticks, MaxPoll.Ticks));
            }
            else
            {
                wait = delay;
                delay = TimeSpan.FromTicks(Math.Min(MaxPoll.Ticks, delay.Ticks * 2));
            }

            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Downloads the clip and checks it; a damaged clip is fetched once more, then reported.</summary>
    private async Task<string> DownloadVerifiedAsync(PlannedStep step, string jobId, Action downloaded, CancellationToken cancellationToken)
    {
        var r = (ClipStep)step.Request;
        var expectedSeconds = r.IsLastFrame ? r.Seconds : r.TotalSeconds;
        string? problem = null;
        for (var tries = 1; tries <= 2; tries++)
        {
            var sha = await DownloadAsync(jobId, ContentVariant.Video, cancellationToken).ConfigureAwait(false);
            if (tries == 1)
            {
                downloaded();
            }

            problem = await workshop.VerifyAsync(sha, expectedSeconds, r.Size, cancellationToken).ConfigureAwait(false);
            if (problem is null)
            {
                return sha;
            }

            Log.ClipDamaged(logger, step.Id, problem);
            store.Delete(sha);
        }

        throw ProviderException.Transient($"the downloaded clip of job {jobId} is damaged: {problem}");
    }

    /// <summary>
    /// Streams one variant straight into the store, hashed as it is written (one pass over the bytes, a bounded buffer).
    /// The writer is seekable, so the provider's transport resumes a truncated or dropped download where it stopped.
    /// </summary>
    private async Task<string> DownloadAsync(string jobId, ContentVariant variant, CancellationToken cancellationToken)
    {
        var writer = store.CreateWriter();
        await using (writer.ConfigureAwait(false))
        {
            await provider.DownloadAsync(jobId, variant, writer, cancellationToken).ConfigureAwait(false);
            var stored = await writer.CommitAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return stored.Sha256;
        }
    }
}
