using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Reel.Engine.Providers.Comfy;
using Reel.Engine.Providers.Fal;
using Reel.Engine.Providers.Http;
using Reel.Engine.Providers.Kling;
using Reel.Engine.Providers.Local;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Providers.Runway;
using Reel.Engine.Providers.Veo;

namespace Reel.Engine.Providers;

/// <summary>
/// What a provider is built from: everything that comes from outside the engine, passed in by the caller (the engine
/// never reads the process environment for it).
/// </summary>
/// <param name="Environment">Environment variables holding keys and base URLs (values are secrets: never print them).</param>
/// <param name="LocalProviderDirectory">Where the <c>local</c> provider keeps its job files (the workspace's).</param>
/// <param name="Time">The clock for retry delays and polling.</param>
/// <param name="Loggers">Loggers for the providers; they never receive a key.</param>
/// <param name="Randomizer">Numbers in [0, 1) for retry jitter (seed it to replay a run).</param>
/// <param name="HttpClients">Makes the HTTP client a remote provider sends with.</param>
public sealed record ProviderComposition(
    IReadOnlyDictionary<string, string?> Environment,
    string LocalProviderDirectory,
    TimeProvider Time,
    ILoggerFactory Loggers,
    Func<double> Randomizer,
    Func<HttpClient> HttpClients)
{
    /// <summary>Shows the directory only; the environment holds secrets.</summary>
    public override string ToString() => $"ProviderComposition {{ LocalProviderDirectory = {LocalProviderDirectory}, Environment = *** }}";

    /// <summary>The retry policy on this clock and randomizer (one per provider: each keeps its own pipeline).</summary>
    internal Retries NewRetries() => new(Time, Randomizer);
}

/// <summary>One provider Reel knows: its name, its capability table and how to build it.</summary>
/// <param name="Name">The name scripts and <c>--provider</c> use.</param>
/// <param name="Table">Builds what it can do (needs no key or network); built on first use, so naming providers stays cheap.</param>
/// <param name="Create">
/// Builds the provider; throws a <see cref="ProviderException"/> naming the variable when a key is missing
/// (<see cref="ErrorClass.QuotaOrAuth"/>) or a base URL is malformed (<see cref="ErrorClass.Invalid"/>).
/// </param>
public sealed record ProviderEntry(string Name, Func<ProviderCapabilities> Table, Func<ProviderComposition, IVideoProvider> Create)
{
    private readonly Lazy<ProviderCapabilities> _capabilities = new(Table);

    /// <summary>What it can do; needs no key or network.</summary>
    public ProviderCapabilities Capabilities => _capabilities.Value;
}

/// <summary>Every provider Reel knows, in the order the README and <c>reel providers</c> show them. The one list of names.</summary>
public static class ProviderCatalog
{
    public static ImmutableArray<ProviderEntry> Entries { get; } =
    [
        new("local", () => LocalCapabilities.Table, c => new LocalProvider(c.LocalProviderDirectory, c.Time)),
        new("openai", () => OpenAiCapabilities.Table, c => new OpenAiProvider(
            c.HttpClients(), OpenAiOptions.FromEnvironment(c.Environment), c.NewRetries(), c.Loggers.CreateLogger<OpenAiProvider>())),
        new("fal", () => FalCapabilities.Table, c => new FalProvider(
            c.HttpClients(), FalOptions.FromEnvironment(c.Environment), c.NewRetries(), c.Loggers.CreateLogger<FalProvider>())),
        new("veo", () => VeoCapabilities.Gemini, c => new VeoProvider(
            c.HttpClients(), VeoOptions.Gemini(c.Environment), c.NewRetries(), c.Loggers.CreateLogger<VeoProvider>())),
        new("veo-vertex", () => VeoCapabilities.Vertex, c => new VeoProvider(
            c.HttpClients(), VeoOptions.Vertex(c.Environment), c.NewRetries(), c.Loggers.CreateLogger<VeoProvider>())),
        new("runway", () => RunwayCapabilities.Table, c => new RunwayProvider(
            c.HttpClients(), RunwayOptions.FromEnvironment(c.Environment), c.NewRetries(), c.Loggers.CreateLogger<RunwayProvider>())),
        new("kling", () => KlingCapabilities.Table, c => new KlingProvider(
            c.HttpClients(), KlingOptions.FromEnvironment(c.Environment), c.NewRetries(), c.Loggers.CreateLogger<KlingProvider>())),
        new("comfy", () => ComfyCapabilities.Table, c => new ComfyProvider(
            c.HttpClients(), ComfyOptions.FromEnvironment(c.Environment), c.NewRetries(), c.Loggers.CreateLogger<ComfyProvider>())),
    ];

    /// <summary>The provider names, in catalog order.</summary>
    public static ImmutableArray<string> Names { get; } = [.. Entries.Select(e => e.Name)];

    private static readonly Lazy<ImmutableDictionary<string, ProviderCapabilities>> LazyTables =
        new(() => Entries.ToImmutableDictionary(e => e.Name, e => e.Capabilities, StringComparer.Ordinal));

    /// <summary>The capability tables by provider name (built on first use: every command names the providers, few need their tables).</summary>
    public static ImmutableDictionary<string, ProviderCapabilities> Tables => LazyTables.Value;

    /// <summary>The capability table of provider <paramref name="name"/>; builds only that one (in a cold process, every table costs JIT time).</summary>
    public static ProviderCapabilities? Find(string name)
    {
        foreach (var entry in Entries)
        {
            if (entry.Name == name)
            {
                return entry.Capabilities;
            }
        }

        return null;
    }

    /// <summary>Builds provider <paramref name="name"/> from <paramref name="composition"/>.</summary>
    /// <exception cref="ProviderException">
    /// <see cref="ErrorClass.Invalid"/> for an unknown name or a malformed base URL; <see cref="ErrorClass.QuotaOrAuth"/>
    /// when the provider's key is missing. The message is written for the user.
    /// </exception>
    public static IVideoProvider Create(string name, ProviderComposition composition)
    {
        ArgumentNullException.ThrowIfNull(composition);
        var entry = Entries.FirstOrDefault(e => e.Name == name) ?? throw ProviderException.Invalid($"unknown provider '{name}'");
        return entry.Create(composition);
    }
}
