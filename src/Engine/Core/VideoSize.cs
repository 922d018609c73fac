using System.Globalization;

namespace Reel.Engine.Core;

/// <summary>A clip size, <c>WxH</c>.</summary>
public readonly record struct VideoSize(int Width, int Height)
{
    public static bool TryParse(string? text, out VideoSize size)
    {
        size = default;
        if (text is null)
        {
            return false;
        }

        var parts = text.Split('x');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || w <= 0 || h <= 0)
        {
            return false;
        }

        size = new VideoSize(w, h);
        return true;
    }

    public bool IsPortrait => Height > Width;

    public override string ToString() => $"{Width}x{Height}";
}
