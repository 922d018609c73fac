using System.Collections.Immutable;
using Reel.Engine.Storage;

namespace Reel.Engine.Planning;

/// <summary>
/// The lock, the journal and the store, as the planner sees them. The journal is read once, on the first
/// question about a job, and never written; a plan whose steps are all locked asks none, so it is not opened.
/// </summary>
/// <param name="profile">The profile the plan is for: a step the lock holds only under other profiles has no prior result
/// in this one (its final has not run yet), so it is <c>new</c>, not "changed" against another profile's clip.</param>
public sealed class LockHistory(ScriptLock scriptLock, ObjectStore store, Func<Journal?> journal, string? profile = null) : IStepHistory
{
    private Dictionary<string, ExistingJob>? _jobs;

    /// <summary>The history of a lock and store with this journal, or none.</summary>
    public LockHistory(ScriptLock scriptLock, ObjectStore store, Journal? journal = null)
        : this(scriptLock, store, () => journal)
    {
    }

    public PriorStep? Find(string stepId, string baseKey)
    {
        var all = scriptLock.AllForStep(stepId);
        // The exact result first; else the step's latest result in this profile (or from before the script had profiles).
        var entry = all.FirstOrDefault(e => e.Key == StepKeys.Rolled(baseKey, e.Roll))
            ?? (profile is null ? scriptLock.ForStep(stepId) : all.Where(e => e.Profile is null || e.Profile == profile).MaxBy(e => e.Created));
        if (entry is null)
        {
            return null;
        }

        var inputs = entry.Inputs is null ? ImmutableArray<string>.Empty : [.. entry.Inputs.Split(',')];
        return new PriorStep(entry.Key, entry.Output, entry.Prompt, inputs, entry.Job, entry.Roll);
    }

    public bool HasObject(string sha256) => ObjectStore.IsSha256(sha256) && store.Contains(sha256);

    public ExistingJob? JobFor(string key)
    {
        _jobs ??= ReadJobs();
        return _jobs.GetValueOrDefault(key);
    }

    /// <summary>By key, the latest attempt whose job a run would pick up: in flight, or finished with its clip in the store.</summary>
    private Dictionary<string, ExistingJob> ReadJobs()
    {
        var jobs = new Dictionary<string, ExistingJob>(StringComparer.Ordinal);
        foreach (var a in journal()?.All() ?? [])
        {
            if (a.JobId is null)
            {
                continue;
            }

            if (!a.IsFinished)
            {
                jobs[a.Key] = new ExistingJob(a.JobId, InFlight: true);
            }
            else if (a.State == JournalState.Succeeded && (a.OutputSha256 is not { } output || !ObjectStore.IsSha256(output) || store.Contains(output)))
            {
                // A character has no clip: its registration is the result.
                jobs[a.Key] = new ExistingJob(a.JobId, InFlight: false);
            }
        }

        return jobs;
    }
}
