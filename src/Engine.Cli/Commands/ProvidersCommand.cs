using System.CommandLine;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Reporting;

namespace Reel.Cli.Commands;

internal static class ProvidersCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("NAME") { Description = $"Only this provider ({string.Join(", ", ProviderCatalog.Names)}).", Arity = ArgumentArity.ZeroOrOne };
        var json = Common.JsonOption("the capability tables");
        var command = new Command("providers", "Show what every provider (or one) can do, as Markdown tables: models, sizes, seconds, prices, operations, options and environment variables. Needs no key or network.")
        {
            name, json,
        };
        command.SetAction(parse =>
        {
            var tables = ProviderCatalog.Entries.Select(e => e.Capabilities).ToList();
            if (parse.GetValue(name) is { } wanted)
            {
                if (ProviderCatalog.Find(wanted) is not { } one)
                {
                    context.Error.WriteLine($"error: no provider '{wanted}'{Suggestions.DidYouMean(wanted, ProviderCatalog.Names)} (providers: {string.Join(", ", ProviderCatalog.Names)})");
                    return ExitCodes.Invalid;
                }

                context.Out.Write(parse.GetValue(json) ? CapabilityJson.Provider(one) : CapabilityTable.Markdown([one]));
                return ExitCodes.Success;
            }

            context.Out.Write(parse.GetValue(json) ? CapabilityJson.All(tables) : CapabilityTable.Markdown(tables));
            return ExitCodes.Success;
        });
        return command;
    }
}
