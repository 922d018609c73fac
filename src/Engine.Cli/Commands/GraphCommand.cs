using System.CommandLine;
using Reel.Engine.Planning;
using Reel.Engine.Reporting;

namespace Reel.Cli.Commands;

internal static class GraphCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var allowOutside = Common.AllowOutsideOption();
        var format = new Option<string>("--format") { Description = "mermaid or dot.", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var command = new Command("graph", "Print the step graph as Mermaid or Graphviz DOT text.") { script, provider, allowOutside, format };
        command.SetAction(parse =>
        {
            var compilation = Common.Open(context, parse.GetValue(script)!, parse.GetValue(provider), parse.GetValue(allowOutside)).Compile();
            if (!Common.Print(context, compilation, quietWarnings: true))
            {
                return ExitCodes.Invalid;
            }

            var steps = Planner.Order(compilation.Expanded!.Steps);
            context.Out.Write(parse.GetValue(format) == "dot" ? GraphText.Dot(steps) : GraphText.Mermaid(steps));
            return ExitCodes.Success;
        });
        return command;
    }
}
