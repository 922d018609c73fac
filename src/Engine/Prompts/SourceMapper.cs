using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// Maps a character offset inside a scalar's value back to its line and column in the YAML text.
/// Works for every scalar style by aligning the value's non-blank characters, in order, with the
/// source text between the scalar's start and end marks (folding and indentation only change blanks).
/// </summary>
public static class SourceMapper
{
    public static SourceLocation Map(SourceFile file, YScalar node, int offset)
    {
        var lines = file.Lines;
        var line = node.Location.Line;
        var col = node.Location.Column;
        if (line < 1 || line > lines.Length)
        {
            return node.Location;
        }

        // Skip the block header line ('|', '>-', …) or the opening quote.
        switch (node.Kind)
        {
            case ScalarKind.Literal or ScalarKind.Folded:
                line++;
                col = 1;
                break;
            case ScalarKind.SingleQuoted or ScalarKind.DoubleQuoted:
                col++;
                break;
        }

        var value = node.Value;
        offset = Math.Clamp(offset, 0, Math.Max(0, value.Length - 1));
        var target = offset;
        while (target < value.Length && char.IsWhiteSpace(value[target]))
        {
            target++;
        }

        if (target >= value.Length)
        {
            target = offset;
            while (target > 0 && char.IsWhiteSpace(value[target]))
            {
                target--;
            }
        }

        for (var i = 0; i <= target && i < value.Length; i++)
        {
            var ch = value[i];
            if (char.IsWhiteSpace(ch))
            {
                continue;
            }

            // Advance the source cursor to the next occurrence of ch.
            while (line <= lines.Length)
            {
                var text = lines[line - 1];
                var found = col - 1 < text.Length ? text.IndexOf(ch, col - 1) : -1;
                if (found >= 0)
                {
                    col = found + 1;
                    break;
                }

                line++;
                col = 1;
            }

            if (line > lines.Length)
            {
                return node.Location;
            }

            if (i == target)
            {
                return new SourceLocation(file.DisplayName, line, col);
            }

            col++;
        }

        return node.Location;
    }
}
