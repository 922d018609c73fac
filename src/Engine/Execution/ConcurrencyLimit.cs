using Microsoft.Extensions.Logging;

namespace Reel.Engine.Execution;

/// <summary>How many steps of one run may be in flight at once: <c>--concurrency</c>, lowered by one on every rate limit (never below one).</summary>
internal sealed class ConcurrencyLimit(int initial, ILogger logger)
{
    private readonly Lock _gate = new();
    private int _current = Math.Max(1, initial);

    public int Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>The provider said "too many requests": run one step fewer at a time.</summary>
    public void LowerAfterRateLimit()
    {
        lock (_gate)
        {
            if (_current > 1)
            {
                _current--;
                Log.ConcurrencyLowered(logger, _current);
            }
        }
    }
}
