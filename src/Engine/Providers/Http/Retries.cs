using Polly;
using Polly.Retry;

namespace Reel.Engine.Providers.Http;

/// <summary>
/// Reel's one retry policy (design.md §4): a transient failure is tried again after the provider's
/// <c>Retry-After</c>, else after an exponential backoff with jitter (0.5 s, 1 s, 2 s, 4 s, 8 s, 8 s, … ±20 %),
/// at most <see cref="MaxAttempts"/> requests in all. Idempotent requests are retried by the HTTP transport with
/// <see cref="Pipeline"/>; a request that creates a job is sent once, and only the runner, which knows whether a
/// resubmit is safe, sends it again, on the same curve (<see cref="DelayFor"/> or <see cref="Pipeline"/>).
/// </summary>
/// <remarks>The clock and the randomizer are injected, so tests replay a run exactly with a fake clock and a seed.</remarks>
public sealed class Retries
{
    /// <summary>Requests per call at most, the first included: a persistent 503 on a status poll costs 8 requests.</summary>
    public const int MaxAttempts = 8;

    private readonly Func<double> _randomizer;
    private readonly Lock _gate = new();

    /// <param name="time">The clock retry delays are waited on.</param>
    /// <param name="randomizer">Numbers in [0, 1) for the jitter (called under a lock: it need not be thread-safe).</param>
    public Retries(TimeProvider time, Func<double> randomizer)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(randomizer);
        Time = time;
        _randomizer = randomizer;
    }

    /// <summary>The first backoff delay.</summary>
    public static TimeSpan FirstDelay { get; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The largest backoff delay (a provider's <c>Retry-After</c> may ask for longer and is honoured).</summary>
    public static TimeSpan MaxDelay { get; } = TimeSpan.FromSeconds(8);

    public TimeProvider Time { get; }

    /// <summary>The backoff before retry number <paramref name="retry"/> (1-based): 0.5 s doubling to 8 s, ±20 %, never above 8 s.</summary>
    public TimeSpan Backoff(int retry)
    {
        var baseDelay = FirstDelay * Math.Pow(2, Math.Clamp(retry - 1, 0, 10));
        if (baseDelay > MaxDelay)
        {
            baseDelay = MaxDelay;
        }

        var jittered = baseDelay * (0.8 + (0.4 * NextRandom()));
        return jittered > MaxDelay ? MaxDelay : jittered;
    }

    /// <summary>The wait before retry number <paramref name="retry"/> after <paramref name="failure"/>: its <c>Retry-After</c>, else <see cref="Backoff"/>.</summary>
    public TimeSpan DelayFor(int retry, ProviderException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.RetryAfter ?? Backoff(retry);
    }

    /// <summary>
    /// A pipeline that retries a <see cref="ErrorClass.Transient"/> <see cref="ProviderException"/> for which
    /// <paramref name="retryable"/> holds (by default every one), on this policy's curve, up to <see cref="MaxAttempts"/>
    /// attempts in all; anything else, and the last failure, is rethrown as is.
    /// </summary>
    /// <param name="retryable">Whether this failure may be retried (the transport: not after a partial body it can't rewind).</param>
    /// <param name="onRetry">Called before each wait with the failure, the retry number (1-based) and the delay.</param>
    public ResiliencePipeline Pipeline(
        Func<ProviderException, ResilienceContext, bool>? retryable = null,
        Action<ProviderException, ResilienceContext, int, TimeSpan>? onRetry = null)
    {
        var options = new RetryStrategyOptions
        {
            MaxRetryAttempts = MaxAttempts - 1,

            // Never consulted (the delay generator always answers), but set so the pipeline has no hidden randomness.
            Randomizer = NextRandom,
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is ProviderException { Class: ErrorClass.Transient } failure
                && (retryable?.Invoke(failure, args.Context) ?? true)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                DelayFor(args.AttemptNumber + 1, (ProviderException)args.Outcome.Exception!)),
            OnRetry = args =>
            {
                onRetry?.Invoke((ProviderException)args.Outcome.Exception!, args.Context, args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        };
        return new ResiliencePipelineBuilder { TimeProvider = Time }.AddRetry(options).Build();
    }

    private double NextRandom()
    {
        lock (_gate)
        {
            return _randomizer();
        }
    }
}
