namespace Reel.Engine.Scripts;

/// <summary>Options of the Load → Validate → Bind stages.</summary>
/// <param name="ProviderOverride">The provider the command uses instead of the script's <c>provider:</c> (<c>--provider</c>).</param>
/// <param name="AllowOutside">Whether paths may leave the script's directory tree (<c>--allow-outside</c>).</param>
public sealed record LoadOptions(string? ProviderOverride = null, bool AllowOutside = false);
