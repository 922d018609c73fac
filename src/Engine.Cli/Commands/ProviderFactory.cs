using Reel.Engine.Execution;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Fal;
using Reel.Engine.Providers.Local;
using Reel.Engine.Providers.OpenAi;
using Reel.Engine.Providers.Veo;
using Microsoft.Extensions.Logging;

namespace Reel.Cli.Commands;

/// <summary>Composes the provider a run uses. Keys come from the environment and go nowhere else.</summary>
internal static class ProviderFactory
{
    /// <summary>The provider, or an error message for the user (missing key, unknown name). Keys come from <paramref name="env"/>.</summary>
    public static (IVideoProvider? Provider, string? Error) Create(string name, Workspace workspace, ILoggerFactory loggers, IReadOnlyDictionary<string, string?> env)
    {
        if (name == "local")
        {
            return (new LocalProvider(workspace.LocalProviderDirectory, TimeProvider.System), null);
        }

        try
        {
            IVideoProvider? provider = name switch
            {
                "openai" => new OpenAiProvider(Http(), OpenAiOptions.FromEnvironment(env), TimeProvider.System, loggers.CreateLogger<OpenAiProvider>()),
                "fal" => new FalProvider(Http(), FalOptions.FromEnvironment(env), TimeProvider.System, loggers.CreateLogger<FalProvider>()),
                "veo" => new VeoProvider(Http(), VeoOptions.Gemini(env), TimeProvider.System, loggers.CreateLogger<VeoProvider>()),
                "veo-vertex" => new VeoProvider(Http(), VeoOptions.Vertex(env), TimeProvider.System, loggers.CreateLogger<VeoProvider>()),
                _ => null,
            };
            return provider is null ? (null, $"unknown provider '{name}'") : (provider, null);
        }
        catch (ProviderException ex)
        {
            return (null, ex.Message);
        }
    }

    private static HttpClient Http() => new() { Timeout = TimeSpan.FromMinutes(10) };
}
