using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Storage;

/// <summary>The files Reel keeps beside a script (design.md §6).</summary>
public sealed record Workspace(string ScriptPath)
{
    public string Directory => Path.GetDirectoryName(Path.GetFullPath(ScriptPath))!;

    public string ReelDirectory => Path.Combine(Directory, ".reel");

    public string JournalPath => Path.Combine(ReelDirectory, "state.db");

    public string LockPath => LockFile.PathFor(Path.GetFullPath(ScriptPath));

    public string OutDirectory => Path.Combine(Directory, "out");

    public string LocalProviderDirectory => Path.Combine(ReelDirectory, "local");

    /// <summary>The record of the last complete run (see <see cref="UpToDateStamp"/>).</summary>
    public string StampPath => UpToDateStamp.PathIn(ReelDirectory);

    /// <summary>The store root: <c>REEL_STORE</c> of <paramref name="environment"/> when set, else <see cref="ReelDirectory"/>.</summary>
    public string StoreRoot(IReadOnlyDictionary<string, string?> environment) => ObjectStore.ResolveRoot(ReelDirectory, environment);

    /// <summary>The store, shared when <paramref name="environment"/> sets <c>REEL_STORE</c>.</summary>
    public ObjectStore OpenStore(IReadOnlyDictionary<string, string?> environment) => new(StoreRoot(environment));

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
