using System.Collections.Immutable;
using Reel.Engine.Providers.Fal;
using Reel.Engine.Providers.Local;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Providers.Veo;

namespace Reel.Engine.Providers;

/// <summary>The capability tables of every provider Reel knows, by name. Needs no key or network.</summary>
public static class ProviderCatalog
{
    public static ImmutableDictionary<string, ProviderCapabilities> Tables { get; } =
        new Dictionary<string, ProviderCapabilities>(StringComparer.Ordinal)
        {
            ["local"] = LocalCapabilities.Table,
            ["openai"] = OpenAiCapabilities.Table,
            ["fal"] = FalCapabilities.Table,
            ["veo"] = VeoCapabilities.Gemini,
            ["veo-vertex"] = VeoCapabilities.Vertex,
        }.ToImmutableDictionary(StringComparer.Ordinal);

    public static ProviderCapabilities? Find(string name) => Tables.GetValueOrDefault(name);
}
