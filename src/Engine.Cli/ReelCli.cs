using System.CommandLine;
using Reel.Cli.Commands;

namespace Reel.Cli;

/// <summary>The one entry point of the command line: parse, run the command, map errors to exit codes.</summary>
internal static class ReelCli
{
    /// <summary>Runs <c>reel</c> with <paramref name="args"/> in <paramref name="context"/> and returns the exit code.</summary>
    public static async Task<int> InvokeAsync(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var parse = Root(context).Parse(args, Parsing(context));
        var wantsHelp = parse.Action is System.CommandLine.Help.HelpAction
            && parse.UnmatchedTokens.Count == 0
            && !parse.Errors.Any(e => e.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal));
        if ((parse.Errors.Count > 0 || parse.UnmatchedTokens.Count > 0) && !wantsHelp)
        {
            foreach (var error in parse.Errors)
            {
                context.Error.WriteLine($"error: {ParseErrors.Explain(error.Message)}");
            }

            foreach (var token in parse.UnmatchedTokens.Where(t => !parse.Errors.Any(e => e.Message.Contains($"'{t}'", StringComparison.Ordinal))))
            {
                context.Error.WriteLine($"error: unrecognized command or argument '{token}'");
            }

            context.Error.WriteLine("Run 'reel --help' for usage.");
            return ExitCodes.Invalid;
        }

        if (parse.Action is System.CommandLine.Help.HelpAction help)
        {
            help.MaxWidth = HelpWidth(context);
        }

        try
        {
            // Ctrl+C is handled by the commands themselves (CliContext.TrapCancel), so a run can leave
            // the journal consistent and print its summary before exiting with 130.
            var configuration = new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
                Output = context.Out,
                Error = context.Error,
            };
            return await parse.InvokeAsync(configuration, context.Cancellation);
        }
        catch (Engine.Storage.ProjectStateException ex)
        {
            // The files beside the script are damaged or the disk is full: the user's to fix, and the message says how.
            context.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Invalid;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            context.Error.WriteLine($"reel: internal error: {ex.Message}");
            if (context.Variable("REEL_DEBUG") is "1")
            {
                context.Error.WriteLine(ex);
            }

            return ExitCodes.StepsFailed;
        }
    }

    /// <summary>The default parsing, with response files (<c>@args.rsp</c>) read from the working directory.</summary>
    private static ParserConfiguration Parsing(CliContext context)
    {
        var configuration = new ParserConfiguration();
        if (configuration.ResponseFileTokenReplacer is { } readResponseFile)
        {
            configuration.ResponseFileTokenReplacer = (string token, out IReadOnlyList<string>? tokens, out string? error) =>
            {
                var path = context.FullPath(token);
                var read = readResponseFile(path, out tokens, out error);
                error = error?.Replace(path, token, StringComparison.Ordinal);
                return read;
            };
        }

        return configuration;
    }

    /// <summary>The width System.CommandLine would ask of the process console, asked of the context.</summary>
    private static int HelpWidth(CliContext context)
    {
        try
        {
            return context.OutIsTerminal ? context.TerminalWidth() : int.MaxValue;
        }
        catch (Exception)
        {
            return int.MaxValue;
        }
    }

    private static RootCommand Root(CliContext context) =>
        new("Reel: declarative video pipelines. Write a storyboard in YAML, run it on a video provider, get the film.")
        {
            InitCommand.Create(context),
            ValidateCommand.Create(context),
            PlanCommand.Create(context),
            GraphCommand.Create(context),
            PickCommand.Create(context),
            ReviewCommand.Create(context),
            SchemaCommand.Create(context),
            ProvidersCommand.Create(context),
            RunCommand.Create(context),
            StatusCommand.Create(context),
            RemoteSyncCommand.Push(context),
            RemoteSyncCommand.Pull(context),
            GcCommand.Create(context),
            EmulatorCommand.Create(context),
        };
}
