using System.CommandLine;

namespace Reel.Cli.Commands;

internal static class PickCommand
{
    public static Command Create(CliContext context)
    {
        // Both arguments are needed: an optional script before the take would swallow the take.
        var script = new Argument<string>("SCRIPT") { Description = "The storyboard script (*.yaml)." };
        var step = new Argument<string>("STEP#N") { Description = "The take to pick, e.g. open#2 (a matrix cell, e.g. pour[light=dawn]#2, picks for its whole scene)." };
        var command = new Command("pick", "Choose a take: write 'pick: N' into the step in the script, changing only that line (or adding one).") { script, step };
        command.SetAction(parse =>
        {
            var project = Common.Open(context, parse.GetValue(script)!, provider: null, allowOutside: false);
            var outcome = project.Pick(parse.GetValue(step)!);
            if (outcome.Compilation is { } compilation)
            {
                Common.Print(context, compilation, quietWarnings: true);
            }

            if (!outcome.Succeeded)
            {
                context.Error.WriteLine($"error: {outcome.Message}");
                return ExitCodes.Invalid;
            }

            context.Out.WriteLine(outcome.Message);
            return ExitCodes.Success;
        });
        return command;
    }
}
