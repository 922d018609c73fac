using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Reel.Engine.Scripts;

/// <summary>
/// <c>reel pick</c>: writes <c>pick: N</c> into a step of a storyboard in place. Only the line of an existing
/// <c>pick:</c> changes, or one line is added under the step's <c>id:</c> (a flow mapping on one line gains
/// <c>, pick: N</c> on that line); comments, order, quoting and blank lines stay byte for byte.
/// </summary>
public static class PickEditor
{
    private static readonly string[] StepLists = ["scenes", "continuations", "edits"];

    /// <summary>Where a step sits in the text: its <c>id:</c> key, its <c>pick:</c> value if any, and its mapping.</summary>
    private sealed record StepSpot(Mark IdKey, Mark IdValueEnd, Scalar? Pick, bool Flow, int LastValueEnd);

    /// <summary>
    /// The text with <paramref name="stepId"/>'s pick set to <paramref name="take"/>, or null with
    /// <paramref name="error"/> when the step is not a scene, continuation or edit of this file.
    /// </summary>
    public static string? SetPick(string text, string stepId, int take, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        StepSpot? spot;
        try
        {
            spot = Find(text, stepId);
        }
        catch (YamlException ex)
        {
            error = $"the script is not valid YAML ({ex.Message}); run `reel validate` first";
            return null;
        }

        if (spot is null)
        {
            error = $"no scene, continuation or edit with id '{stepId}' in this file";
            return null;
        }

        error = null;
        var value = take.ToString(CultureInfo.InvariantCulture);
        if (spot.Pick is { } pick)
        {
            return string.Concat(text.AsSpan(0, (int)pick.Start.Index), value, text.AsSpan((int)pick.End.Index));
        }

        if (spot.Flow)
        {
            // `{ id: a, takes: 3 }` → `{ id: a, takes: 3, pick: 2 }`: right after the last value.
            var at = spot.LastValueEnd;
            return string.Concat(text.AsSpan(0, at), ", pick: ", value, text.AsSpan(at));
        }

        // Block style: a new line under the id's line, at the id key's column.
        // A block scalar id (`id: |-` and its line) ends at the start of the next line: insert there.
        var valueEnd = (int)spot.IdValueEnd.Index;
        var lineEnd = valueEnd > 0 && text[valueEnd - 1] == '\n' ? valueEnd - 1 : text.IndexOf('\n', valueEnd);
        var newline = lineEnd > 0 && text[lineEnd - 1] == '\r' ? "\r\n" : "\n";
        var line = new string(' ', (int)spot.IdKey.Column - 1) + "pick: " + value;
        return lineEnd < 0
            ? text + newline + line + newline
            : string.Concat(text.AsSpan(0, lineEnd + 1), line, newline, text.AsSpan(lineEnd + 1));
    }

    private static StepSpot? Find(string text, string stepId)
    {
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        if (!parser.TryConsume<DocumentStart>(out _) || !parser.TryConsume<MappingStart>(out _))
        {
            return null;
        }

        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = parser.Consume<Scalar>();
            if (StepLists.Contains(key.Value) && parser.TryConsume<SequenceStart>(out _))
            {
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    if (ReadStep(parser, text, stepId) is { } found)
                    {
                        return found;
                    }
                }
            }
            else
            {
                parser.SkipThisAndNestedEvents();
            }
        }

        return null;
    }

    private static StepSpot? ReadStep(IParser parser, string text, string stepId)
    {
        if (!parser.TryConsume<MappingStart>(out var start))
        {
            parser.SkipThisAndNestedEvents();
            return null;
        }

        Scalar? idKey = null, idValue = null, pick = null;
        var lastEnd = (int)start.End.Index;
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            if (!parser.TryConsume<Scalar>(out var key))
            {
                Skip(parser, text);
                lastEnd = Skip(parser, text);
                continue;
            }

            if (key.Value is "id" or "pick" && parser.Current is Scalar value)
            {
                parser.MoveNext();
                (idKey, idValue) = key.Value == "id" ? (key, value) : (idKey, idValue);
                pick = key.Value == "pick" ? value : pick;
                lastEnd = (int)value.End.Index;
                continue;
            }

            lastEnd = Skip(parser, text);
        }

        return idValue?.Value == stepId
            ? new StepSpot(idKey!.Start, idValue.End, pick, start.Style == MappingStyle.Flow, lastEnd)
            : null;
    }

    /// <summary>Skips one node (a scalar, or a collection with everything in it) and returns where it ends.</summary>
    private static int Skip(IParser parser, string text)
    {
        var depth = 0;
        ParsingEvent e;
        do
        {
            e = parser.Current!;
            depth += e is MappingStart or SequenceStart ? 1 : e is MappingEnd or SequenceEnd ? -1 : 0;
            parser.MoveNext();
        }
        while (depth > 0);

        // A flow collection's end event stands on its closing bracket: the node ends after it.
        var end = (int)e.End.Index;
        if (e is MappingEnd or SequenceEnd)
        {
            var close = (int)e.Start.Index;
            while (close < text.Length && text[close] is not ('}' or ']'))
            {
                close++;
            }

            end = Math.Max(end, close < text.Length ? close + 1 : end);
        }

        return end;
    }

    /// <summary>UTF-8 without a byte-order mark, as Reel reads scripts.</summary>
    public static Encoding Encoding { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
}
