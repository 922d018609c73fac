using System.Collections.Immutable;
using Reel.Engine.Storage;

namespace Reel.Engine.Planning;

/// <summary>The lock and the store, as the planner sees them.</summary>
public sealed class LockHistory(ScriptLock scriptLock, ObjectStore store) : IStepHistory
{
    public PriorStep? Find(string stepId)
    {
        var entry = scriptLock.ForStep(stepId);
        if (entry is null)
        {
            return null;
        }

        var inputs = entry.Inputs is null ? ImmutableArray<string>.Empty : [.. entry.Inputs.Split(',')];
        return new PriorStep(entry.Key, entry.Output, entry.Prompt, inputs, entry.Job);
    }

    public bool HasObject(string sha256) => ObjectStore.IsSha256(sha256) && store.Contains(sha256);
}
