using System.Collections.Immutable;

namespace Reel.Engine.Storage;

/// <summary>What one step produced, as recorded in <c>&lt;script&gt;.lock.yaml</c>. Holds no secrets, by design.</summary>
/// <param name="Step">The step id (unique in a lock).</param>
/// <param name="Key">The step's content address (design §5).</param>
/// <param name="Provider">Provider name, e.g. <c>openai</c>.</param>
/// <param name="Model">Provider model, when the provider has models.</param>
/// <param name="Job">The provider's job id.</param>
/// <param name="Output">SHA-256 of the clip in the store.</param>
/// <param name="Thumbnail">SHA-256 of the thumbnail in the store.</param>
/// <param name="Spritesheet">SHA-256 of the spritesheet in the store.</param>
/// <param name="Seconds">Clip duration requested.</param>
/// <param name="Size">Clip size, e.g. <c>1280x720</c>.</param>
/// <param name="Cost">Cost in USD.</param>
/// <param name="Created">When the output was produced.</param>
/// <param name="Character">Provider character id, for character steps.</param>
/// <param name="Seed">Seed used, when the provider reports one.</param>
/// <param name="Prompt">The rendered prompt, so a reviewer sees in the lock's diff what changed and the planner can say why a step reruns.</param>
/// <param name="Inputs">The step's input files as <c>role:sha256</c>, comma-separated.</param>
/// <param name="Roll">How many times <c>run --force</c> re-rolled the step (0: never); part of its key.</param>
/// <param name="Previous">The outputs of earlier rolls, newest first, comma-separated: they stay in the store and can be picked up again.</param>
public sealed record LockEntry(
    string Step,
    string Key,
    string Provider,
    string? Model,
    string? Job,
    string? Output,
    string? Thumbnail,
    string? Spritesheet,
    int? Seconds,
    string? Size,
    decimal Cost,
    DateTimeOffset Created,
    string? Character,
    long? Seed,
    string? Prompt = null,
    string? Inputs = null,
    int Roll = 0,
    string? Previous = null);

/// <summary>
/// The contents of a lock file: one entry per step, kept sorted by step id (ordinal) whatever order
/// they were given in. Equality compares the entries.
/// </summary>
/// <remarks>Not named <c>Lock</c>: that would clash with <see cref="System.Threading.Lock"/>, which implicit usings import everywhere.</remarks>
public sealed record ScriptLock
{
    private readonly ImmutableArray<LockEntry> _entries = [];
    private readonly Dictionary<string, LockEntry> _byStep = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LockEntry> _byKey = new(StringComparer.Ordinal);

    /// <summary>Creates a lock. Entries are sorted by step id.</summary>
    /// <exception cref="ArgumentException">Two entries have the same step id.</exception>
    public ScriptLock(ImmutableArray<LockEntry> entries)
    {
        Entries = entries;
    }

    /// <summary>A lock with no entries (what a missing lock file reads as).</summary>
    public static ScriptLock Empty { get; } = new([]);

    /// <summary>The entries, sorted by step id (ordinal).</summary>
    public ImmutableArray<LockEntry> Entries
    {
        get => _entries;
        init
        {
            var sorted = value.IsDefault ? [] : value.Sort(static (a, b) => string.CompareOrdinal(a.Step, b.Step));
            var byStep = new Dictionary<string, LockEntry>(StringComparer.Ordinal);
            var byKey = new Dictionary<string, LockEntry>(StringComparer.Ordinal);
            foreach (var entry in sorted)
            {
                ArgumentNullException.ThrowIfNull(entry, nameof(value));
                if (!byStep.TryAdd(entry.Step, entry))
                {
                    throw new ArgumentException($"The lock has two entries for step '{entry.Step}'.", nameof(value));
                }

                // Identical requests share a key; any of their outputs will do, so the first wins.
                byKey.TryAdd(entry.Key, entry);
            }

            _entries = sorted;
            _byStep = byStep;
            _byKey = byKey;
        }
    }

    /// <summary>The entry for <paramref name="step"/>, or null.</summary>
    public LockEntry? ForStep(string step) => _byStep.GetValueOrDefault(step);

    /// <summary>An entry whose key is <paramref name="key"/> (the first by step id), or null.</summary>
    public LockEntry? ForKey(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>A lock with <paramref name="entry"/> added, replacing any entry for the same step.</summary>
    public ScriptLock With(LockEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var index = _entries.IndexOf(_byStep.GetValueOrDefault(entry.Step)!, ReferenceEqualityComparer.Instance);
        return new ScriptLock(index >= 0 ? _entries.SetItem(index, entry) : _entries.Add(entry));
    }

    /// <summary>A lock without the entry for <paramref name="step"/>.</summary>
    public ScriptLock Without(string step) =>
        _byStep.TryGetValue(step, out var entry) ? new ScriptLock(_entries.Remove(entry, ReferenceEqualityComparer.Instance)) : this;

    /// <inheritdoc/>
    public bool Equals(ScriptLock? other) =>
        other is not null && (ReferenceEquals(this, other) || _entries.AsSpan().SequenceEqual(other._entries.AsSpan()));

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var entry in _entries)
        {
            hash.Add(entry);
        }

        return hash.ToHashCode();
    }
}
