using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// Keeps the lock as steps finish. Each change is written to the lock file behind the step, by one writer that
/// coalesces: while a write (and its flush to disk) is in flight, later changes wait and go out together in the next
/// one. A finished step does not wait for the disk, and the run waits for the last write at its end
/// (<see cref="FlushAsync"/>). A run killed between a step's journalled success and the write that carries it loses
/// nothing: the journal holds the job, so the next run takes it back at no cost (<c>reused</c>) and locks it then.
/// </summary>
internal sealed class LockRecorder(string lockPath, ScriptLock initial, TimeProvider time)
{
    private readonly Lock _gate = new();
    private ScriptLock _lock = initial;
    private long _changes;
    private long _written;
    private bool _writing;
    private Task _writer = Task.CompletedTask;
    private Exception? _failure;

    /// <summary>The lock file written.</summary>
    public string Path => lockPath;

    /// <summary>The lock as it stands now.</summary>
    public ScriptLock Current
    {
        get
        {
            lock (_gate)
            {
                return _lock;
            }
        }
    }

    /// <summary>How many earlier outputs of a re-rolled step the lock keeps.</summary>
    private const int PreviousKept = 10;

    /// <summary>The key each step recorded by this run has, so its thumbnail and spritesheet join that very entry.</summary>
    private readonly Dictionary<string, string> _recordedKeys = new(StringComparer.Ordinal);

    /// <param name="price">What the step's job cost when it was created (also when this run reused it).</param>
    /// <param name="profile">The profile the run is under, when the script has profiles.</param>
    public void Record(PlannedStep step, StepResult result, long? seed, decimal price, string? profile)
    {
        var r = step.Request;
        var (model, seconds, size) = Kind(r);
        var entry = new LockEntry(
            step.Id, step.Key, r.Provider, model, result.Job, result.Output, result.Thumbnail, result.Spritesheet,
            seconds, size, price, time.GetUtcNow(), result.Character, seed, StepFacts.LockedPrompt(r),
            r.Inputs.IsEmpty ? null : string.Join(',', r.Inputs.Select(i => $"{i.Role}:{i.Sha256}")),
            step.Roll, Profile: profile);
        lock (_gate)
        {
            // The result this one replaces: the same profile, provider, model and size (another roll, or the same step rendered again).
            var before = _lock.AllForStep(step.Id).FirstOrDefault(e => ScriptLock.SameKind(e, entry));
            entry = entry with { Previous = Previous(before, entry) };
            _lock = _lock.With(entry);
            _recordedKeys[entry.Step] = entry.Key;
            Changed();
        }
    }

    /// <summary>The model, seconds and size a request's lock entry records.</summary>
    internal static (string? Model, int? Seconds, string? Size) Kind(StepRequest r) => r switch
    {
        ClipStep clip => (clip.Model, clip.TotalSeconds, clip.Size.ToString()),
        CharacterStep character => (character.Model, null, null),
        CutStep cut => (null, cut.TotalSeconds, cut.Size.ToString()),
        _ => throw new ArgumentOutOfRangeException(nameof(r), r.Kind, "unknown step kind"),
    };

    /// <summary>Adds a step's thumbnail and spritesheet, fetched after its entry was written, to that entry.</summary>
    public void AddExtras(string stepId, string? thumbnail, string? spritesheet)
    {
        lock (_gate)
        {
            if (_recordedKeys.TryGetValue(stepId, out var key) && _lock.ForStep(stepId, key) is { } entry)
            {
                _lock = _lock.With(entry with { Thumbnail = thumbnail ?? entry.Thumbnail, Spritesheet = spritesheet ?? entry.Spritesheet });
                Changed();
            }
        }
    }

    /// <summary>
    /// Waits until the lock file holds every change made so far; throws what a write failed with (a full disk).
    /// </summary>
    public async Task FlushAsync()
    {
        while (true)
        {
            Task writer;
            lock (_gate)
            {
                if (_failure is { } failure)
                {
                    _failure = null;
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                }

                if (!_writing)
                {
                    return;
                }

                writer = _writer;
            }

            await writer.ConfigureAwait(false);
        }
    }

    /// <summary>Called under the gate after each change: starts the writer unless one is running (it picks this change up).</summary>
    private void Changed()
    {
        _changes++;
        if (!_writing)
        {
            _writing = true;
            _writer = Task.Run(WriteUntilCurrent);
        }
    }

    private void WriteUntilCurrent()
    {
        while (true)
        {
            ScriptLock snapshot;
            long changes;
            lock (_gate)
            {
                if (_written == _changes)
                {
                    _writing = false;
                    return;
                }

                (snapshot, changes) = (_lock, _changes);
            }

            try
            {
                LockFile.Write(lockPath, snapshot);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                lock (_gate)
                {
                    // Kept for FlushAsync; the next change tries again.
                    (_failure, _writing) = (ex, false);
                }

                return;
            }

            lock (_gate)
            {
                _written = changes;
            }
        }
    }

    /// <summary>A re-roll keeps the outputs of the rolls before it, newest first, so an earlier take can be picked up again.</summary>
    private static string? Previous(LockEntry? before, LockEntry now)
    {
        if (before is null || now.Roll == 0)
        {
            return null;
        }

        var earlier = new[] { before.Output }.Concat(before.Previous?.Split(',') ?? [])
            .Where(o => !string.IsNullOrEmpty(o) && o != now.Output)
            .Distinct(StringComparer.Ordinal)
            .Take(PreviousKept)
            .ToList();
        return earlier.Count == 0 ? null : string.Join(',', earlier);
    }
}
