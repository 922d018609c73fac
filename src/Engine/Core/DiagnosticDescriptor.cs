using System.Collections.Immutable;

namespace Reel.Engine.Core;

/// <summary>
/// What one diagnostic code means. Every code Reel reports is one of these, declared once in
/// <see cref="DiagnosticCodes"/>; the README's diagnostic table is generated from them.
/// </summary>
/// <param name="Code">The stable code, <c>RLnnnn</c>.</param>
/// <param name="Severity">Every diagnostic with this code has this severity.</param>
/// <param name="Title">The meaning, as the README's table states it (Markdown).</param>
/// <param name="Examples">Messages as Reel prints them, for the README; may be empty.</param>
public sealed record DiagnosticDescriptor(string Code, Severity Severity, string Title, ImmutableArray<string> Examples)
{
    /// <summary>The README anchor of this code's row (<c>rl0206</c>).</summary>
    public string HelpAnchor => Code.ToLowerInvariant();

    /// <summary>Where the code is documented, relative to the repository root.</summary>
    public string HelpLink => "README.md#" + HelpAnchor;

    public override string ToString() => Code;
}
