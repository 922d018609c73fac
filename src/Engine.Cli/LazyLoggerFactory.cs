using Microsoft.Extensions.Logging;

namespace Reel.Cli;

/// <summary>A logger factory that builds the real one only when the first logger is asked for.</summary>
internal sealed class LazyLoggerFactory(Func<ILoggerFactory> create) : ILoggerFactory
{
    private readonly Lazy<ILoggerFactory> _factory = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

    public ILogger CreateLogger(string categoryName) => _factory.Value.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => _factory.Value.AddProvider(provider);

    public void Dispose()
    {
        if (_factory.IsValueCreated)
        {
            _factory.Value.Dispose();
        }
    }
}
