using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Providers;
using Reel.Engine.Reporting;
using Reel.Engine.Storage;
using Reel.Engine.Storage.Remote;

namespace Reel.Engine.Projects;

/// <summary>What to run: the run's options and which steps (<c>--only</c>, <c>--force</c>).</summary>
/// <param name="Wait">While another run holds the project, wait for it (else refuse: <c>--no-wait</c>).</param>
public sealed record RunRequest(RunOptions Run, PlanOptions Plan, bool Wait = true);

public sealed partial class Project
{
    /// <summary>
    /// The run use case: answer from the stamp of a complete earlier run when nothing changed; else plan,
    /// check the refusal rules, set up the provider, run every step exactly once (journal, store, lock),
    /// export to <c>out/</c> with the contact sheet, and stamp a complete run.
    /// </summary>
    public async Task<RunOutcome> RunAsync(RunRequest request, IRunObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        observer ??= NoRunObserver.Instance;
        var storeRoot = Workspace.StoreRoot(Host.Environment);
        var fullRun = request.Plan.OnlyList.IsEmpty && request.Plan.ForceList.IsEmpty;
        // A bad REEL_REMOTE (or lease) is checked before the stamp, without the network: such a run plans and says what is wrong.
        if (fullRun && !RemoteSettings.EnvironmentIsBad(Host.Environment) && UpToDateStamp.ReadIfCurrent(Workspace.StampPath, Workspace.ScriptPath, StampSetting, Options.AllowOutside, storeRoot) is { } stamp)
        {
            // Nothing the last complete run read or wrote has changed: every step is cached.
            return new RunOutcome(RunEnd.Ran, null, null, Stamps.Report(stamp, Workspace));
        }

        // Not answered from the stamp, so an earlier run may have been killed: what it left half-written is removed beside
        // the plan and the run (only files whose writer is gone, never a live run's), and done before this run returns.
        var now = Host.Time.GetUtcNow();
        Task sweep = Task.Run(() => Workspace.RemoveStaleTempFiles(Host.Environment, now), CancellationToken.None);
        RunOutcome outcome;
        try
        {
            outcome = await PlanAndRunAsync(request, observer, fullRun, storeRoot, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await sweep.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        await sweep.ConfigureAwait(false);
        return outcome;
    }

    /// <summary>The run after a stamp that did not answer: plan, refusals, provider, run lock, steps, assembly and stamp.</summary>
    private async Task<RunOutcome> PlanAndRunAsync(RunRequest request, IRunObserver observer, bool fullRun, string storeRoot, CancellationToken cancellationToken)
    {
        var planned = Plan(request.Plan);
        if (!planned.Succeeded)
        {
            return new RunOutcome(RunEnd.Invalid, planned, null, null);
        }

        if ((PicksRefusal(planned) ?? Runner.Refusal(planned.Plan!, request.Run)) is { } refusal)
        {
            return new RunOutcome(RunEnd.Refused, planned, refusal, null);
        }

        // A bad remote is the user's mistake: said before anything is written or set up.
        var (remoteSettings, remoteError) = RemoteSettings.Resolve(planned.Plan!.Script.Script.Remote, Host.Environment);
        if (remoteError is not null)
        {
            return new RunOutcome(RunEnd.NoProvider, planned, remoteError, null);
        }

        IVideoProvider provider;
        try
        {
            provider = Host.Providers(planned.Plan!.Script.Provider, new ProviderComposition(
                Host.Environment, Workspace.LocalProviderDirectory, Host.Time, Host.Loggers, Host.Randomizer, () => new HttpClient { Timeout = TimeSpan.FromMinutes(10) }));
        }
        catch (ProviderException ex)
        {
            return new RunOutcome(RunEnd.NoProvider, planned, ex.Message, null);
        }

        // One run per project: a second one waits, then plans again, since the first may have done its steps.
        var (runLock, waited) = await AcquireAsync(request.Wait, observer, cancellationToken).ConfigureAwait(false);
        if (runLock is null)
        {
            return new RunOutcome(RunEnd.Refused, planned, waited
                ? "stopped waiting for the other reel run on this project; nothing was submitted"
                : $"another reel run is working on this project ({RunLock.Holder(Workspace.ReelDirectory) ?? "its owner is not known"}); --no-wait does not wait for it, and nothing was submitted", null);
        }

        using var heldLock = runLock;
        if (waited)
        {
            planned = Plan(request.Plan);
            if (!planned.Succeeded)
            {
                return new RunOutcome(RunEnd.Invalid, planned, null, null);
            }

            if ((PicksRefusal(planned) ?? Runner.Refusal(planned.Plan!, request.Run)) is { } late)
            {
                return new RunOutcome(RunEnd.Refused, planned, late, null);
            }
        }

        using var remote = remoteSettings is null ? null : OpenRemote(remoteSettings, out remoteError);
        if (remoteError is not null)
        {
            return new RunOutcome(RunEnd.NoProvider, planned, remoteError, null);
        }

        if (remote is not null)
        {
            // The remote's copies of locked clips make a fresh clone's steps cached: no provider request, no money.
            var (pulled, problem) = await PullLockedAsync(remote, planned.Lock!, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return new RunOutcome(RunEnd.NoProvider, planned, problem, null);
            }

            if (pulled > 0)
            {
                planned = Plan(request.Plan);
                if (!planned.Succeeded)
                {
                    return new RunOutcome(RunEnd.Invalid, planned, null, null);
                }
            }
        }

        var plan = planned.Plan!;

        List<string> warnings = [];
        if (request.Run.Batch && remote is not null)
        {
            warnings.Add("--batch is ignored with a remote: each step is claimed on the remote before it is submitted");
        }
        else if (request.Run.Batch && provider is not IBatchVideoProvider)
        {
            warnings.Add($"provider '{provider.Name}' has no batch API; --batch is ignored and steps are submitted one by one");
        }

        RunResult result;
        ScriptLock finalLock;
        var store = OpenStore();
        observer.Starting(planned, warnings);
        try
        {
            Directory.CreateDirectory(Workspace.ReelDirectory);
            UpToDateStamp.Remove(Workspace.StampPath);
            if (planned.Lock!.Format < LockFile.FormatVersion)
            {
                // A lock of an older format is rewritten in the current one, also when the run changes nothing else.
                LockFile.Write(Workspace.LockPath, planned.Lock);
            }

            if (remote is null && Runner.NothingToRun(plan))
            {
                // Every step is locked with its clip in the store: no provider call, no journal (SQLite is not even loaded).
                result = Runner.Cached(plan, planned.Lock!, observer.OnEvent);
                finalLock = planned.Lock!;
            }
            else
            {
                using var journal = Journal.Open(Workspace.JournalPath, Host.Time);
                var runner = new Runner(provider, store, journal, Workspace.LockPath, planned.Lock!, Host.Time, Host.Environment, Host.Loggers.CreateLogger("reel.run"), new Providers.Http.Retries(Host.Time, Host.Randomizer), remote);
                runner.Progress += observer.OnEvent;
                result = await runner.RunAsync(plan, request.Run, cancellationToken).ConfigureAwait(false);
                finalLock = runner.Lock;
            }
        }
        finally
        {
            observer.Finished();
        }

        if (remote is not null && !cancellationToken.IsCancellationRequested)
        {
            // Cuts and anything made before the project had a remote: a fresh clone finds every locked object.
            await PushLockedAsync(remote, finalLock, cancellationToken).ConfigureAwait(false);
        }

        var complete = result.Stop == RunStop.Completed;
        // The sheet shows the whole storyboard, also after --only: steps not chosen show what the lock knows.
        var fullPlan = request.Plan.OnlyList.IsEmpty ? plan : Plan(request.Plan with { Only = [], Force = [] }).Plan ?? plan;
        var exported = await Assembler.AssembleAsync(plan, fullPlan, result, Workspace, store, finalLock, pruneLock: request.Plan.OnlyList.IsEmpty && complete, Host.Environment, OtherProfilesSteps(plan.Script.Script), cancellationToken).ConfigureAwait(false);
        if (fullRun && complete && !result.AnyFailed)
        {
            Stamps.Capture(plan, finalLock, exported, Workspace, store, storeRoot, StampSetting, Options.AllowOutside)?.Write(Workspace.StampPath);
        }

        var cuts = plan.Steps.Where(s => s.Request is Prompts.CutStep).Select(s => s.Id.Text);
        return new RunOutcome(RunEnd.Ran, planned, null, new RunReport(result, [.. cuts], [.. exported], ReportPath));
    }

    /// <summary>Takes the project's run lock, waiting (and saying so once) while another run holds it, unless told not to wait.</summary>
    private async Task<Acquired> AcquireAsync(bool wait, IRunObserver observer, CancellationToken cancellationToken)
    {
        var waited = false;
        while (true)
        {
            if (RunLock.TryAcquire(Workspace.ReelDirectory, Host.Time) is { } taken)
            {
                return new Acquired(taken, waited);
            }

            if (!wait)
            {
                return new Acquired(null, false);
            }

            if (!waited)
            {
                observer.Waiting($"waiting for another reel run on this project to finish ({RunLock.Holder(Workspace.ReelDirectory) ?? "its owner is not known"}); Ctrl+C to stop waiting, or use --no-wait");
                waited = true;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), Host.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new Acquired(null, waited);
            }
        }
    }

    private string ReportPath => ContactSheet.PathFor(Workspace);

    /// <summary>The run lock taken (null: not taken), and whether the run waited for another one first.</summary>
    private sealed record Acquired(RunLock? Lock, bool Waited);
}
