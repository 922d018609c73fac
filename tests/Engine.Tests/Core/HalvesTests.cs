using Reel.Engine.Core;

namespace Reel.Engine.Tests.Core;

/// <summary>Work split between two threads visits every index exactly once and reports a failure as the loop would.</summary>
public sealed class HalvesTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Halves.Minimum - 1)]
    [InlineData(Halves.Minimum)]
    [InlineData(1001)]
    public void Every_index_is_visited_once(int count)
    {
        var seen = new int[count];
        Halves.For(count, i => Interlocked.Increment(ref seen[i]));
        Assert.All(seen, n => Assert.Equal(1, n));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(900)]
    public void A_failure_in_the_second_half_is_rethrown_as_itself_after_both_halves_ended(int at)
    {
        var done = 0;
        var ex = Assert.Throws<IOException>(() => Halves.For(1000, i =>
        {
            if (i == at)
            {
                throw new IOException("disk gone at " + i);
            }

            Interlocked.Increment(ref done);
        }));
        Assert.Equal("disk gone at " + at, ex.Message);
        Assert.True(Volatile.Read(ref done) >= 499, "the other half ran to its end before the failure was reported");
    }

    [Fact]
    public void When_both_halves_fail_the_first_half_is_reported()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Halves.For(1000, i => throw new InvalidOperationException(i < 500 ? "first" : "second")));
        Assert.Equal("first", ex.Message);
    }
}
