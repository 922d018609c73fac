using Microsoft.Extensions.Logging;
using Reel.Engine.Storage;
using Reel.Engine.Storage.Remote;

namespace Reel.Engine.Projects;

/// <summary>What <c>reel push</c> or <c>reel pull</c> did, or why it could not.</summary>
/// <param name="Error">Why nothing was copied (no remote, a bad one, the remote refused); null when it ran.</param>
public sealed record RemoteSyncOutcome(PlanOutcome? Planned, string? Remote, SyncResult? Result, string? Error);

public sealed partial class Project
{
    /// <summary>Uploads the objects the script's lock names to the remote (<c>reel push</c>).</summary>
    public Task<RemoteSyncOutcome> PushAsync(CancellationToken cancellationToken = default) =>
        SyncAsync(push: true, cancellationToken);

    /// <summary>Downloads the objects the script's lock names from the remote, each verified (<c>reel pull</c>).</summary>
    public Task<RemoteSyncOutcome> PullAsync(CancellationToken cancellationToken = default) =>
        SyncAsync(push: false, cancellationToken);

    private async Task<RemoteSyncOutcome> SyncAsync(bool push, CancellationToken cancellationToken)
    {
        var planned = Plan();
        if (!planned.Succeeded)
        {
            return new RemoteSyncOutcome(planned, null, null, null);
        }

        var (settings, error) = RemoteSettings.Resolve(planned.Plan!.Script.Script.Remote, Host.Environment);
        if (error is not null || settings is null)
        {
            return new RemoteSyncOutcome(planned, null, null, error ?? $"{DisplayPath} names no remote: add `remote: s3://BUCKET/PREFIX` to the script, or set REEL_REMOTE");
        }

        using var remote = OpenRemote(settings, out error);
        if (remote is null)
        {
            return new RemoteSyncOutcome(planned, settings.Url, null, error);
        }

        var store = OpenStore();
        var objects = RemoteSync.Objects(planned.Lock!);
        try
        {
            await remote.CheckAccessAsync(cancellationToken).ConfigureAwait(false);
            var result = push
                ? await RemoteSync.PushAsync(remote, store, objects, cancellationToken).ConfigureAwait(false)
                : await RemoteSync.PullAsync(remote, store, objects, cancellationToken).ConfigureAwait(false);
            return new RemoteSyncOutcome(planned, settings.Url, result, null);
        }
        catch (RemoteStoreException ex)
        {
            return new RemoteSyncOutcome(planned, settings.Url, null, ex.Message);
        }
    }

    private RemoteStore? OpenRemote(RemoteSettings settings, out string? error)
    {
        try
        {
            error = null;
            return RemoteStore.Open(settings, Host.Environment, retries: RemoteRetries());
        }
        catch (RemoteStoreException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>Checks the remote answers (a refused credential stops the run before any paid submit), then pulls locked objects the store lacks.</summary>
    private async Task<(int Pulled, string? Problem)> PullLockedAsync(RemoteStore remote, ScriptLock scriptLock, CancellationToken cancellationToken)
    {
        try
        {
            await remote.CheckAccessAsync(cancellationToken).ConfigureAwait(false);
            var pulled = await RemoteSync.PullAsync(remote, OpenStore(), RemoteSync.Objects(scriptLock), cancellationToken).ConfigureAwait(false);
            return (pulled.Copied, null);
        }
        catch (RemoteStoreException ex)
        {
            return (0, ex.Message + "; nothing was submitted");
        }
    }

    /// <summary>After a run: the lock's objects the remote lacks (cuts, steps made before the remote). A failure here is a warning: the films are made.</summary>
    private async Task PushLockedAsync(RemoteStore remote, ScriptLock scriptLock, CancellationToken cancellationToken)
    {
        try
        {
            await RemoteSync.PushAsync(remote, OpenStore(), RemoteSync.Objects(scriptLock), cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteStoreException ex)
        {
            Host.Loggers.CreateLogger("reel.remote").LogWarning("could not upload the lock's objects to the remote ({Error}); `reel push` tries again", ex.Message);
        }
    }

    /// <summary>The provider calls' retry policy (its curve, jitter and clock) for the remote's transient failures.</summary>
    private RemoteRetry RemoteRetries()
    {
        var retries = new Providers.Http.Retries(Host.Time, Host.Randomizer);
        return new RemoteRetry(retries.Time, retries.Backoff, Providers.Http.Retries.MaxAttempts);
    }
}
