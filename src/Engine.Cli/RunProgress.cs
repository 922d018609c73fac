using System.Collections.Concurrent;
using System.Text;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Reporting;

namespace Reel.Cli;

/// <summary>
/// Shows a run's progress on stderr. On a terminal: a live footer, one line per step in flight (id, phase, bar,
/// percent, message) in aligned columns, and a totals line with the queued, running and done counts, the elapsed
/// time, an ETA from the plan's estimates and the spend. Otherwise one plain line per state change.
/// </summary>
internal sealed class RunProgress : IDisposable
{
    private const int MaxIdWidth = 32;
    private const int PhaseWidth = 11;

    private readonly Plan _plan;
    private readonly TextWriter _error;
    private readonly bool _live;
    private readonly Func<int> _width;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly ConcurrentDictionary<string, RunEvent> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PlannedStep> _steps;
    private readonly Timer? _timer;
    private readonly System.Threading.Lock _gate = new();
    private int _drawnLines;
    private decimal _spent;

    /// <param name="plan">The steps to show.</param>
    /// <param name="error">Where progress is written.</param>
    /// <param name="live">Redraw a live footer (a terminal) instead of printing one line per state change.</param>
    /// <param name="width">The terminal's width, asked at each redraw.</param>
    /// <param name="time">The clock of the elapsed time and the ETA.</param>
    public RunProgress(Plan plan, TextWriter error, bool live, Func<int> width, TimeProvider? time = null)
    {
        _plan = plan;
        _error = error;
        _live = live;
        _width = width;
        _time = time ?? TimeProvider.System;
        _started = _time.GetUtcNow();
        _steps = plan.Steps.ToDictionary(s => s.Id.Text, StringComparer.Ordinal);
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

        // A retry has its own log line (with the delay and the attempt); the phase line would only repeat it.
        if (!_live && e.Phase != RunPhase.Retrying && (previous is null || previous.Phase != e.Phase))
        {
            lock (_gate)
            {
                var detail = e.Message is null ? (e.Phase is RunPhase.Running ? $" {e.Progress}%" : "") : e.Phase is RunPhase.Cached ? $" ({e.Message})" : $": {e.Message}";
                _error.WriteLine($"{e.StepId}: {Phase(e.Phase)}{detail}");
            }
        }
    }

    /// <summary>
    /// The footer as it is drawn now, without colour: a line per step in flight, then the totals. Each line fits in
    /// <paramref name="width"/> columns.
    /// </summary>
    internal IReadOnlyList<string> Frame(int width, bool color)
    {
        var active = _plan.Steps
            .Select(s => _state.TryGetValue(s.Id, out var e) ? e : null)
            .OfType<RunEvent>()
            .Where(e => e.Phase is not (RunPhase.Done or RunPhase.Cached or RunPhase.Reused or RunPhase.Skipped))
            .ToList();
        var idWidth = Math.Clamp(active.Select(e => e.StepId.Length).DefaultIfEmpty(4).Max(), 4, Math.Min(MaxIdWidth, Math.Max(8, width / 3)));
        var lines = new List<string>();
        foreach (var e in active)
        {
            var bar = new string('█', Math.Clamp(e.Progress, 0, 100) / 5).PadRight(20, '░');
            var phase = Phase(e.Phase).PadRight(PhaseWidth);
            if (color)
            {
                phase = (e.Phase is RunPhase.Failed ? "\u001b[31m" : e.Phase is RunPhase.Retrying ? "\u001b[33m" : "\u001b[36m") + phase + "\u001b[0m";
            }

            var head = $"  {MiddleTruncate(e.StepId, idWidth).PadRight(idWidth)}  ";
            var tail = $" {bar} {e.Progress,3}%";
            if (head.Length + PhaseWidth + tail.Length > width)
            {
                tail = $" {e.Progress,3}%";
            }

            var room = width - head.Length - PhaseWidth - tail.Length;
            var message = e.Message is null || room < 6 ? "" : "  " + MiddleTruncate(e.Message.ReplaceLineEndings(" "), room - 2);
            lines.Add(head + phase + tail + message);
        }

        lines.Add(Totals(width, color));
        return lines;
    }

