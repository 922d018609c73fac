using Reel.Cli.Commands;
using Reel.Engine.Execution;
using Reel.Engine.Projects;

namespace Reel.Cli;

/// <summary>
/// Watches a run for the user: when it starts, the script's warnings and the run's own; then the
/// progress (<see cref="RunProgress"/>) until it ends. Only while the steps run does Ctrl+C stop the
/// run gracefully (journal consistent, summary printed, exit 130); before and after, it ends the
/// process as usual.
/// </summary>
internal sealed class RunView(CliContext context, bool live) : IRunObserver, IDisposable
{
    private RunProgress? _progress;
    private IDisposable? _trap;

    public void Starting(PlanOutcome planned, IReadOnlyList<string> warnings)
    {
        _trap = context.TrapCancel();
        Common.Print(context, planned);
        foreach (var warning in warnings)
        {
            context.Error.WriteLine($"warning: {warning}");
        }

        _progress = new RunProgress(planned.Plan!, context.Error, live, context.TerminalWidth);
    }

    public void Waiting(string message) => context.Error.WriteLine(message);

    public void OnEvent(RunEvent e) => _progress?.OnEvent(e);

    public void Finished()
    {
        _progress?.Dispose();
        _progress = null;
        _trap?.Dispose();
        _trap = null;
    }

    public void Dispose() => Finished();
}
