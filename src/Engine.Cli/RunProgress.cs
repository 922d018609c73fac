using System.Collections.Concurrent;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Reporting;

namespace Reel.Cli;

/// <summary>
/// Shows a run's progress on stderr: on a terminal, one live line per running
/// step with its state and progress plus totals and spend; otherwise one plain line per state change.
/// </summary>
internal sealed class RunProgress : IDisposable
{
    private readonly Plan _plan;
    private readonly TextWriter _error;
    private readonly bool _live;
    private readonly Func<int> _width;
    private readonly ConcurrentDictionary<string, RunEvent> _state = new(StringComparer.Ordinal);
    private readonly Timer? _timer;
    private readonly System.Threading.Lock _gate = new();
    private int _drawnLines;
    private decimal _spent;

    /// <param name="plan">The steps to show.</param>
    /// <param name="error">Where progress is written.</param>
    /// <param name="live">Redraw a live footer (a terminal) instead of printing one line per state change.</param>
    /// <param name="width">The terminal's width, asked at each redraw.</param>
    public RunProgress(Plan plan, TextWriter error, bool live, Func<int> width)
    {
        _plan = plan;
        _error = error;
        _live = live;
        _width = width;
        if (live)
        {
            _timer = new Timer(_ => Draw(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(150));
        }
    }

    public void OnEvent(RunEvent e)
    {
        _spent = e.SpentSoFar > _spent ? e.SpentSoFar : _spent;
        var previous = _state.TryGetValue(e.StepId, out var p) ? p : null;
        _state[e.StepId] = e;
        if (!_live && (previous is null || previous.Phase != e.Phase))
        {
            lock (_gate)
            {
                var detail = e.Message is null ? (e.Phase is RunPhase.Running ? $" {e.Progress}%" : "") : $": {e.Message}";
                _error.WriteLine($"{e.StepId}: {e.Phase.ToString().ToLowerInvariant()}{detail}");
            }
        }
    }

    private void Draw()
    {
        lock (_gate)
        {
            var lines = new List<string>();
            foreach (var s in _plan.Steps)
            {
                if (_state.TryGetValue(s.Id, out var e) && e.Phase is not (RunPhase.Done or RunPhase.Cached or RunPhase.Reused or RunPhase.Skipped))
                {
                    var bar = new string('█', e.Progress / 5).PadRight(20, '░');
                    var color = e.Phase is RunPhase.Failed ? "\u001b[31m" : e.Phase is RunPhase.Retrying ? "\u001b[33m" : "\u001b[36m";
                    lines.Add($"  {s.Id,-28} {color}{e.Phase.ToString().ToLowerInvariant(),-12}\u001b[0m {bar} {e.Progress,3}%{(e.Message is null ? "" : "  " + e.Message)}");
                }
            }

            int Count(params RunPhase[] phases) => _state.Values.Count(v => phases.Contains(v.Phase));
            lines.Add($"  \u001b[1m{Count(RunPhase.Done, RunPhase.Cached, RunPhase.Reused)}/{_plan.Steps.Length} finished\u001b[0m · {Count(RunPhase.Failed)} failed · spent {PlanText.Money(_spent)}");
            var sb = new System.Text.StringBuilder();
            if (_drawnLines > 0)
            {
                sb.Append($"\u001b[{_drawnLines}F");
            }

            var width = _width();
            foreach (var l in lines)
            {
                sb.Append(l.Length > width + 20 ? l[..(width + 20)] : l).Append("\u001b[K\n");
            }

            for (var i = lines.Count; i < _drawnLines; i++)
            {
                sb.Append("\u001b[K\n");
            }

            _error.Write(sb.ToString());
            _drawnLines = Math.Max(lines.Count, _drawnLines);
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        if (_live)
        {
            Draw();
        }
    }
}
