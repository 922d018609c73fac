namespace Reel.Engine.Core;

/// <summary>How one shot of a cut hands over to the next.</summary>
public enum TransitionKind
{
    /// <summary>Hard cut (no overlap).</summary>
    Cut,

    /// <summary>Fade through black (xfade <c>fadeblack</c>); overlaps the shots by its length.</summary>
    Fade,

    /// <summary>Cross-dissolve (xfade <c>fade</c>, audio <c>acrossfade</c>); overlaps the shots by its length.</summary>
    Crossfade,
}
