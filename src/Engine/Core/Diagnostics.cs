using System.Collections.Immutable;

namespace Reel.Engine.Core;

public enum Severity
{
    Warning,
    Error,
}

/// <summary>A user-facing finding about a script. Diagnostics are data, never exceptions.</summary>
public sealed record Diagnostic(Severity Severity, string Code, string Message, SourceLocation Location)
{
    /// <summary>A diagnostic of <paramref name="descriptor"/>'s code and severity.</summary>
    public static Diagnostic Create(DiagnosticDescriptor descriptor, string message, SourceLocation location)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return new(descriptor.Severity, descriptor.Code, message, location);
    }

    /// <summary>MSBuild-style: <c>file(line,col): error CODE: message</c>.</summary>
    public override string ToString()
    {
        var sev = Severity == Severity.Error ? "error" : "warning";
        return Location.IsKnown
            ? $"{Location.File}({Location.Line},{Location.Column}): {sev} {Code}: {Message}"
            : string.IsNullOrEmpty(Location.File) ? $"{sev} {Code}: {Message}" : $"{Location.File}: {sev} {Code}: {Message}";
    }
}

/// <summary>Collects diagnostics of one stage; all are reported at once.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public bool HasErrors { get; private set; }

    public int Count => _items.Count;

    public void Add(Diagnostic diagnostic)
    {
        _items.Add(diagnostic);
        HasErrors |= diagnostic.Severity == Severity.Error;
    }

    /// <summary>Reports <paramref name="message"/> under <paramref name="descriptor"/>'s code, with its severity.</summary>
    public void Report(DiagnosticDescriptor descriptor, string message, SourceLocation location) =>
        Add(Diagnostic.Create(descriptor, message, location));

    public void AddRange(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            Add(d);
        }
    }

    /// <summary>Sorted by file, line, column, then code, so output is stable.</summary>
    public ImmutableArray<Diagnostic> ToImmutable() =>
        [.. _items.Distinct()
            .OrderBy(d => d.Location.File, StringComparer.Ordinal)
            .ThenBy(d => d.Location.Line)
            .ThenBy(d => d.Location.Column)
            .ThenBy(d => d.Code, StringComparer.Ordinal)
            .ThenBy(d => d.Message, StringComparer.Ordinal)];
}
