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
/// <param name="Profile">The profile the result was made under, when the script has profiles.</param>
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
    string? Previous = null,
    string? Profile = null);

/// <summary>
/// The contents of a lock file: every result a step has had that is worth keeping — one per step key, and of a profile
/// one per provider, model and size (so switching <c>--provider</c> or profile back finds its results cached) — sorted by step id, provider, model
/// and key whatever order they were given in. Equality compares the entries.
/// </summary>
/// <remarks>Not named <c>Lock</c>: that would clash with <see cref="System.Threading.Lock"/>, which implicit usings import everywhere.</remarks>
public sealed record ScriptLock
{
    private readonly ImmutableArray<LockEntry> _entries = [];
    private readonly Dictionary<string, List<LockEntry>> _byStep = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LockEntry> _byKey = new(StringComparer.Ordinal);

    /// <summary>Creates a lock. Entries are sorted by step id, provider, model and key.</summary>
    /// <exception cref="ArgumentException">A step has two entries with one key.</exception>
    public ScriptLock(ImmutableArray<LockEntry> entries)
    {
        Entries = entries;
    }

    /// <summary>A lock with no entries (what a missing lock file reads as).</summary>
    public static ScriptLock Empty { get; } = new([]);

    /// <summary>
    /// The format version the lock was read in (<see cref="LockFile.FormatVersion"/> for a lock made in memory); a run
    /// rewrites a lock read in an older one. Not part of equality.
    /// </summary>
    public int Format { get; init; } = LockFile.FormatVersion;

    /// <summary>The entries, sorted by step id, provider, model and key (ordinal).</summary>
    public ImmutableArray<LockEntry> Entries
    {
        get => _entries;
        init
        {
            var sorted = value.IsDefault ? [] : value.Sort(Order);
            var byStep = new Dictionary<string, List<LockEntry>>(StringComparer.Ordinal);
            var byKey = new Dictionary<string, LockEntry>(StringComparer.Ordinal);
            foreach (var entry in sorted)
            {
                ArgumentNullException.ThrowIfNull(entry, nameof(value));
                var list = byStep.TryGetValue(entry.Step, out var found) ? found : byStep[entry.Step] = [];
                if (list.Any(e => e.Key == entry.Key))
                {
                    throw new ArgumentException($"The lock has two entries for step '{entry.Step}' with one key.", nameof(value));
                }

                list.Add(entry);

                // Identical requests share a key; any of their outputs will do, so the first wins.
                byKey.TryAdd(entry.Key, entry);
            }

            _entries = sorted;
            _byStep = byStep;
            _byKey = byKey;
        }
    }

    /// <summary>The step ids that have entries, sorted.</summary>
    public IEnumerable<string> Steps => _byStep.Keys.Order(StringComparer.Ordinal);

    /// <summary>The latest entry for <paramref name="step"/> (the one made last), or null.</summary>
    public LockEntry? ForStep(string step) =>
        _byStep.TryGetValue(step, out var list) ? list.MaxBy(e => e.Created) : null;

    /// <summary>Every entry of <paramref name="step"/> (one per provider and model), sorted.</summary>
    public IReadOnlyList<LockEntry> AllForStep(string step) => _byStep.TryGetValue(step, out var list) ? list : [];

    /// <summary>The entry of <paramref name="step"/> with <paramref name="key"/>, or null.</summary>
    public LockEntry? ForStep(string step, string key) => AllForStep(step).FirstOrDefault(e => e.Key == key);

    /// <summary>An entry whose key is <paramref name="key"/> (the first by step id), or null.</summary>
    public LockEntry? ForKey(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>
    /// A lock with <paramref name="entry"/> added. It replaces the step's entry with the same key, or the one of the same
    /// profile with the same provider, model and size (a newer result of the same kind: an edited prompt, a re-roll);
    /// entries of other profiles, providers, models and sizes stay (a draft and a final profile, two profiles that differ
    /// only in options, switching <c>--provider</c>).
    /// </summary>
    public ScriptLock With(LockEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var replaced = AllForStep(entry.Step).Where(e => e.Key == entry.Key || SameKind(e, entry)).ToList();
        return new ScriptLock(_entries.RemoveRange(replaced, ReferenceEqualityComparer.Instance).Add(entry));
    }

    /// <summary>A lock without the entries of <paramref name="step"/>.</summary>
    public ScriptLock Without(string step) =>
        _byStep.TryGetValue(step, out var list) ? new ScriptLock(_entries.RemoveRange(list, ReferenceEqualityComparer.Instance)) : this;

    /// <summary>Whether <paramref name="a"/> is an older result of the same kind as <paramref name="b"/>, which <paramref name="b"/> replaces.</summary>
    public static bool SameKind(LockEntry a, LockEntry b) =>
        a.Profile == b.Profile && a.Provider == b.Provider && a.Model == b.Model && a.Size == b.Size;

    private static int Order(LockEntry a, LockEntry b)
    {
        var c = string.CompareOrdinal(a.Step, b.Step);
        c = c != 0 ? c : string.CompareOrdinal(a.Provider, b.Provider);
        c = c != 0 ? c : string.CompareOrdinal(a.Model ?? "", b.Model ?? "");
        return c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
    }

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
