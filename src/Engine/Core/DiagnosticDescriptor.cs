using System.Collections.Immutable;

namespace Reel.Engine.Core;

/// <summary>
/// What one diagnostic code means. Every code Reel reports is one of these, declared once in
/// <see cref="DiagnosticCodes"/>; the diagnostic table of docs/diagnostics.md is generated from them.
/// </summary>
/// <param name="Code">The stable code, <c>RLnnnn</c>.</param>
/// <param name="Severity">Every diagnostic with this code has this severity.</param>
/// <param name="Title">The meaning, as docs/diagnostics.md's table states it (Markdown).</param>
/// <param name="Examples">Messages as Reel prints them, for docs/diagnostics.md; may be empty.</param>
public sealed record DiagnosticDescriptor(string Code, Severity Severity, string Title, ImmutableArray<string> Examples)
{
    /// <summary>The anchor of this code's row in docs/diagnostics.md (<c>rl0206</c>).</summary>
    public string HelpAnchor => Code.ToLowerInvariant();

    /// <summary>Where the code is documented, relative to the repository root.</summary>
    public string HelpLink => "docs/diagnostics.md#" + HelpAnchor;

    public override string ToString() => Code;
}
