using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Providers;

namespace Reel.Engine.Projects;

/// <summary>
/// What the engine takes from the world it runs in: the environment variables (keys, <c>REEL_STORE</c>,
/// base URLs; never printed), the directory relative paths start from, the clock, logging, and how a
/// run's provider is made. The CLI builds one from the process; tests and benchmarks build their own.
/// </summary>
public sealed record ProjectHost(IReadOnlyDictionary<string, string?> Environment, string WorkingDirectory)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Makes the provider a run uses, by name; the default builds it from <see cref="ProviderCatalog"/>.</summary>
    public Func<string, ProviderComposition, IVideoProvider> Providers { get; init; } = ProviderCatalog.Create;

    /// <summary>The randomizer of retry jitter; tests seed it.</summary>
    public Func<double> Randomizer { get; init; } = new Random().NextDouble;

    /// <summary>Shows the working directory only; the environment holds secrets.</summary>
    public override string ToString() => $"ProjectHost {{ WorkingDirectory = {WorkingDirectory}, Environment = *** }}";
}

/// <summary>How a command opens a script: the provider override, the path rule and the profile.</summary>
/// <param name="Profile">The profile to apply (<c>--profile</c>); null: <c>REEL_PROFILE</c>, else the first one the script lists.</param>
public sealed record ProjectOptions(string? Provider = null, bool AllowOutside = false, string? Profile = null);
