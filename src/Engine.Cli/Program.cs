namespace Reel.Cli;

/// <summary>The process: builds the invocation context from the real console and environment.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        var context = new CliContext(Console.Out, Console.Error, Environment.CurrentDirectory, EnvironmentSnapshot())
        {
            OutIsTerminal = !Console.IsOutputRedirected,
            ErrorIsTerminal = !Console.IsErrorRedirected,
            TerminalWidth = () => Console.WindowWidth,
            Cancellation = cancel.Token,
        };
        Console.CancelKeyPress += (_, e) =>
        {
            if (context.CancelTrapped)
            {
                e.Cancel = true;
                cancel.Cancel();
            }
        };
        return await ReelCli.InvokeAsync(args, context);
    }

    private static Dictionary<string, string?> EnvironmentSnapshot() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
}
