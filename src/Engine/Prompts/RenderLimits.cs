namespace Reel.Engine.Prompts;

/// <summary>
/// What one prompt render may spend (docs/limits.md). Scriban's own limits (loop turns, recursion depth, string
/// length) bound most templates; these catch what stays inside them and still never returns, or fills memory.
/// </summary>
/// <param name="Time">Wall-clock time for one prompt, its includes and loops included.</param>
/// <param name="Memory">Bytes one prompt may allocate while it renders.</param>
/// <param name="Regex">How long one regular expression in a template function (<c>regex.match</c>, …) may run.</param>
public sealed record RenderLimits(TimeSpan Time, long Memory, TimeSpan Regex)
{
    /// <summary>1 s, 256 MB and 100 ms.</summary>
    public static RenderLimits Default { get; } = new(TimeSpan.FromSeconds(1), 256L * 1024 * 1024, TimeSpan.FromMilliseconds(100));
}
