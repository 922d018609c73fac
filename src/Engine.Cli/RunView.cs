using Reel.Cli.Commands;
using Reel.Engine.Execution;
using Reel.Engine.Projects;

namespace Reel.Cli;

/// <summary>
/// Watches a run for the user: when it starts, the script's warnings and the run's own; then the
/// progress (<see cref="RunProgress"/>) until it ends.
/// </summary>
internal sealed class RunView(CliContext context, bool live) : IRunObserver, IDisposable
{
    private RunProgress? _progress;

    public void Starting(PlanOutcome planned, IReadOnlyList<string> warnings)
    {
        Common.Print(context, planned);
        foreach (var warning in warnings)
        {
            context.Error.WriteLine($"warning: {warning}");
        }

        _progress = new RunProgress(planned.Plan!, context.Error, live, context.TerminalWidth);
    }

    public void OnEvent(RunEvent e) => _progress?.OnEvent(e);

    public void Finished()
    {
        _progress?.Dispose();
        _progress = null;
    }

    public void Dispose() => Finished();
}
