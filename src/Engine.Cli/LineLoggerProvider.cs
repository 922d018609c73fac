using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Reel.Engine.Reporting;

namespace Reel.Cli;

/// <summary>
/// Logs one line per message to the invocation's stderr. Each line is one write, so lines logged from several
/// threads never interleave. Durations read as people read them (<c>0.6 s</c>, <c>2 min 5 s</c>), never as a
/// <see cref="TimeSpan"/> prints itself.
/// <list type="bullet">
/// <item>Plain (a normal run): <c>warning: message</c>, no category or event id; a retry is one line,
/// <c>open: HTTP 500, retrying in 0.6 s (attempt 2 of 8)</c>, and the transient failure before it is not repeated. It
/// names the step of the enclosing logging scope (the engine opens one per step), else the provider (<c>openai:</c>).</item>
/// <item>Detailed (<c>-v</c>): every message in the text of Microsoft.Extensions.Logging's simple console formatter in
/// single-line mode (<c>warn: reel.run[103] message</c>), coloured like it when <paramref name="color"/> is on.</item>
/// </list>
/// </summary>
internal sealed partial class LineLoggerProvider(TextWriter writer, bool color, bool detailed = true) : ILoggerProvider, ISupportExternalScope
{
    // The engine's events the plain form words differently (src/Engine/Execution/Log.cs, Providers/Http/HttpLog.cs).
    internal const int StepRetrying = 103;
    internal const int BatchRetrying = 190;
    internal const int HttpFailed = 4101;
    internal const int HttpRetrying = 4102;

    // The escape codes the console formatter writes around the level (Microsoft.Extensions.Logging.Console's AnsiParser).
    private const string DefaultForeground = "\u001b[39m\u001b[22m";
    private const string DefaultBackground = "\u001b[49m";

    private readonly TextWriter _writer = writer;
    private readonly bool _color = color;
    private readonly bool _detailed = detailed;

    /// <summary>The last transient failure of each request (provider, method, path), for the retry line that follows it.</summary>
    private readonly ConcurrentDictionary<string, string> _lastFailure = new(StringComparer.Ordinal);

    /// <summary>The logger factory's scopes: the engine opens one per step (<c>Step</c>) around the provider requests it makes.</summary>
    private IExternalScopeProvider? _scopes;

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>The step of the innermost scope that names one, or null outside a step (an access check, a listing).</summary>
    private string? CurrentStep()
    {
        var found = new string?[1];
        _scopes?.ForEachScope(
            static (scope, found) =>
            {
                // Outermost first: the innermost step wins.
                if (scope is IEnumerable<KeyValuePair<string, object?>> values && values.FirstOrDefault(v => v.Key == "Step").Value is { } value)
                {
                    found[0] = Text(value);
                }
            },
            found);
        return found[0];
    }

    public void Dispose()
    {
    }

    /// <summary>One log line in the detailed form, ending with a newline.</summary>
    internal static string Format(LogLevel level, string category, int eventId, string? message, Exception? exception, bool color)
    {
        var line = new StringBuilder();
        var (name, foreground, background) = Level(level);
        if (color && foreground is not null)
        {
            line.Append(background).Append(foreground).Append(name).Append(DefaultForeground).Append(DefaultBackground);
        }
        else
        {
            line.Append(name);
        }

        line.Append(": ").Append(category).Append('[').Append(eventId.ToString(CultureInfo.InvariantCulture)).Append(']');
        AppendMessage(line, message);
        AppendMessage(line, exception?.ToString());
        return line.Append(Environment.NewLine).ToString();
    }

    /// <summary>The message of a structured log state with its durations in words; null when the state is not structured.</summary>
    internal static string? Humanize<TState>(TState state)
    {
        if (state is not IReadOnlyList<KeyValuePair<string, object?>> values
            || values.FirstOrDefault(v => v.Key == "{OriginalFormat}").Value is not string template)
        {
            return null;
        }

        return Placeholder().Replace(template.Replace("{{", "\u0001", StringComparison.Ordinal).Replace("}}", "\u0002", StringComparison.Ordinal), m =>
        {
            var name = m.Groups["name"].Value;
            var value = values.FirstOrDefault(v => v.Key == name);
            return value.Key is null ? m.Value : Text(value.Value);
        }).Replace('\u0001', '{').Replace('\u0002', '}');
    }

