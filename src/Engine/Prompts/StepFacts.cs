using Reel.Engine.Core;

namespace Reel.Engine.Prompts;

/// <summary>
/// What any step has in the uniform fields of keys, locks, plans and reports. Characters and cuts answer with
/// the values these fields have always held for them (a character: the provider's default model and size, its
/// name as the prompt, no seconds; a cut: model "cut", no prompt, its length), so keys never change with the
/// shape of the records.
/// </summary>
internal static class StepFacts
{
    public static string Model(StepRequest step) => step switch
    {
        ClipStep clip => clip.Model,
        CharacterStep character => character.Model,
        _ => "cut",
    };

    public static VideoSize Size(StepRequest step) => step switch
    {
        ClipStep clip => clip.Size,
        CutStep cut => cut.Size,
        _ => Expander.DefaultSize,
    };

    public static int TotalSeconds(StepRequest step) => step switch
    {
        ClipStep clip => clip.TotalSeconds,
        CutStep cut => cut.TotalSeconds,
        _ => 0,
    };

    /// <summary>The text the lock keeps as a step's prompt: a clip's prompt, a character's name; a cut has none.</summary>
    public static string? LockedPrompt(StepRequest step) => step switch
    {
        ClipStep clip => clip.Prompt,
        CharacterStep character => character.Name,
        _ => null,
    };

    public static string Prompt(StepRequest step) => LockedPrompt(step) ?? "";

    public static int Take(StepRequest step) => step is ClipStep clip ? clip.Take : 0;
}
