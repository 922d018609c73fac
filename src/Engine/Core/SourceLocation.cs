namespace Reel.Engine.Core;

/// <summary>A 1-based position in a source file.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public static SourceLocation None { get; } = new("", 0, 0);

    public bool IsKnown => Line > 0;

    public override string ToString() => IsKnown ? $"{File}({Line},{Column})" : File;
}
