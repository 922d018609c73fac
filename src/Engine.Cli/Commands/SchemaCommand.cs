using System.CommandLine;
using Reel.Engine.Scripts;

namespace Reel.Cli.Commands;

internal static class SchemaCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("schema", "Print the JSON schema of the script language (draft-07), for editors.");
        command.SetAction(_ =>
        {
            context.Out.Write(SchemaValidator.SchemaText);
            return ExitCodes.Success;
        });
        return command;
    }
}