    /// <summary><paramref name="text"/> cut to <paramref name="width"/> characters by taking out its middle (<c>pour[light=da…s=85mm]</c>).</summary>
    internal static string MiddleTruncate(string text, int width)
    {
        if (text.Length <= width)
        {
            return text;
        }

        if (width <= 1)
        {
            return width == 1 ? "…" : "";
        }

        var keep = width - 1;
        var front = (keep + 1) / 2;
        return string.Concat(text.AsSpan(0, front), "…", text.AsSpan(text.Length - (keep - front)));
    }

    private string Totals(int width, bool color)
    {
        int Count(params RunPhase[] phases) => _state.Values.Count(v => phases.Contains(v.Phase));
        var done = Count(RunPhase.Done, RunPhase.Cached, RunPhase.Reused);
        var running = Count(RunPhase.Submitting, RunPhase.Running, RunPhase.Downloading, RunPhase.Retrying);
        var failed = Count(RunPhase.Failed);
        var skipped = Count(RunPhase.Skipped);
        var queued = _plan.Steps.Length - done - running - failed - skipped;
        var elapsed = _time.GetUtcNow() - _started;
        var parts = new List<string>
        {
            $"{queued} queued",
            $"{running} running",
            $"{done}/{_plan.Steps.Length} done",
        };
        if (failed > 0)
        {
            parts.Add($"{failed} failed");
        }

        if (skipped > 0)
        {
            parts.Add($"{skipped} skipped");
        }

        // An estimate is no more precise than a minute once it is over one.
        parts.Add($"{HumanText.Duration(elapsed)} elapsed" + (Remaining(elapsed) is { } eta
            ? $", ~{HumanText.Duration(eta < TimeSpan.FromMinutes(1) ? eta : TimeSpan.FromMinutes(Math.Ceiling(eta.TotalMinutes)))} left"
            : ""));
        parts.Add($"{PlanText.Money(_spent)} spent");
        var line = "  " + MiddleTruncate(string.Join(" · ", parts), Math.Max(10, width - 2));
        return color ? $"\u001b[1m{line}\u001b[0m" : line;
    }

    /// <summary>
    /// What is left of the plan's estimated duration: the estimates of the steps not finished (a running step counts
    /// for its unfinished share), scaled to the plan's total (steps run side by side); null when nothing is estimated.
    /// </summary>
    private TimeSpan? Remaining(TimeSpan elapsed)
    {
        var all = _steps.Values.Sum(Seconds);
        if (all <= 0 || _plan.Totals.EstimatedDuration <= TimeSpan.Zero)
        {
            return null;
        }

        var left = _steps.Sum(pair =>
            !_state.TryGetValue(pair.Key, out var e) ? Seconds(pair.Value)
            : e.Phase is RunPhase.Done or RunPhase.Cached or RunPhase.Reused or RunPhase.Skipped or RunPhase.Failed ? 0
            : Seconds(pair.Value) * (100 - Math.Clamp(e.Progress, 0, 100)) / 100.0);
        var estimate = TimeSpan.FromSeconds(_plan.Totals.EstimatedDuration.TotalSeconds * left / all);

        // A run slower than its estimate: never claim less time left than the share of the elapsed time still to go.
        var done = 1 - (left / all);
        var byPace = done > 0.05 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - done) / done) : TimeSpan.Zero;
        return estimate > byPace ? estimate : byPace;
    }

    /// <summary>A step's estimated seconds: none for a cached one.</summary>
    private static double Seconds(PlannedStep step) => step.Status == StepStatus.Cached ? 0 : step.EstimatedDuration.TotalSeconds;

    private static string Phase(RunPhase phase) => phase.ToString().ToLowerInvariant();

    private void Draw()
    {
        lock (_gate)
        {
            var width = Math.Max(20, _width());
            var lines = Frame(width, color: true);
            var sb = new StringBuilder();
            if (_drawnLines > 0)
            {
                sb.Append($"\u001b[{_drawnLines}F");
            }

            foreach (var l in lines)
            {
                sb.Append(l).Append("\u001b[K\n");
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
