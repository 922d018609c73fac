using System.CommandLine;
using Reel.Engine.Reporting;

namespace Reel.Cli.Commands;

internal static class ProvidersCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("providers", "Show what every provider can do, as Markdown tables: models, sizes, seconds, prices, operations, options and environment variables. Needs no key or network.");
        command.SetAction(_ =>
        {
            context.Out.Write(CapabilityTable.Markdown());
            return ExitCodes.Success;
        });
        return command;
    }
}
