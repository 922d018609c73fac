using System.Text;
using Microsoft.Extensions.Logging;

namespace Reel.Cli;

/// <summary>
/// Logs one line per message to the invocation's stderr, in the text of Microsoft.Extensions.Logging's
/// simple console formatter in single-line mode (<c>warn: reel.run[103] message</c>), coloured like it when
/// <paramref name="color"/> is on. Each line is one write, so lines logged from several threads never interleave.
/// </summary>
internal sealed class LineLoggerProvider(TextWriter writer, bool color) : ILoggerProvider
{
    // The escape codes the console formatter writes around the level (Microsoft.Extensions.Logging.Console's AnsiParser).
    private const string DefaultForeground = "\u001b[39m\u001b[22m";
    private const string DefaultBackground = "\u001b[49m";

    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, writer, color);

    public void Dispose()
    {
    }

    /// <summary>One log line, ending with a newline.</summary>
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

        line.Append(": ").Append(category).Append('[').Append(eventId.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(']');
        AppendMessage(line, message);
        AppendMessage(line, exception?.ToString());
        return line.Append(Environment.NewLine).ToString();
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

    private sealed class LineLogger(string category, TextWriter writer, bool color) : ILogger
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

            var message = formatter(state, exception);
            if (exception is null && message is null)
            {
                return;
            }

            writer.Write(Format(logLevel, category, eventId.Id, message, exception, color));
        }
    }
}
