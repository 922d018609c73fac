using System.CommandLine;
using Reel.Cli.Commands;

namespace Reel.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Reel: declarative video pipelines. Write a storyboard in YAML, run it on a video provider, get the film.");
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(GraphCommand.Create());
        root.Subcommands.Add(SchemaCommand.Create());
        root.Subcommands.Add(ProvidersCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(EmulatorCommand.Create());

        var parse = root.Parse(args);
        var wantsHelp = parse.Action is System.CommandLine.Help.HelpAction
            && parse.UnmatchedTokens.Count == 0
            && !parse.Errors.Any(e => e.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal));
        if ((parse.Errors.Count > 0 || parse.UnmatchedTokens.Count > 0) && !wantsHelp)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"error: {error.Message}");
            }

            foreach (var token in parse.UnmatchedTokens.Where(t => !parse.Errors.Any(e => e.Message.Contains($"'{t}'", StringComparison.Ordinal))))
            {
                Console.Error.WriteLine($"error: unrecognized command or argument '{token}'");
            }

            Console.Error.WriteLine("Run 'reel --help' for usage.");
            return ExitCodes.Invalid;
        }

        try
        {
            // Ctrl+C is handled by the commands themselves, so a run can leave the journal consistent
            // and print its summary before exiting with 130.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"reel: internal error: {ex.Message}");
            if (Environment.GetEnvironmentVariable("REEL_DEBUG") is "1")
            {
                Console.Error.WriteLine(ex);
            }

            return ExitCodes.StepsFailed;
        }
    }
}
