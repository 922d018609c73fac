using System.CommandLine;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Scripts;
using Reel.Engine.Reporting;
using Spectre.Console;

namespace Reel.Cli.Commands;

internal static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var profile = Common.ProfileOption();
        var allowOutside = Common.AllowOutsideOption();
        var json = Common.JsonOption("the plan");
        var only = Common.OnlyOption();
        var force = Common.ForceOption();
        var detailed = new Option<bool>("--detailed-exitcode")
        {
            Description = "Exit 0 when nothing would run, 4 when steps would run (changes pending), 2 on an error (as terraform plan).",
        };
        var command = new Command("plan", "Show what a run would do: every step in run order with status, reason, model, size, seconds, estimated cost and time. Needs no key or network.")
        {
            script, provider, profile, allowOutside, only, force, json, detailed,
        };
        command.SetAction(parse =>
        {
            if (Common.ScriptPath(context, parse.GetValue(script)) is not { } path)
            {
                return ExitCodes.Invalid;
            }

            var options = new PlanOptions([.. parse.GetValue(force) ?? []], [.. parse.GetValue(only) ?? []]);
            var planned = Common.Open(context, path, parse.GetValue(provider), parse.GetValue(allowOutside), profile: parse.GetValue(profile)).Plan(options);
            if (!Common.Print(context, planned))
            {
                return ExitCodes.Invalid;
            }

            var plan = planned.Plan!;
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(PlanText.Json(plan, path));
            }
            else if (context.OutColor)
            {
                RenderTable(context, plan, path);
            }
            else
            {
                context.Out.Write(PlanText.Render(plan, path));
            }

            return parse.GetValue(detailed) && plan.Totals.ToRun > 0 ? ExitCodes.ChangesPending : ExitCodes.Success;
        });
        return command;
    }

    private static void RenderTable(CliContext context, Plan plan, string path)
    {
        // What AnsiConsole.Console is, but on the invocation's stdout and environment.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Out = new AnsiConsoleOutput(context.Out),
            EnvironmentVariables = context.Environment.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value!, StringComparer.Ordinal),
        });
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(PlanText.Title(plan, path))}[/]");
        foreach (var (h, i) in PlanText.Header.Select((h, i) => (h, i)))
        {
            var column = new TableColumn($"[grey]{h}[/]");
            if (i is 0 or 7 or 8 or 9)
            {
                column.RightAligned();
            }

            table.AddColumn(column);
        }

        foreach (var row in PlanText.Rows(plan))
        {
            var cells = row.Select(Markup.Escape).ToArray();
            cells[3] = row[3] switch { "run" or "force" => $"[yellow]{cells[3]}[/]", "reuse" => $"[blue]{cells[3]}[/]", _ => $"[green]{cells[3]}[/]" };
            cells[1] = $"[bold]{cells[1]}[/]";
            cells[10] = $"[grey]{cells[10]}[/]";
            table.AddRow(cells);
        }

        table.Caption(Markup.Escape(PlanText.TotalsLine(plan)));
        console.Write(table);
    }
}
