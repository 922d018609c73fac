using System.CommandLine;
using Reel.Engine.Projects;
using Reel.Engine.Reporting;

namespace Reel.Cli.Commands;

internal static class GcCommand
{
    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Project folders, or scripts whose folder to clean (default: the current directory). Every lock file of a folder counts.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only print what would be removed." };
        var command = new Command("gc", "Remove the store objects (.reel/objects) that no lock file in the folder refers to, and print what it frees. Objects a lock refers to, including earlier rolls (previous:), are never removed.")
        {
            paths, dryRun,
        };
        command.SetAction(parse =>
        {
            var named = parse.GetValue(paths) is { Length: > 0 } given ? given : ["."];
            var folders = new List<string>();
            foreach (var path in named)
            {
                var full = context.FullPath(path);
                var folder = Directory.Exists(full) ? full : File.Exists(full) ? Path.GetDirectoryName(full)! : null;
                if (folder is null)
                {
                    context.Error.WriteLine($"error: no folder or script '{path}'");
                    return ExitCodes.Invalid;
                }

                if (!folders.Contains(folder, StringComparer.Ordinal))
                {
                    folders.Add(folder);
                }
            }

            var host = new ProjectHost(context.Environment, context.WorkingDirectory);
            var refused = false;
            foreach (var folder in folders)
            {
                var report = StoreCollection.Collect(folder, host, parse.GetValue(dryRun));
                if (report.Refusal is not null)
                {
                    context.Error.WriteLine($"error: {Where(context, folder)}{report.Refusal}");
                    refused = true;
                    continue;
                }

                Print(context, report, parse.GetValue(dryRun), folders.Count > 1 ? Where(context, folder) : "");
            }

            return refused ? ExitCodes.Invalid : ExitCodes.Success;
        });
        return command;
    }

    private static string Where(CliContext context, string folder) => context.RelativePath(folder) is "." ? "" : context.RelativePath(folder) + ": ";

    private static void Print(CliContext context, CollectionReport report, bool dryRun, string prefix)
    {
        static string Size(IEnumerable<StoreObject> objects) => HumanText.Bytes(objects.Sum(o => o.Length));
        static string Objects(int n) => $"{n} object{(n == 1 ? "" : "s")}";
        foreach (var item in report.Removed)
        {
            context.Out.WriteLine($"{prefix}{(dryRun ? "would remove" : "removed")} {item.Sha256[..12]}  {HumanText.Bytes(item.Length)}{(item.Kind is null ? "" : "  " + item.Kind)}");
        }

        var locks = report.LockFiles.IsEmpty ? "no lock file" : string.Join(", ", report.LockFiles.Select(Path.GetFileName));
        context.Out.WriteLine(dryRun
            ? $"{prefix}would free {Size(report.Removed)} ({Objects(report.Removed.Length)}); {Objects(report.Kept.Length)} ({Size(report.Kept)}) stay, referred to by {locks}"
            : $"{prefix}freed {Size(report.Removed)} ({Objects(report.Removed.Length)}); {Objects(report.Kept.Length)} ({Size(report.Kept)}) stay, referred to by {locks}");
        if (!report.Recent.IsEmpty)
        {
            context.Out.WriteLine($"{prefix}{Objects(report.Recent.Length)} ({Size(report.Recent)}) written in the last {HumanText.Duration(StoreCollection.Grace)} also stay: a run may still lock them");
        }
    }
}
