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
        var profile = Common.ProfileOption();
        var allowOutside = Common.AllowOutsideOption();
        var format = new Option<string>("--format") { Description = "mermaid, dot or json.", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot", "json");
        var command = new Command("graph", "Print the step graph as Mermaid, Graphviz DOT or JSON.") { script, provider, profile, allowOutside, format };
        command.SetAction(parse =>
        {
            if (Common.ScriptPath(context, parse.GetValue(script)) is not { } path)
            {
                return ExitCodes.Invalid;
            }

            var compilation = Common.Open(context, path, parse.GetValue(provider), parse.GetValue(allowOutside), profile: parse.GetValue(profile)).Compile();
            if (!Common.Print(context, compilation, quietWarnings: true))
            {
                return ExitCodes.Invalid;
            }

            var steps = Planner.Order(compilation.Expanded!.Steps);
            context.Out.Write(parse.GetValue(format) switch
            {
                "dot" => GraphText.Dot(steps),
                "json" => GraphText.Json(steps),
                _ => GraphText.Mermaid(steps),
            });
            return ExitCodes.Success;
        });
        return command;
    }
}
