using System.CommandLine;
using Reel.Engine.Projects;

namespace Reel.Cli.Commands;

/// <summary><c>reel push</c> and <c>reel pull</c>: copy the objects a storyboard's lock names to and from its remote.</summary>
internal static class RemoteSyncCommand
{
    public static Command Push(CliContext context) => Create(context, push: true);

    public static Command Pull(CliContext context) => Create(context, push: false);

    private static Command Create(CliContext context, bool push)
    {
        var script = Common.ScriptArgument();
        var allowOutside = Common.AllowOutsideOption();
        var command = new Command(
            push ? "push" : "pull",
            push
                ? "Upload the clips, thumbnails and cuts the script's lock names to its remote (remote: or REEL_REMOTE), so a teammate's clone renders the film without paying."
                : "Download the clips the script's lock names from its remote into the store, each checked against its hash.")
        {
            script, allowOutside,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Common.ScriptPath(context, parse.GetValue(script)) is not { } path)
            {
                return ExitCodes.Invalid;
            }

            var project = Common.Open(context, path, null, parse.GetValue(allowOutside));
            var outcome = push ? await project.PushAsync(cancellationToken) : await project.PullAsync(cancellationToken);
            if (outcome.Planned is { } planned && !Common.Print(context, planned, quietWarnings: true))
            {
                return ExitCodes.Invalid;
            }

            if (outcome.Error is { } error)
            {
                context.Error.WriteLine($"error: {error}");
                return ExitCodes.Invalid;
            }

            var r = outcome.Result!;
            var verb = push ? "uploaded" : "downloaded";
            var had = push ? "already on the remote" : "already in the store";
            context.Out.WriteLine($"{outcome.Remote}: {r.Copied} {verb}, {r.Present} {had}{(r.Missing.Count > 0 ? $", {r.Missing.Count} missing {(push ? "from the store (run the script to make them)" : "from the remote (push them from the clone that made them)")}" : "")}");
            return r.Missing.Count > 0 ? ExitCodes.StepsFailed : ExitCodes.Success;
        });
        return command;
    }
}
