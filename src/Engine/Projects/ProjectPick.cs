using System.Globalization;
using System.Text;
using Reel.Engine.Prompts;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Projects;

/// <summary>What <see cref="Project.Pick"/> did: the step and take it picked, or why it did not.</summary>
/// <param name="Compilation">The script's compilation when it did not compile (the diagnostics to show).</param>
public sealed record PickOutcome(bool Succeeded, string Message, Compilation? Compilation = null);

public sealed partial class Project
{
    /// <summary>
    /// <c>reel pick</c>: chooses take <c>N</c> of a step (<c>open#2</c>, or a matrix cell's <c>pour[light=dawn]#2</c>,
    /// which picks for the whole scene) by writing <c>pick: N</c> into the script in place. Refuses a take that does not
    /// exist; writes nothing unless the script still compiles with the new pick.
    /// </summary>
    public PickOutcome Pick(string stepAndTake)
    {
        ArgumentNullException.ThrowIfNull(stepAndTake);
        var hash = stepAndTake.LastIndexOf('#');
        if (hash <= 0 || !int.TryParse(stepAndTake.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var take) || take < 1)
        {
            return new PickOutcome(false, $"'{stepAndTake}' names no take; write the step and the take number, e.g. open#2");
        }

        var name = stepAndTake[..hash];
        var source = name.Contains('[', StringComparison.Ordinal) ? name[..name.IndexOf('[', StringComparison.Ordinal)] : name;
        var compilation = Compile();
        if (!compilation.Succeeded)
        {
            return new PickOutcome(false, "the script has errors; fix them first", compilation);
        }

        var takes = compilation.Expanded!.Steps.Where(s => s.Source == source).Select(StepFacts.Take).DefaultIfEmpty(-1).Max();
        if (takes < 0)
        {
            return new PickOutcome(false, $"no step '{source}' in {DisplayPath}{Core.Suggestions.DidYouMean(source, compilation.Expanded.Steps.Select(s => s.Source).Distinct())}");
        }

        if (takes < 2)
        {
            return new PickOutcome(false, $"'{source}' has one take; there is nothing to pick (give it `takes: 2` or more)");
        }

        if (take > takes)
        {
            return new PickOutcome(false, $"'{source}' has {takes} takes; pick one of {source}#1 to {source}#{takes}");
        }

        var text = File.ReadAllText(Workspace.ScriptPath, PickEditor.Encoding);
        var edited = PickEditor.SetPick(text, source, take, out var error);
        if (edited is null)
        {
            return new PickOutcome(false, $"{error} ('{source}' may come from an include: picks are written in the file that defines the step)");
        }

        if (edited == text)
        {
            return new PickOutcome(true, $"{source}: take {take} was already picked");
        }

        AtomicFile.WriteAllBytes(Workspace.ScriptPath, PickEditor.Encoding.GetBytes(edited));
        if (!Compile().Succeeded)
        {
            // The edit must never leave a script that does not compile: put the original back.
            AtomicFile.WriteAllBytes(Workspace.ScriptPath, PickEditor.Encoding.GetBytes(text));
            return new PickOutcome(false, $"writing 'pick: {take}' into '{source}' would break the script; nothing was changed");
        }

        return new PickOutcome(true, $"{source}: picked take {take} ({source}#{take})");
    }
}
