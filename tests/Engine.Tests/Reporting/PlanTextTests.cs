using System.Text.RegularExpressions;
using Reel.Engine.Reporting;

namespace Reel.Engine.Tests.Reporting;

/// <summary>A plan prints its times as every other output does (<c>0.6 s</c>, <c>2 min 5 s</c>), never <c>1m20s</c> or <c>00:00:05</c>.</summary>
public sealed class PlanTextTests
{
    [Theory]
    [InlineData(0, "-")]
    [InlineData(0.58, "0.6 s")]
    [InlineData(42.4, "42 s")]
    [InlineData(80, "1 min 20 s")]
    [InlineData(125, "2 min 5 s")]
    public void Plan_times_read_in_words(double seconds, string text) =>
        Assert.Equal(text, PlanText.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void No_golden_plan_writes_a_time_in_clock_or_compact_form()
    {
        var plans = Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Cases"), "*.plan.txt", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(plans);
        Assert.All(plans, path => Assert.DoesNotMatch(new Regex(@"\d+m\d+s|00:00:|<1s"), File.ReadAllText(path)));
    }
}
