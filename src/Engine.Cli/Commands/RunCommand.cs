using System.CommandLine;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;

namespace Reel.Cli.Commands;

internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var profile = Common.ProfileOption();
        var allowOutside = Common.AllowOutsideOption();
        var json = Common.JsonOption("the run's results");
        var concurrency = new Option<int>("--concurrency") { Description = "Steps running at once per provider (lowered automatically on rate limits).", DefaultValueFactory = _ => 4 };
        var maxCost = new Option<decimal?>("--max-cost") { Description = "Refuse to spend more than this many USD of new money (jobs that exist are reused for free): checked against the plan before the first submit, and before every submit." };
        var only = Common.OnlyOption();
        var force = Common.ForceOption();
        var keepGoing = new Option<bool>("--keep-going") { Description = "After a failure, keep running branches that do not depend on it." };
        var frozen = new Option<bool>("--frozen") { Description = "Refuse to run anything that is not already locked (for CI)." };
        var batch = new Option<bool>("--batch") { Description = "Submit ready generate steps as one batch job where the provider supports it." };
        var resubmit = new Option<bool>("--resubmit-unanswered") { Description = "Submit again the steps whose earlier submit got no answer on a provider that cannot list its jobs (fal, veo); this may pay twice." };
        var noWait = new Option<bool>("--no-wait") { Description = "While another run works on this project, refuse (exit 3) instead of waiting for it." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every submit, poll and download to stderr, with each event's category and id." };
        var watch = new Option<bool>("--watch") { Description = "After the run, wait: when the script, an include or an input file is saved, plan again and run what changed, until Ctrl+C. On a paid provider it needs --max-cost, which then caps everything the watch runs." };
        var command = new Command("run", "Run a script: every generate, extend and edit step exactly once, cached by content, then the cuts and the report.")
        {
            script, provider, profile, allowOutside, concurrency, maxCost, only, force, keepGoing, frozen, batch, resubmit, noWait, json, verbose, watch,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Common.ScriptPath(context, parse.GetValue(script)) is not { } path)
            {
                return ExitCodes.Invalid;
            }

            var options = new RunOptions(
                parse.GetValue(concurrency),
                parse.GetValue(maxCost),
                parse.GetValue(keepGoing),
                parse.GetValue(frozen),
                parse.GetValue(batch),
                parse.GetValue(resubmit));
            var request = new RunRequest(options, new PlanOptions([.. parse.GetValue(force) ?? []], [.. parse.GetValue(only) ?? []]), Wait: !parse.GetValue(noWait));
            var target = new RunOnce.Target(path, parse.GetValue(provider), parse.GetValue(profile), parse.GetValue(allowOutside), parse.GetValue(verbose));
            if (parse.GetValue(watch))
            {
                return await WatchLoop.RunAsync(context, target, request, cancellationToken);
            }

            return (await RunOnce.RunAsync(context, target, request, parse.GetValue(json), cancellationToken)).Code;
        });
        return command;
    }
}
