using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>The files Reel keeps beside a script (design.md §6).</summary>
public sealed record Workspace(string ScriptPath)
{
    public string Directory => Path.GetDirectoryName(Path.GetFullPath(ScriptPath))!;

    public string ReelDirectory => Path.Combine(Directory, ".reel");

    public string JournalPath => Path.Combine(ReelDirectory, "state.db");

    public string LockPath => LockFile.PathFor(Path.GetFullPath(ScriptPath));

    public string OutDirectory => Path.Combine(Directory, "out");

    public string LocalProviderDirectory => Path.Combine(ReelDirectory, "local");

    public ObjectStore OpenStore() => new(ObjectStore.ResolveRoot(ReelDirectory));

    /// <summary>The store, shared when <paramref name="environment"/> sets <c>REEL_STORE</c>.</summary>
    public ObjectStore OpenStore(IReadOnlyDictionary<string, string?> environment) => new(ObjectStore.ResolveRoot(ReelDirectory, environment));

    /// <summary>Reads the lock; a malformed lock is a diagnostic, not an exception.</summary>
    public ScriptLock? ReadLock(DiagnosticBag diagnostics) => ReadLock(diagnostics, Environment.CurrentDirectory);

    /// <summary>Reads the lock; a malformed lock is a diagnostic naming the file relative to <paramref name="baseDirectory"/>.</summary>
    public ScriptLock? ReadLock(DiagnosticBag diagnostics, string baseDirectory)
    {
        try
        {
            return LockFile.Read(LockPath);
        }
        catch (LockFileException ex)
        {
            var location = ex.Location with { File = Path.GetRelativePath(baseDirectory, ex.Location.File) };
            diagnostics.Report(DiagnosticCodes.InvalidLock, $"the lock file is not valid: {ex.Reason}; fix it or delete it to plan from scratch", location);
            return null;
        }
    }
}

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
