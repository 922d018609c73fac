using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>The text of one script file, kept for caret printing and prompt position mapping.</summary>
public sealed record SourceFile(string Path, string DisplayName, string Text)
{
    private string[]? _lines;

    public string[] Lines => _lines ??= Text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    public string LineAt(int line) => line >= 1 && line <= Lines.Length ? Lines[line - 1] : "";
}

public enum ScalarKind
{
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// <summary>A YAML node with the position of its first character.</summary>
public abstract class YNode(SourceLocation location)
{
    public SourceLocation Location { get; } = location;
}

public sealed class YScalar(string value, ScalarKind kind, SourceLocation location, SourceLocation end) : YNode(location)
{
    public string Value { get; } = value;

    public ScalarKind Kind { get; } = kind;

    public SourceLocation End { get; } = end;

    /// <summary>A plain scalar that YAML 1.2 core schema reads as null.</summary>
    public bool IsNull => Kind == ScalarKind.Plain && Value is "" or "~" or "null" or "Null" or "NULL";
}

public sealed class YMapping(ImmutableArray<YEntry> entries, SourceLocation location) : YNode(location)
{
    public ImmutableArray<YEntry> Entries { get; } = entries;

    public YEntry? Find(string key)
    {
        foreach (var e in Entries)
        {
            if (e.Key.Value == key)
            {
                return e;
            }
        }

        return null;
    }

    public YNode? this[string key] => Find(key)?.Value;
}

public sealed record YEntry(YScalar Key, YNode Value);

public sealed class YSequence(ImmutableArray<YNode> items, SourceLocation location) : YNode(location)
{
    public ImmutableArray<YNode> Items { get; } = items;
}

/// <summary>One loaded file: its text and its root node (null when it could not be parsed).</summary>
public sealed record LoadedYaml(SourceFile File, YNode? Root);
