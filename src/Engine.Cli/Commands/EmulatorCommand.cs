using System.CommandLine;
using Reel.Emulator;

namespace Reel.Cli.Commands;

internal static class EmulatorCommand
{
    public static Command Create(CliContext context)
    {
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 8089 };
        var speed = new Option<double>("--speed") { Description = "Seconds of render time per second of clip (0.05: an 8 s clip is ready in 0.4 s).", DefaultValueFactory = _ => 1.0 };
        var faults = new Option<string?>("--faults") { Description = "Inject faults at these rates, e.g. 429=0.1,500=0.05,503=0.05,drop=0.05,reset=0.05,truncate=0.05,moderation=0.02 (drop: the connection is cut before the request is handled; reset: after it; poll503: a 503 answer to that share of status polls only; createdrop/createreset: drop or reset only requests that create a job or a batch)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the fault dice, for reproducible runs.", DefaultValueFactory = _ => 0 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require this key on every API request, in each API's own header (bearer, Key, x-goog-api-key); otherwise any non-empty key is accepted." };
        var audit = new Option<string?>("--audit") { Description = "Append one JSON line per request and per job created to this file." };
        var data = new Option<string?>("--data") { Description = "Keep rendered clips and uploads in this directory (default: a temporary one)." };
        var realistic = new Option<bool>("--realistic") { Description = "Serve provider-like clips made by ffmpeg (H.264 High + AAC, exact size and duration, frame and sample rates per model) instead of local previews; needs ffmpeg." };
        var command = new Command("emulator", "Serve faithful local copies of the OpenAI (/v1), Gemini (/v1beta), Vertex (/v1beta1), fal, Runway, Kling (/kling), ComfyUI (/comfy, /comfy-v2) and S3 APIs on one port of 127.0.0.1, rendered by the local provider, for offline development and tests. Point Reel at it with OPENAI_BASE_URL=http://127.0.0.1:PORT/v1, FAL_BASE_URL, GOOGLE_GEMINI_BASE_URL or GOOGLE_VERTEX_BASE_URL=http://127.0.0.1:PORT, RUNWAYML_BASE_URL=http://127.0.0.1:PORT, KLING_BASE_URL=http://127.0.0.1:PORT/kling, COMFY_BASE_URL=http://127.0.0.1:PORT/comfy, AWS_ENDPOINT_URL_S3=http://127.0.0.1:PORT.")
        {
            port, speed, faults, seed, apiKey, audit, data, realistic,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new EmulatorOptions(
                parse.GetValue(port),
                parse.GetValue(speed),
                parse.GetValue(faults),
                parse.GetValue(seed),
                parse.GetValue(apiKey),
                InWorkingDirectory(parse.GetValue(audit)),
                InWorkingDirectory(parse.GetValue(data)),
                parse.GetValue(realistic));
            if (options.Speed <= 0 || options.Port is < 0 or > 65535)
            {
                context.Error.WriteLine("error: --speed must be positive and --port within 0–65535");
                return ExitCodes.Invalid;
            }

            EmulatorServer server;
            try
            {
                server = await EmulatorServer.StartAsync(options, TimeProvider.System, cancellationToken);
            }
            catch (ArgumentException ex)
            {
                context.Error.WriteLine($"error: {(ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal))}");
                return ExitCodes.Invalid;
            }
            catch (IOException ex)
            {
                context.Error.WriteLine($"error: cannot listen on 127.0.0.1:{options.Port}: {ex.Message}");
                return ExitCodes.Invalid;
            }

            await using (server)
            {
                context.Out.WriteLine($"listening on {server.BaseAddress.ToString().TrimEnd('/')}");
                context.Out.Flush();

                // Serve until Ctrl+C (or the invocation's cancellation), then stop cleanly with exit 0.
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

        // Empty means "none" (audit) or "a temporary one" (data), as before.
        string? InWorkingDirectory(string? path) => string.IsNullOrEmpty(path) ? path : context.FullPath(path);
    }
}
