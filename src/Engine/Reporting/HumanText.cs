using System.Globalization;

namespace Reel.Engine.Reporting;

/// <summary>Durations and sizes as people read them: <c>0.6 s</c>, <c>2 min 5 s</c>, <c>1.2 MB</c> — never <c>00:00:00.58</c>.</summary>
public static class HumanText
{
    /// <summary>
    /// <c>0.6 s</c> under 10 s (one decimal), <c>42 s</c> under a minute, <c>2 min 5 s</c> under an hour, <c>1 h 4 min</c> beyond.
    /// </summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero)
        {
            t = TimeSpan.Zero;
        }

        if (t.TotalSeconds < 9.95)
        {
            return Math.Round(t.TotalSeconds, 1).ToString("0.#", CultureInfo.InvariantCulture) + " s";
        }

        var seconds = (long)Math.Round(t.TotalSeconds);
        if (seconds < 60)
        {
            return $"{seconds} s";
        }

        if (seconds < 3600)
        {
            return seconds % 60 == 0 ? $"{seconds / 60} min" : $"{seconds / 60} min {seconds % 60} s";
        }

        var minutes = (long)Math.Round(t.TotalMinutes);
        return minutes % 60 == 0 ? $"{minutes / 60} h" : $"{minutes / 60} h {minutes % 60} min";
    }

    /// <summary><c>512 B</c>, <c>4.1 KB</c>, <c>1.2 MB</c>, <c>3.0 GB</c> (powers of 1024, one decimal from KB up).</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 1024)
        {
            return $"{Math.Max(0, bytes)} B";
        }

        string[] units = ["KB", "MB", "GB", "TB"];
        var value = bytes / 1024.0;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
