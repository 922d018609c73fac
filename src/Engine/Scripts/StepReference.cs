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

        int? take = m.Groups["take"].Success ? int.Parse(m.Groups["take"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        return new ParsedStepRef(m.Groups["id"].Value, selector.ToImmutable(), take);
    }
}

/// <summary>Naming of expanded steps: <c>pour[light=dawn]</c>, <c>open#2</c>, <c>@mira</c> for characters.</summary>
public static class StepNames
{
    public static string Variant(string id, IReadOnlyList<KeyValuePair<string, string>> matrix) =>
        matrix.Count == 0 ? id : $"{id}[{string.Join(',', matrix.Select(kv => $"{kv.Key}={kv.Value}"))}]";

    public static string Take(string variant, int take, int takes) => takes > 1 ? $"{variant}#{take}" : variant;

    public static string Character(string id) => "@" + id;

    /// <summary>A file-system friendly form of a step id for <c>out/shots/</c>.</summary>
    /// <remarks>
    /// Characters get a leading '_' because no step id can start with one, so '@mira' never meets a
    /// scene called 'character-mira'. Matrix values are free text: anything that is not safe in a
    /// file name on every OS ('/', ':', '*', blanks, …) becomes '-'.
    /// </remarks>
    public static string FileName(string stepId)
    {
        var name = stepId.Replace("[", "_", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal)
            .Replace("=", "-", StringComparison.Ordinal).Replace(",", "_", StringComparison.Ordinal)
            .Replace("#", "_take", StringComparison.Ordinal).Replace("@", "_character-", StringComparison.Ordinal);
        return string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-'));
    }
}
