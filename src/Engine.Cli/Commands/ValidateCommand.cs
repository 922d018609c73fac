using System.CommandLine;
using Reel.Engine.Reporting;

namespace Reel.Cli.Commands;

internal static class ValidateCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var provider = Common.ProviderOption();
        var profile = Common.ProfileOption();
        var allowOutside = Common.AllowOutsideOption();
        var json = Common.JsonOption("the diagnostics (file, line, column, code, severity, message, help)");
        var format = new Option<string>("--format")
        {
            Description = "text (default), json (as --json), github (GitHub Actions annotations) or sarif (SARIF 2.1.0, for code scanning); all but text go to stdout.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json", "github", "sarif");
        var command = new Command("validate", "Check a script: YAML, schema, references, templates and the provider's capabilities. Needs no key or network; on comfy it also checks the workflows against the server's /object_info when COMFY_BASE_URL answers.")
        {
            script, provider, profile, allowOutside, json, format,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Common.ScriptPath(context, parse.GetValue(script)) is not { } path)
            {
                return ExitCodes.Invalid;
            }

            var project = Common.Open(context, path, parse.GetValue(provider), parse.GetValue(allowOutside), profile: parse.GetValue(profile));
            var server = await project.CheckServerAsync(project.Compile(), cancellationToken: cancellationToken).ConfigureAwait(false);
            var compilation = server.Compilation;
            var chosen = parse.GetValue(json) ? "json" : parse.GetValue(format);
            var diagnostics = compilation.Diagnostics;
            switch (chosen)
            {
                case "json":
                    context.Out.Write(DiagnosticFormats.Json(path, diagnostics, compilation.Expanded?.Provider, compilation.Expanded?.Steps.Length));
                    return compilation.Succeeded ? ExitCodes.Success : ExitCodes.Invalid;
                case "github":
                    context.Out.Write(DiagnosticFormats.GitHub(diagnostics));
                    return compilation.Succeeded ? ExitCodes.Success : ExitCodes.Invalid;
                case "sarif":
                    context.Out.Write(DiagnosticFormats.Sarif(diagnostics, Common.Version));
                    return compilation.Succeeded ? ExitCodes.Success : ExitCodes.Invalid;
            }

            if (!Common.Print(context, compilation))
            {
                return ExitCodes.Invalid;
            }

            var steps = compilation.Expanded!.Steps.Length;
            var against = server.Checked ? "; workflows checked against the server's node classes" : "";
            context.Out.WriteLine($"{path}: valid ({steps} step{(steps == 1 ? "" : "s")} on {compilation.Expanded.Provider}{against})");
            return ExitCodes.Success;
        });
        return command;
    }
}
