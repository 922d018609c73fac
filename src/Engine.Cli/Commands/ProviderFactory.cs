using Reel.Engine.Execution;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Local;
using Reel.Engine.Providers.OpenAi;
using Microsoft.Extensions.Logging;

namespace Reel.Cli.Commands;

/// <summary>Composes the provider a run uses. Keys come from the environment and go nowhere else.</summary>
internal static class ProviderFactory
{
    /// <summary>The provider, or an error message for the user (missing key, unknown name).</summary>
    public static (IVideoProvider? Provider, string? Error) Create(string name, Workspace workspace, ILoggerFactory loggers)
    {
        switch (name)
        {
            case "local":
                return (new LocalProvider(workspace.LocalProviderDirectory, TimeProvider.System), null);
            case "openai":
                var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                    .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
                try
                {
                    var options = OpenAiOptions.FromEnvironment(env);
                    var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
                    return (new OpenAiProvider(http, options, TimeProvider.System, loggers.CreateLogger<OpenAiProvider>()), null);
                }
                catch (ProviderException ex)
                {
                    return (null, ex.Message);
                }

            default:
                return (null, $"unknown provider '{name}'");
        }
    }
}
