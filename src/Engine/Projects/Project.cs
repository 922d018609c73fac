using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Projects;

/// <summary>
/// The engine's front door: one storyboard with the files Reel keeps beside it. Open it with the command's
/// options, then compile, plan, run it or ask its status; every command, test and benchmark goes through
/// here, so the stages are wired once (design.md §3).
/// </summary>
public sealed partial class Project
{
    private Project(string fullPath, string displayPath, ProjectOptions options, ProjectHost host)
    {
        DisplayPath = displayPath;
        Options = options;
        Host = host;
        Workspace = new Workspace(fullPath);
    }

    /// <summary>The script's path as the user wrote it (diagnostics and headings show this).</summary>
    public string DisplayPath { get; }

    public ProjectOptions Options { get; }

    public ProjectHost Host { get; }

    /// <summary>The files Reel keeps beside the script.</summary>
    public Workspace Workspace { get; }

    /// <summary>Opens the script at <paramref name="path"/> (relative to the host's working directory). Reads nothing yet.</summary>
    public static Project Open(string path, ProjectOptions options, ProjectHost host)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        return new Project(Path.GetFullPath(path, host.WorkingDirectory), path, options, host);
    }

    /// <summary>The environment variable that chooses a profile when <c>--profile</c> does not.</summary>
    public const string ProfileEnvironmentVariable = "REEL_PROFILE";

    /// <summary>The profile asked for: <c>--profile</c>, else <c>REEL_PROFILE</c>; null: the first one the script lists.</summary>
    public string? Profile => Options.Profile ?? (Host.Environment.GetValueOrDefault(ProfileEnvironmentVariable) is { Length: > 0 } p ? p : null);

    /// <summary>What the up-to-date stamp must match besides the files: the provider override and the profile asked for.</summary>
    private string? StampSetting => Profile is null ? Options.Provider : $"{Options.Provider}|profile={Profile}";

    /// <summary>Load → Validate → Bind → Expand. Never throws for a user mistake.</summary>
    public Compilation Compile() =>
        Compilation.Compile(Workspace.ScriptPath, DisplayPath, new LoadOptions(Options.Provider, Options.AllowOutside, Profile, ProfileFromEnvironment: Options.Profile is null));

    /// <summary>
    /// Compiles the script and plans it against its lock and store. <c>--only</c>/<c>--force</c> ids that name no
    /// step are reported, each with a did-you-mean. Writes nothing.
    /// </summary>
    public PlanOutcome Plan(PlanOptions? options = null)
    {
        options ??= new PlanOptions();
        // What the plan reads besides the script (the project's layout, its lock, the store's record of verified
        // objects) is read on another core while the script compiles; it is used only once the script compiled.
        var beside = Task.Run(ReadBeside);
        var compilation = Compile();
        if (!compilation.Succeeded)
        {
            return new PlanOutcome(compilation, [], [], null, null);
        }

        var (problems, scriptLock) = beside.GetAwaiter().GetResult();
        if (scriptLock is null)
        {
            return new PlanOutcome(compilation, problems, [], null, null);
        }

        var expanded = compilation.Expanded!;
        var unknown = options.ForceList.Concat(options.OnlyList)
            .Where(id => id != "*" && !expanded.Steps.Any(s => s.Id.Text == id || s.Source == id))
            .Select(id => $"no step '{id}' in {DisplayPath}{Suggestions.DidYouMean(id, expanded.Steps.Select(s => s.Id.Text))}")
            .ToImmutableArray();
        var store = OpenStore();

        // The journal says which keys already have a job (reused, not paid again); a project never run has none. It is
        // opened on the first question only: a plan whose steps are all locked asks none, and SQLite is not loaded.
        Journal? journal = null;
        using var closing = new JournalCloser(() => journal);
        var history = new LockHistory(scriptLock, store, () => journal ??= File.Exists(Workspace.JournalPath) ? Journal.Open(Workspace.JournalPath, Host.Time) : null, expanded.Script.Profile?.Name);
        ImmutableArray<StepId> notRendered = [];
        if (expanded.Script.PicksFrom is { } source)
        {
            // takes: picked: each step finishes the take picked in the profile the takes come from (its seed, its first frame).
            var draft = Compilation.Compile(Workspace.ScriptPath, DisplayPath, new LoadOptions(null, Options.AllowOutside, source));
            if (!draft.Succeeded)
            {
                return new PlanOutcome(draft, [], [], null, null);
            }

            (expanded, notRendered) = PickedTakes.Link(expanded, Planner.Plan(draft.Expanded!, history), store.PathOf);
        }

        var plan = Planner.Plan(expanded, history, options);
        return new PlanOutcome(compilation, [], unknown, plan, scriptLock) { DraftsNotRendered = notRendered };
    }

    /// <summary>
    /// The project's lock, or null with a diagnostic saying why there is none (the project's layout, an invalid lock); the
    /// store's record of verified objects is read on the way.
    /// </summary>
    private Beside ReadBeside()
    {
        var bag = new DiagnosticBag();
        var (escapes, notFolder) = Workspace.LayoutProblems();
        if (escapes is not null || notFolder is not null)
        {
            bag.Report(escapes is null ? DiagnosticCodes.LayoutNotFolder : DiagnosticCodes.PathEscapes, escapes ?? notFolder!, new SourceLocation(DisplayPath, 0, 0));
            return new Beside(bag.ToImmutable(), null);
        }

        var scriptLock = Workspace.ReadLock(bag, Host.WorkingDirectory);
        if (scriptLock is not null)
        {
            OpenStore().Preload();
        }

        return new Beside(bag.ToImmutable(), scriptLock);
    }

    /// <summary>What <see cref="ReadBeside"/> found: the lock, or (null) the diagnostics that say why there is none.</summary>
    private sealed record Beside(ImmutableArray<Diagnostic> Problems, ScriptLock? Lock);

    /// <summary>
    /// The step ids of the script's profiles other than the one in force, so that a run keeps their entries in the lock:
    /// switching back to a profile finds its results there. A profile that does not compile keeps nothing.
    /// </summary>
    private HashSet<string> OtherProfilesSteps(Script script) =>
    [
        .. script.ProfileNames.Where(n => n != script.Profile?.Name)
            .Select(n => Compilation.Compile(Workspace.ScriptPath, DisplayPath, new LoadOptions(null, Options.AllowOutside, n)))
            .Where(c => c.Succeeded)
            .SelectMany(c => c.Expanded!.Steps.Select(s => s.Id.Text)),
    ];

    /// <summary>
    /// Picks gate a final: under <c>takes: picked</c>, a step with several takes and no pick, or a carried take not
    /// rendered yet, refuses the run before anything is spent, one line per step.
    /// </summary>
    private string? PicksRefusal(PlanOutcome planned)
    {
        var script = planned.Plan!.Script.Script;
        if (!script.TakesPicked)
        {
            return null;
        }

        var lines = script.Steps.Where(s => s.Takes > 1 && s.PickLocation == SourceLocation.None)
            .Select(s => Expander.NoPickMessage(s, DisplayPath))
            .Concat(planned.DraftsNotRendered.Select(id =>
                $"'{id}' carries the first frame of its picked take, which profile '{script.PicksFrom}' has not rendered; run `reel run {DisplayPath} --profile {script.PicksFrom}` first"))
            .ToList();
        return lines.Count == 0 ? null
            : $"profile '{script.Profile!.Name}' renders only picked takes:\n{string.Join("\n", lines)}\nnothing was submitted";
    }

    /// <summary>The store this project uses (shared when the host's environment sets <c>REEL_STORE</c>).</summary>
    public ObjectStore OpenStore() => Workspace.OpenStore(Host.Environment);
}

/// <summary>Closes a journal that may or may not have been opened.</summary>
internal sealed class JournalCloser(Func<Journal?> journal) : IDisposable
{
    public void Dispose() => journal()?.Dispose();
}
