using Reel.Engine.Core;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;

namespace Reel.Engine.Reporting;

/// <summary>
/// What plans and reports show of any step in their uniform columns. Characters and cuts answer with the
/// values these columns have always shown for them (a character: the provider's default model and size,
/// no seconds; a cut: model "cut", its length).
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

    public static string Prompt(StepRequest step) => Planner.PromptOf(step) ?? "";

    public static int Take(StepRequest step) => step is ClipStep clip ? clip.Take : 0;
}
