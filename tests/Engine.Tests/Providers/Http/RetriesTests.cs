using Microsoft.Extensions.Time.Testing;
using Polly;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Http;

namespace Reel.Engine.Tests.Providers.Http;

/// <summary>The one retry policy: its curve, its bound and Polly's behaviour on a fake clock.</summary>
public sealed class RetriesTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Backoff_grows_from_half_a_second_to_eight_seconds_with_jitter()
    {
        for (var i = 0; i < 200; i++)
        {
            var retries = new Retries(_time, new Random(i).NextDouble);
            Assert.InRange(retries.Backoff(1), TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(0.6));
            Assert.InRange(retries.Backoff(3), TimeSpan.FromSeconds(1.6), TimeSpan.FromSeconds(2.4));
            Assert.InRange(retries.Backoff(5), TimeSpan.FromSeconds(6.4), TimeSpan.FromSeconds(8));
            Assert.InRange(retries.Backoff(9), TimeSpan.FromSeconds(6.4), TimeSpan.FromSeconds(8));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_delays()
    {
        var a = new Retries(_time, new Random(42).NextDouble);
        var b = new Retries(_time, new Random(42).NextDouble);

        Assert.Equal(Enumerable.Range(1, 7).Select(a.Backoff), Enumerable.Range(1, 7).Select(b.Backoff));
    }

    [Fact]
    public void The_delay_is_the_providers_retry_after_when_it_sent_one()
    {
        var retries = new Retries(_time, () => 0.5);
        var limited = ProviderException.From(new ProviderError(ErrorClass.Transient, "slow down") { RateLimited = true }, TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(30), retries.DelayFor(1, limited));
        Assert.Equal(TimeSpan.FromSeconds(1), retries.DelayFor(2, ProviderException.Transient("busy")));
    }

    [Fact]
    public async Task A_persistent_transient_failure_is_tried_eight_times_on_the_curve_then_rethrown()
    {
        var attempts = new List<DateTimeOffset>();
        var waits = new List<(int Retry, TimeSpan Delay)>();
        var pipeline = new Retries(_time, () => 0.5).Pipeline(onRetry: (_, _, retry, delay) => waits.Add((retry, delay)));

        var run = pipeline.ExecuteAsync<int>(_ =>
        {
            attempts.Add(_time.GetUtcNow());
            throw ProviderException.Transient("HTTP 503 Service Unavailable");
        }).AsTask();
        await DriveAsync(run);

        var ex = await Assert.ThrowsAsync<ProviderException>(() => run);
        Assert.Equal("HTTP 503 Service Unavailable", ex.Message);
        Assert.Equal(Retries.MaxAttempts, attempts.Count);
        double[] seconds = [0.5, 1, 2, 4, 8, 8, 8];
        Assert.Equal(seconds.Select((s, i) => (i + 1, TimeSpan.FromSeconds(s))), waits);
        Assert.All(attempts.Zip(attempts.Skip(1), (x, y) => y - x).Zip(seconds), p => Assert.True(p.First >= TimeSpan.FromSeconds(p.Second)));
    }

    [Fact]
    public async Task The_wait_is_exactly_the_retry_after_on_the_injected_clock()
    {
        var calls = 0;
        var pipeline = new Retries(_time, () => 0.5).Pipeline();

        var run = pipeline.ExecuteAsync(_ => ++calls == 1
            ? throw ProviderException.From(new ProviderError(ErrorClass.Transient, "slow down"), TimeSpan.FromSeconds(3))
            : ValueTask.FromResult("ok")).AsTask();

        await WaitUntilAsync(() => calls == 1);
        _time.Advance(TimeSpan.FromMilliseconds(2999));
        await Task.Delay(20);
        Assert.Equal(1, calls);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("ok", await run.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2, calls);
    }

    [Theory]
    [InlineData(ErrorClass.Invalid)]
    [InlineData(ErrorClass.Moderation)]
    [InlineData(ErrorClass.QuotaOrAuth)]
    public async Task Only_transient_failures_are_retried(ErrorClass errorClass)
    {
        var calls = 0;
        var pipeline = new Retries(_time, () => 0.5).Pipeline();

        var ex = await Assert.ThrowsAsync<ProviderException>(() => pipeline.ExecuteAsync<int>(_ =>
        {
            calls++;
            throw ProviderException.From(new ProviderError(errorClass, "no"));
        }).AsTask());

        Assert.Equal(errorClass, ex.Class);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_failure_the_caller_says_is_not_retryable_is_thrown_at_once()
    {
        var calls = 0;
        var pipeline = new Retries(_time, () => 0.5).Pipeline(retryable: (ex, _) => !ex.Unanswered);

        var ex = await Assert.ThrowsAsync<ProviderException>(() => pipeline.ExecuteAsync<int>(_ =>
        {
            calls++;
            throw ProviderException.Transient("connection reset", unanswered: true);
        }).AsTask());

        Assert.True(ex.Unanswered);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Cancellation_stops_the_wait()
    {
        using var cts = new CancellationTokenSource();
        var pipeline = new Retries(_time, () => 0.5).Pipeline();
        var calls = 0;

        var run = pipeline.ExecuteAsync<int>(_ =>
        {
            calls++;
            throw ProviderException.Transient("busy");
        }, cts.Token).AsTask();
        await WaitUntilAsync(() => calls == 1);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, calls);
    }

    /// <summary>Moves the fake clock in small steps until <paramref name="task"/> ends.</summary>
    private async Task DriveAsync(Task task)
    {
        for (var i = 0; i < 10_000 && !task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(task, Task.Delay(1));
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
