using System.Globalization;

namespace Reel.Engine.Storage;

/// <summary>
/// One run per project at a time: an exclusive OS lock on <c>.reel/run.lock</c>, held for the whole run and
/// released by the OS when the process ends, even under kill -9 (so it is never stale). Who holds it is written
/// beside it in <c>.reel/run.owner</c>, for the message a second run prints while it waits.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _ownerPath;

    private RunLock(FileStream lockStream, string ownerPath)
    {
        _lock = lockStream;
        _ownerPath = ownerPath;
    }

    /// <summary>Takes the lock of the project whose <c>.reel</c> folder is <paramref name="reelDirectory"/>, or returns null when another run holds it.</summary>
    public static RunLock? TryAcquire(string reelDirectory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Directory.CreateDirectory(reelDirectory);
        FileStream stream;
        try
        {
            // On Linux and macOS, FileShare.None is an flock(LOCK_EX) on the open file: another process (or another
            // open in this one) is refused until this stream is closed or the process ends.
            stream = new FileStream(Path.Combine(reelDirectory, "run.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (!File.Exists(reelDirectory))
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var owner = Path.Combine(reelDirectory, "run.owner");
        var started = time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        try
        {
            File.WriteAllText(owner, string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId} on {Environment.MachineName}, started {started} UTC\n"));
        }
        catch (IOException)
        {
            // Only a note for whoever waits (a full disk, say): the lock holds without it, and the journal says what is wrong.
            ObjectStore.TryDelete(owner);
        }

        return new RunLock(stream, owner);
    }

    /// <summary>Who holds the lock, as its owner wrote it (e.g. <c>pid 4242 on studio, started 2026-12-02 10:01:07 UTC</c>), or null.</summary>
    public static string? Holder(string reelDirectory)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(reelDirectory, "run.owner")).Trim();
            return text.Length is > 0 and < 200 ? text : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Who holds the lock of the project whose <c>.reel</c> folder is <paramref name="reelDirectory"/> right now (as
    /// <see cref="Holder"/> says), or null when no run holds it. Creates nothing; an owner note a killed run left
    /// behind names no one.
    /// </summary>
    public static string? HeldBy(string reelDirectory)
    {
        // The note is written once the lock is taken and removed when it is let go: without it nobody holds the lock,
        // and the lock itself is not touched (a run starting now is not made to wait).
        if (!File.Exists(Path.Combine(reelDirectory, "run.owner")))
        {
            return null;
        }

        try
        {
            using var probe = new FileStream(Path.Combine(reelDirectory, "run.lock"), FileMode.Open, FileAccess.Read, FileShare.None);
            return null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        catch (IOException)
        {
            return Holder(reelDirectory) ?? "another reel run";
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_ownerPath);
        }
        catch (IOException)
        {
            // The owner note is only informational.
        }

        _lock.Dispose();
    }
}
