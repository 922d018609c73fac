using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Reel.Cli.Tests;

/// <summary><c>reel run</c>'s log lines read exactly as the console logger's single-line simple format printed them.</summary>
public sealed class LineLoggerProviderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_level_is_written_as_the_simple_console_formatter_writes_it_in_single_line_mode(bool color)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.ColorBehavior = color ? LoggerColorBehavior.Enabled : LoggerColorBehavior.Disabled;
        }));
        using var provider = services.BuildServiceProvider();
        var simple = provider.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Simple);
        var failure = new InvalidOperationException("first line" + Environment.NewLine + "second line");

        foreach (var level in new[] { LogLevel.Trace, LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error, LogLevel.Critical })
        {
            foreach (var (message, exception) in new (string, Exception?)[] { ("HTTP 404 on GET /v1/videos", null), ("two" + Environment.NewLine + "lines", null), ("", null), ("with an exception", failure) })
            {
                using var expected = new StringWriter();
                simple.Write(new LogEntry<string>(level, "reel.run", new EventId(103), message, exception, (s, _) => s), null, expected);

                using var actual = new StringWriter();
                using var lines = new LineLoggerProvider(actual, color);
                lines.CreateLogger("reel.run").Log(level, new EventId(103), message, exception, (s, _) => s);

                Assert.Equal(expected.ToString(), actual.ToString());
            }
        }
    }

    [Fact]
    public void A_warning_without_colour_reads_level_category_event_and_message_on_one_line()
    {
        using var writer = new StringWriter();
        using var lines = new LineLoggerProvider(writer, color: false);

        lines.CreateLogger("reel.run").LogWarning(new EventId(103), "HTTP {Status}", 404);

        Assert.Equal("warn: reel.run[103] HTTP 404" + Environment.NewLine, writer.ToString());
    }
}
