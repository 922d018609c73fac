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

    [Theory]
    [InlineData("open", "open")]
    [InlineData("open#2", "open_take2")]
    [InlineData("pour[light=dawn]", "pour_light-dawn")]
    [InlineData("pour[light=dawn,speed=2.5]#3", "pour_light-dawn_speed-2.5_take3")]
    [InlineData("@mira", "_character-mira")]
    [InlineData("shot[place=24/7 café: dawn]", "shot_place-24-7-caf---dawn")]
    public void FileName_gives_a_file_system_friendly_name(string stepId, string expected)
    {
        Assert.Equal(expected, StepNames.FileName(stepId));
    }

    [Fact]
    public void FileName_keeps_distinct_steps_distinct()
    {
        // Ids are [a-z0-9-], so '_' in a file name can only come from a selector or a take.
        string[] ids = ["pour[light=dawn]", "pour-light-dawn", "open#2", "open-take2", "pour[light=dawn]#2", "@mira", "character-mira"];
        Assert.Equal(ids.Length, ids.Select(StepNames.FileName).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Variant_and_Take_name_expanded_steps()
    {
        Assert.Equal("pour[light=dawn,speed=1]", StepNames.Variant("pour", [new("light", "dawn"), new("speed", "1")]));
        Assert.Equal("open", StepNames.Variant("open", []));
        Assert.Equal("open#2", StepNames.Take("open", 2, 3));
        Assert.Equal("open", StepNames.Take("open", 1, 1));
    }
}
