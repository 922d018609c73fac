using System.Collections.Concurrent;

namespace Reel.Engine.Storage;

/// <summary>
/// Folders the store writes in (its own under <c>.reel/</c>, and the exports' under <c>out/</c>) are judged with their
/// links resolved, component by component, before anything is written there: a link anywhere on the way that leads
/// outside the project stops the write with a message naming the folder, and nothing is written outside.
/// </summary>
public sealed partial class ObjectStore
{
    private readonly string? _confinedTo;

    /// <summary>Folders already found inside, so a run's many writes to one folder resolve its links once.</summary>
    private readonly ConcurrentDictionary<string, bool> _inside = new(StringComparer.Ordinal);

    /// <summary>Creates <paramref name="directory"/> of the store, after checking it stays inside the project when the store is confined to one.</summary>
    private void EnsureDirectory(string directory)
    {
        if (_confinedTo is not null)
        {
            CheckWithin(directory, _confinedTo);
        }

        Directory.CreateDirectory(directory);
    }

    /// <exception cref="ProjectStateException"><paramref name="directory"/>, links resolved, is not inside <paramref name="project"/>.</exception>
    private void CheckWithin(string directory, string project)
    {
        if (_inside.ContainsKey(directory))
        {
            return;
        }

        bool within;
        try
        {
            within = ProjectFiles.IsWithin(directory, project);
        }
        catch (IOException ex)
        {
            throw new ProjectStateException($"the folder '{Shown(directory, project)}' cannot be resolved ({ex.Message}); Reel writes only inside the project. Remove the link (or replace it with a directory)", ex);
        }

        if (!within)
        {
            throw new ProjectStateException($"the folder '{Shown(directory, project)}' leads through a link to '{ProjectFiles.ResolveLinks(directory)}', outside the project; Reel writes only inside the project. Remove the link (or replace it with a directory)");
        }

        _inside.TryAdd(directory, true);
    }

    private static string Shown(string directory, string project) =>
        Path.GetRelativePath(project, directory).Replace(Path.DirectorySeparatorChar, '/');
}
