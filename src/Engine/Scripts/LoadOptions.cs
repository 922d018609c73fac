namespace Reel.Engine.Scripts;

/// <summary>Options of the Load → Validate → Bind stages.</summary>
/// <param name="ProviderOverride">The provider the command uses instead of the script's <c>provider:</c> (<c>--provider</c>).</param>
/// <param name="AllowOutside">Whether paths may leave the script's directory tree (<c>--allow-outside</c>).</param>
/// <param name="Profile">The profile to apply (<c>--profile</c>, <c>REEL_PROFILE</c>); null: the first one the script lists.</param>
/// <param name="ProfileFromEnvironment">
/// Whether <paramref name="Profile"/> came from <c>REEL_PROFILE</c>: a setting of the shell, which a script without
/// <c>profiles:</c> ignores (one asked for with <c>--profile</c> is an error there).
/// </param>
public sealed record LoadOptions(string? ProviderOverride = null, bool AllowOutside = false, string? Profile = null, bool ProfileFromEnvironment = false);
