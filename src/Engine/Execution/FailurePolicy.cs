using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;

namespace Reel.Engine.Execution;

/// <summary>What a failed step means: the message the user reads, and whether the whole run stops.</summary>
/// <param name="Message">The step's error, as printed after <c>error: step:</c>.</param>
/// <param name="Halt">How the run stops, when it must stop launching steps.</param>
/// <param name="HaltMessage">The run's closing message when it halts.</param>
/// <param name="Advice">What to do next, by the kind of failure.</param>
internal sealed record StepFailure(string Message, RunStop? Halt = null, string? HaltMessage = null, string? Advice = null);

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
        var again = "then run again: it resumes, and nothing done is paid twice";
        switch (ex)
        {
            case ProviderException { Class: ErrorClass.QuotaOrAuth } quota:
                var stopped = $"stopped: {quota.Message}";
                return new StepFailure(stopped, RunStop.Halted, $"{step.Id}: {stopped}; nothing else was submitted",
                    $"check the key and the quota of '{step.Request.Provider}', {again}");
            case ProviderException { Class: ErrorClass.Moderation } moderation:
                var image = step.Request is GenerateStep { Image: { } img } ? Path.GetFileName(img.Path) : null;
                return new StepFailure(
                    $"refused by the provider's moderation: {moderation.Message} (prompt: \"{Shorten(StepFacts.Prompt(step.Request))}\"{(image is null ? "" : $", image: {image}")})",
                    Advice: $"edit the prompt{(image is null ? "" : " or the image")} of '{step.Request.Source}' ({step.Request.Location}), then run again: only it and the steps that need it run");
            case ProviderException { Class: ErrorClass.Invalid } invalid:
                return new StepFailure(
                    $"rejected by the provider: {invalid.Message}{(invalid.Error.Param is { } p ? $" (param: {p})" : "")}",
                    Advice: invalid.Error.Code == "unanswered_submit"
                        ? "see above: check the provider's dashboard before submitting again"
                        : $"change what the provider rejected in '{step.Request.Source}' (`reel providers` lists what '{step.Request.Provider}' takes), then run again");
            case ProviderException transient:
                return new StepFailure(transient.Message, Advice: $"the provider kept failing after retries; wait a little, {again}");
            case RunRefusedException refused:
                return new StepFailure(refused.Message, RunStop.Refused, refused.Message,
                    "raise --max-cost, or run fewer steps with --only; what was done so far is kept");
            default:
                return new StepFailure(ex.Message, Advice: $"fix the cause above, {again}");
        }
    }

    private static string Shorten(string s) => s.Length <= 120 ? s.ReplaceLineEndings(" ") : s[..117].ReplaceLineEndings(" ") + "…";
}
