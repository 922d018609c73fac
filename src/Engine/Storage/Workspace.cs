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
    public ObjectStore OpenStore(IReadOnlyDictionary<string, string?> environment)
    {
        // The project's own store writes only inside the project; a shared one is where REEL_STORE says.
        var root = StoreRoot(environment);
        return new(root, confinedTo: Path.GetFullPath(root) == ReelDirectory ? Directory : null);
    }

    /// <summary>
    /// What stops Reel from writing <c>.reel/</c> or <c>out/</c>: a link leading outside the project (<c>Escapes</c>), or
    /// something that is not a folder where the folder belongs (<c>NotFolder</c>); null when the layout is sound. Each
    /// must be a plain directory inside the script's directory once links are resolved, and so must every folder in
    /// them (a cloned repository can hold a link to anywhere, and Reel would write through it). <c>REEL_STORE</c>
    /// names a store outside on purpose and is not judged here.
    /// </summary>
    public (string? Escapes, string? NotFolder) LayoutProblems()
    {
        foreach (var (name, path) in new[] { (".reel", ReelDirectory), ("out", OutDirectory) })
        {
            if (File.Exists(path))
            {
                return (null, $"'{name}' beside the script is a file, not a folder; Reel keeps its {(name == ".reel" ? "journal and store" : "exported clips and report")} there. Move it aside (e.g. `mv {name} {name}.old`) and run again");
            }

            try
            {
                if (!ProjectFiles.IsWithin(path, Directory))
                {
                    return ($"'{name}' beside the script is a link to '{ProjectFiles.ResolveLinks(path)}', outside the project; Reel writes only inside the project. Remove the link (or replace it with a directory)", null);
                }
            }
            catch (IOException ex)
            {
                return ($"'{name}' beside the script cannot be resolved: {ex.Message}", null);
            }

            if (ProjectFiles.FolderLinkOutside(path, Directory) is var (link, target))
            {
                var shown = Path.GetRelativePath(Directory, link).Replace(Path.DirectorySeparatorChar, '/');
                return ($"'{shown}' is a link to '{target}', outside the project; Reel writes only inside the project. Remove the link (or replace it with a directory)", null);
            }
        }

        return (null, null);
    }

    /// <summary>
    /// Removes the temp files a killed Reel left (a lock being replaced beside the script, downloads and media in
    /// the store's <c>tmp/</c>, exports in <c>out/</c>, the local provider's jobs), but only those whose writer is
    /// gone (<see cref="TempFiles"/>): a concurrent run's files stay. Returns how many were removed.
    /// </summary>
    public int RemoveStaleTempFiles(IReadOnlyDictionary<string, string?> environment, DateTimeOffset now)
    {
        var store = OpenStore(environment);
        // Beside the script (the user's tree) and in the machine's temp folder, only the names Reel gives its own files.
        return TempFiles.Sweep(Directory, now, prefix: $".{Path.GetFileName(LockPath)}.")
            + TempFiles.Sweep(ReelDirectory, now)
            + TempFiles.Sweep(LocalProviderDirectory, now, recursive: true)
            + TempFiles.Sweep(store.TempDirectory, now, everyFile: true)
            + TempFiles.Sweep(OutDirectory, now, recursive: true)
            + TempFiles.Sweep(Path.GetTempPath(), now, prefix: "reel-concat-");
    }

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