    private static string Text(object? value) => value switch
    {
        null => "(null)",
        TimeSpan t => HumanText.Duration(t),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The line a normal run prints for this event, or null when it prints none.</summary>
    private string? Plain(LogLevel level, int eventId, IReadOnlyList<KeyValuePair<string, object?>>? values, string message, Exception? exception)
    {
        string? Value(string name) => values?.FirstOrDefault(v => v.Key == name).Value is { } v ? Text(v) : null;
        var request = $"{Value("Provider")} {Value("Method")} {Value("Path")}";
        switch (eventId)
        {
            case HttpFailed when Value("ErrorClass") == "Transient":
                // A retry line follows (or the step's own failure, when the retries run out): say it once, there.
                _lastFailure[request] = $"HTTP {Value("Status")}";
                return null;
            case HttpRetrying when values is not null:
                var cause = _lastFailure.TryRemove(request, out var failure) ? failure : "transient failure";
                var attempt = int.TryParse(Value("Attempt"), CultureInfo.InvariantCulture, out var retry) ? retry + 1 : 0;
                return $"{CurrentStep() ?? Value("Provider")}: {cause}, retrying in {Value("Delay")}{Attempt(attempt, Engine.Providers.Http.Retries.MaxAttempts)}";
            case StepRetrying when values is not null:
                return $"{Value("Step")}: {Cause(Value("Error"))}, retrying in {Value("Delay")}"
                    + Attempt(int.TryParse(Value("Attempt"), CultureInfo.InvariantCulture, out var n) ? n : 0, int.TryParse(Value("MaxAttempts"), CultureInfo.InvariantCulture, out var max) ? max : 0);
            case BatchRetrying when values is not null:
                return $"batch: {Cause(Value("Error"))}, retrying in {Value("Delay")}";
        }

        if (level < LogLevel.Warning)
        {
            return null;
        }

        var text = new StringBuilder(level == LogLevel.Warning ? "warning: " : "error: ").Append(message.Replace(Environment.NewLine, " ", StringComparison.Ordinal));
        if (exception is not null)
        {
            text.Append(": ").Append(exception.Message.Replace(Environment.NewLine, " ", StringComparison.Ordinal));
        }

        return text.ToString();
    }

    private static string Attempt(int attempt, int of) => attempt > 0 && of > 0 ? $" (attempt {attempt} of {of})" : "";

    /// <summary>
    /// A provider error as a retry line shows it: <c>HTTP 500</c> rather than the whole answer, and without the
    /// request it came from (<c>openai POST /videos: connection failed: …</c> → <c>connection failed: …</c>).
    /// </summary>
    internal static string Cause(string? error)
    {
        if (string.IsNullOrEmpty(error))
        {
            return "transient failure";
        }

        var bare = RequestPrefix().Replace(error, "");
        return HttpStatus().Match(bare) is { Success: true } status ? status.Value : bare;
    }

    private static void AppendMessage(StringBuilder line, string? message)
    {
        if (!string.IsNullOrEmpty(message))
        {
            line.Append(' ').Append(message.Replace(Environment.NewLine, " ", StringComparison.Ordinal));
        }
    }

    private static (string Name, string? Foreground, string? Background) Level(LogLevel level) => level switch
    {
        LogLevel.Trace => ("trce", "\u001b[37m", "\u001b[40m"),
        LogLevel.Debug => ("dbug", "\u001b[37m", "\u001b[40m"),
        LogLevel.Information => ("info", "\u001b[32m", "\u001b[40m"),
        LogLevel.Warning => ("warn", "\u001b[1m\u001b[33m", "\u001b[40m"),
        LogLevel.Error => ("fail", "\u001b[30m", "\u001b[41m"),
        LogLevel.Critical => ("crit", "\u001b[1m\u001b[37m", "\u001b[41m"),
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    [GeneratedRegex(@"\{(?<name>[A-Za-z0-9_]+)(?:[,:][^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\S+ [A-Z]+ \S+: ")]
    private static partial Regex RequestPrefix();

    [GeneratedRegex(@"^HTTP \d{3}")]
    private static partial Regex HttpStatus();

    private sealed class LineLogger(LineLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (!IsEnabled(logLevel))
            {
                return;
            }

            if (!owner._detailed && logLevel < LogLevel.Warning && eventId.Id != HttpRetrying)
            {
                // Not shown in a normal run: don't pay for formatting it.
                return;
            }

            var message = Humanize(state) ?? formatter(state, exception);
            if (exception is null && message is null)
            {
                return;
            }

            if (owner._detailed)
            {
                owner._writer.Write(Format(logLevel, category, eventId.Id, message, exception, owner._color));
                return;
            }

            if (owner.Plain(logLevel, eventId.Id, state as IReadOnlyList<KeyValuePair<string, object?>>, message ?? "", exception) is { } line)
            {
                owner._writer.Write(owner._color ? Colorize(logLevel, line) + Environment.NewLine : line + Environment.NewLine);
            }
        }

        private static string Colorize(LogLevel level, string line) =>
            (level >= LogLevel.Error ? "\u001b[31m" : "\u001b[33m") + line + "\u001b[0m";
    }
}
