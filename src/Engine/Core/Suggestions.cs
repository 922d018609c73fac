namespace Reel.Engine.Core;

/// <summary>"Did you mean …?" for unknown names.</summary>
public static class Suggestions
{
    /// <summary>Names longer than this get no suggestion.</summary>
    private const int MaxLength = 256;

    /// <summary>The closest candidate within a small edit distance, or null.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        var limit = Math.Max(1, Math.Min(3, name.Length / 3));
        if (name.Length > MaxLength)
        {
            // Nobody mistypes a name this long, and the distance table grows with the square of it.
            return null;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            if (Math.Abs(c.Length - name.Length) > limit)
            {
                continue; // the distance is at least the difference in length
            }

            var d = Distance(name, c);
            if (d < bestDistance || (d == bestDistance && best is not null && string.CompareOrdinal(c, best) < 0))
            {
                best = c;
                bestDistance = d;
            }
        }

        return best is not null && bestDistance <= limit ? best : null;
    }

    /// <summary>Appends " (did you mean 'x'?)" when a close candidate exists.</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates)
    {
        var c = Closest(name, candidates);
        return c is null ? "" : $" (did you mean '{c}'?)";
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
