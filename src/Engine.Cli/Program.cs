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
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(EmulatorCommand.Create());

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"error: {error.Message}");
            }

            Console.Error.WriteLine("Run 'reel --help' for usage.");
            return ExitCodes.Invalid;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
