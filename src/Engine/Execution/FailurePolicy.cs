using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;

namespace Reel.Engine.Execution;

/// <summary>What a failed step means: the message the user reads, and whether the whole run stops.</summary>
/// <param name="Message">The step's error, as printed after <c>error: step:</c>.</param>
/// <param name="Halt">How the run stops, when it must stop launching steps.</param>
/// <param name="HaltMessage">The run's closing message when it halts.</param>
internal sealed record StepFailure(string Message, RunStop? Halt = null, string? HaltMessage = null);

/// <summary>
/// The failure policy (design.md §4): a moderation refusal names the prompt and image, an invalid
/// request the provider's parameter, a quota or key error stops the run with nothing else submitted,
/// and a refused submit (<c>--max-cost</c>) stops it too. Anything else is a bug and is not caught.
/// </summary>
internal static class FailurePolicy
{
    /// <summary>Errors that fail one step; any other exception is a bug.</summary>
    public static bool FailsTheStep(Exception ex) =>
        ex is ProviderException or InvalidDataException or IOException or RunRefusedException or NotSupportedException or FfmpegMissingException or FfmpegException;

    public static StepFailure Decide(PlannedStep step, Exception ex)
    {
        switch (ex)
        {
            case ProviderException { Class: ErrorClass.QuotaOrAuth } quota:
                var stopped = $"stopped: {quota.Message}";
                return new StepFailure(stopped, RunStop.Halted, $"{step.Id}: {stopped}; nothing else was submitted");
            case ProviderException provider:
                return new StepFailure(provider.Class switch
                {
                    ErrorClass.Moderation => $"refused by the provider's moderation: {provider.Message} (prompt: \"{Shorten(StepFacts.Prompt(step.Request))}\"{(step.Request is GenerateStep { Image: { } img } ? $", image: {Path.GetFileName(img.Path)}" : "")})",
                    ErrorClass.Invalid => $"rejected by the provider: {provider.Message}{(provider.Error.Param is { } p ? $" (param: {p})" : "")}",
                    _ => provider.Message,
                });
            case RunRefusedException refused:
                return new StepFailure(refused.Message, RunStop.Refused, refused.Message);
            default:
                return new StepFailure(ex.Message);
        }
    }

    private static string Shorten(string s) => s.Length <= 120 ? s.ReplaceLineEndings(" ") : s[..117].ReplaceLineEndings(" ") + "…";
}
