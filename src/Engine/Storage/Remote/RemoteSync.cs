namespace Reel.Engine.Storage.Remote;

/// <summary>What a push or a pull moved: objects copied, objects the other side had already, objects neither side has.</summary>
public sealed record SyncResult(int Copied, int Present, IReadOnlyList<string> Missing);

/// <summary>Copies a lock's objects between the local store and the remote (<c>reel push</c>, <c>reel pull</c>, and around a run).</summary>
public static class RemoteSync
{
    /// <summary>Every object a lock names: each step's clip, thumbnail and spritesheet (and the outputs of earlier re-rolls).</summary>
    public static IReadOnlyList<string> Objects(ScriptLock scriptLock)
    {
        ArgumentNullException.ThrowIfNull(scriptLock);
        return [.. scriptLock.Entries
            .SelectMany(e => new[] { e.Output, e.Thumbnail, e.Spritesheet }.Concat(e.Previous?.Split(',') ?? []))
            .Where(ObjectStore.IsSha256)
            .Select(s => s!)
            .Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Uploads the objects the remote lacks.</summary>
    public static async Task<SyncResult> PushAsync(RemoteStore remote, ObjectStore store, IEnumerable<string> objects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(objects);
        int copied = 0, present = 0;
        List<string> missing = [];
        foreach (var sha in objects)
        {
            if (!store.Contains(sha))
            {
                missing.Add(sha);
            }
            else if (await remote.UploadObjectAsync(store, sha, cancellationToken).ConfigureAwait(false))
            {
                copied++;
            }
            else
            {
                present++;
            }
        }

        return new SyncResult(copied, present, missing);
    }

    /// <summary>Downloads the objects the store lacks, each verified against its hash.</summary>
    public static async Task<SyncResult> PullAsync(RemoteStore remote, ObjectStore store, IEnumerable<string> objects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(objects);
        int copied = 0, present = 0;
        List<string> missing = [];
        foreach (var sha in objects)
        {
            if (store.Contains(sha))
            {
                present++;
            }
            else if (await remote.DownloadObjectAsync(store, sha, cancellationToken).ConfigureAwait(false))
            {
                copied++;
            }
            else
            {
                missing.Add(sha);
            }
        }

        return new SyncResult(copied, present, missing);
    }
}
