using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Reel.Cli.Review;
using Reel.Engine.Core;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Projects;

namespace Reel.Cli.Commands;

internal static class ReviewCommand
{
    public static Command Create(CliContext context)
    {
        var script = Common.ScriptArgument();
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (default: a free one).", DefaultValueFactory = _ => 0 };
        var noOpen = new Option<bool>("--no-open") { Description = "Do not open the page in the browser (it opens on a desktop otherwise)." };
        var watch = new Option<bool>("--watch") { Description = "Also run the script, and again whenever it, an include or an input file is saved (as `reel run --watch`); the page follows the runs. On a paid provider it needs --max-cost." };
        var provider = Common.ProviderOption();
        var profile = Common.ProfileOption();
        var maxCost = new Option<decimal?>("--max-cost") { Description = "With --watch: refuse to spend more than this many USD of new money over the whole watch." };
        var command = new Command("review", "Serve the live contact sheet on 127.0.0.1: compare takes, pick one with a button (written into the script as by `reel pick`); the page updates when the script, its includes, the lock or the store change.")
        {
            script, port, noOpen, watch, provider, profile, maxCost,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Common.ScriptPath(context, parse.GetValue(script)) is not { } path)
            {
                return ExitCodes.Invalid;
            }

            if (parse.GetValue(port) is < 0 or > 65535)
            {
                context.Error.WriteLine("error: --port must be within 0–65535 (0 picks a free one)");
                return ExitCodes.Invalid;
            }

            var project = Common.Open(context, path, parse.GetValue(provider), allowOutside: false, profile: parse.GetValue(profile));
            if (!File.Exists(project.Workspace.ScriptPath))
            {
                context.Error.WriteLine($"error: {path} does not exist");
                return ExitCodes.Invalid;
            }

            var target = new RunOnce.Target(path, parse.GetValue(provider), parse.GetValue(profile), AllowOutside: false, Verbose: false);
            var request = new RunRequest(new RunOptions(MaxCost: parse.GetValue(maxCost)), new PlanOptions([], []), Wait: true);
            if (!parse.GetValue(watch) && (parse.GetValue(maxCost) is not null || parse.GetValue(provider) is not null))
            {
                context.Error.WriteLine("error: --provider and --max-cost apply to the runs of --watch; add --watch");
                return ExitCodes.Invalid;
            }

            // The page shows the profile's state; one the script does not have is an error, not a page of the first profile.
            if (project.Profile is not null && project.Compile().Diagnostics.Where(d => d.Code == DiagnosticCodes.UnknownProfile.Code).ToList() is { Count: > 0 } unknown)
            {
                new DiagnosticPrinter(context).Print(unknown);
                return ExitCodes.Invalid;
            }

            if (parse.GetValue(watch) && WatchLoop.Refused(context, target, request))
            {
                return ExitCodes.Refused;
            }

            ReviewServer server;
            try
            {
                server = await ReviewServer.StartAsync(project, parse.GetValue(port), cancellationToken);
            }
            catch (IOException ex)
            {
                context.Error.WriteLine($"error: cannot listen on 127.0.0.1:{parse.GetValue(port)}: {ex.Message}");
                return ExitCodes.Invalid;
            }

            // SIGTERM (`timeout`, `kill`, a service manager) stops the server as Ctrl+C does.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                stopping.Cancel();
            });
            cancellationToken = stopping.Token;
            await using (server)
            {
                context.Out.WriteLine($"review: {server.Address}");
                context.Out.WriteLine("Ctrl+C stops the server.");
                context.Out.Flush();
                if (!parse.GetValue(noOpen) && OnDesktop(context))
                {
                    OpenBrowser(server.Address);
                }

                if (parse.GetValue(watch))
                {
                    return await WatchLoop.LoopAsync(context, target, request, cancellationToken);
                }

                var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var registration = cancellationToken.Register(() => stop.TrySetResult());
                using (context.TrapCancel())
                {
                    await stop.Task;
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A desktop session can show a browser: Windows, macOS, or a display on Linux.</summary>
    private static bool OnDesktop(CliContext context) =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() || context.Variable("DISPLAY") is { Length: > 0 } || context.Variable("WAYLAND_DISPLAY") is { Length: > 0 };

    private static void OpenBrowser(Uri address)
    {
        var start = OperatingSystem.IsWindows() ? new ProcessStartInfo(address.ToString()) { UseShellExecute = true }
            : new ProcessStartInfo(OperatingSystem.IsMacOS() ? "open" : "xdg-open", address.ToString()) { UseShellExecute = false };
        try
        {
            using var process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No opener: the address is printed above.
        }
    }
}
