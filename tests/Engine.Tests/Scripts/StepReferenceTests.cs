using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

public sealed class StepReferenceTests
{
    [Fact]
    public void Parse_reads_a_plain_id()
    {
        var r = ParsedStepRef.Parse("open-2")!;
        Assert.Equal("open-2", r.Id);
        Assert.Empty(r.Selector);
        Assert.Null(r.Take);
    }

    [Fact]
    public void Parse_reads_a_take()
    {
        var r = ParsedStepRef.Parse("open#12")!;
        Assert.Equal("open", r.Id);
        Assert.Equal(12, r.Take);
    }

    [Fact]
    public void Parse_reads_a_selector_in_written_order_and_trims_blanks()
    {
        var r = ParsedStepRef.Parse("pour[speed=2.5, light = dawn]#2")!;
        Assert.Equal("pour", r.Id);
        Assert.Equal([new("speed", "2.5"), new("light", "dawn")], r.Selector.ToArray());
        Assert.Equal(2, r.Take);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Open")]
    [InlineData("-open")]
    [InlineData("open#")]
    [InlineData("open#x")]
    [InlineData("pour[light]")]
    [InlineData("pour[=dawn]")]
    [InlineData("pour[light=dawn")]
    [InlineData("pour#2[light=dawn]")]
    [InlineData("open ")]
    public void Parse_rejects_malformed_references(string text)
    {
        Assert.Null(ParsedStepRef.Parse(text));
    }
}
