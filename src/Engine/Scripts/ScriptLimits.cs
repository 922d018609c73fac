using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// How many steps a script may expand to, checked on the bound declarations before anything is expanded, so a
/// few lines of matrix cannot ask for billions of steps (docs/limits.md).
/// </summary>
public static class ScriptLimits
{
    /// <summary>The most steps one scene may expand to: its matrix cells times its takes.</summary>
    public const int MaxStepsPerEntry = 1_000;

    /// <summary>The most steps one script may expand to, character registrations and cuts included.</summary>
    public const int MaxSteps = 10_000;

    /// <summary>The number of cells of a matrix (1 without one), exactly, however many axes it has.</summary>
    public static BigInteger Cells(ImmutableArray<MatrixAxis> matrix)
    {
        // A loop, not Aggregate: Aggregate<BigInteger, …> is a value-type instantiation the JIT compiles on every cold start.
        var cells = BigInteger.One;
        foreach (var axis in matrix)
        {
            cells *= axis.Values.Length;
        }

        return cells;
    }

    /// <summary>Reports every scene over <see cref="MaxStepsPerEntry"/> at its <c>matrix:</c> key, then the script over <see cref="MaxSteps"/>.</summary>
    /// <param name="script">The bound script (its steps have not been expanded).</param>
    /// <param name="matrixKeys">Each scene's <c>matrix:</c> key (where it is written), by scene id.</param>
    /// <param name="diagnostics">Receives <see cref="DiagnosticCodes.TooManySteps"/>.</param>
    /// <returns>False when a limit is passed: the script must not be expanded.</returns>
    public static bool Check(Script script, IReadOnlyDictionary<string, YScalar> matrixKeys, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(matrixKeys);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var withinEach = true;
        var total = BigInteger.Zero;
        SourceLocation? crossedAt = null;
        foreach (var step in script.Steps)
        {
            var cells = Cells(step.Matrix);
            var steps = cells * step.Takes;
            if (steps > MaxStepsPerEntry)
            {
                withinEach = false;
                var at = matrixKeys.TryGetValue(step.Id, out var key) ? key.Location : step.Location;
                var takes = step.Takes == 1 ? "" : $" × {step.Takes} takes";
                diagnostics.Report(DiagnosticCodes.TooManySteps, $"'{step.Id}' expands to {Count(cells)} matrix cells{takes} = {Count(steps)} steps; one scene may expand to at most {MaxStepsPerEntry:N0} (split it, or use fewer axes or values)", at);
            }

            total += steps;
            if (crossedAt is null && total > MaxSteps)
            {
                crossedAt = step.Location;
            }
        }

        total += script.Cuts.Length + script.Characters.Count(c => c.Video is not null);
        if (withinEach && total > MaxSteps)
        {
            diagnostics.Report(DiagnosticCodes.TooManySteps, $"the script expands to {Count(total)} steps; a script may have at most {MaxSteps:N0}", crossedAt ?? script.ProviderLocation);
            return false;
        }

        return withinEach;
    }

    private static string Count(BigInteger n) =>
        n < BigInteger.Pow(10, 15) ? n.ToString("N0", CultureInfo.InvariantCulture) : $"about 10^{BigInteger.Log10(n):0}";
}
