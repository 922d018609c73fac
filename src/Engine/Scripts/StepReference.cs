using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Reel.Engine.Scripts;

/// <summary>A parsed step reference: <c>id</c>, <c>id#2</c>, <c>id[axis=value,…]</c>, <c>id[axis=value]#2</c>.</summary>
public sealed partial record ParsedStepRef(string Id, ImmutableArray<KeyValuePair<string, string>> Selector, int? Take)
{
    [GeneratedRegex(@"^(?<id>[a-z0-9][a-z0-9-]*)(\[(?<sel>[^\]]*)\])?(#(?<take>[0-9]+))?$")]
    private static partial Regex Pattern();

    public static ParsedStepRef? Parse(string text)
    {
        var m = Pattern().Match(text);
        if (!m.Success)
        {
            return null;
        }

        var selector = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        if (m.Groups["sel"].Success)
        {
            foreach (var part in m.Groups["sel"].Value.Split(','))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    return null;
                }

                selector.Add(new(part[..eq].Trim(), part[(eq + 1)..].Trim()));
            }
        }

        // A take beyond Int32 names no take any step has; saturating keeps it out of range for the checks.
        int? take = !m.Groups["take"].Success ? null
            : int.TryParse(m.Groups["take"].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t
            : int.MaxValue;
        return new ParsedStepRef(m.Groups["id"].Value, selector.ToImmutable(), take);
    }
}
