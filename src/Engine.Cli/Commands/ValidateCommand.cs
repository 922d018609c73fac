using System.CommandLine;

namespace Reel.Cli.Commands;

internal static class ValidateCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var allowOutside = Common.AllowOutsideOption();
        var command = new Command("validate", "Check a script: YAML, schema, references, templates and the provider's capabilities. Needs no key or network.")
        {
            script, provider, allowOutside,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(script)!;
            var compilation = Common.Open(context, path, parse.GetValue(provider), parse.GetValue(allowOutside)).Compile();
            if (!Common.Print(context, compilation))
            {
                return ExitCodes.Invalid;
            }

            var steps = compilation.Expanded!.Steps.Length;
            context.Out.WriteLine($"{path}: valid ({steps} step{(steps == 1 ? "" : "s")} on {compilation.Expanded.Provider})");
            return ExitCodes.Success;
        });
        return command;
    }
}
