using System.Text.RegularExpressions;
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

    /// <summary>The grammar the hand-written reader replaces, with the code that read its groups.</summary>
    private static readonly Regex Pattern = new(@"^(?<id>[a-z0-9][a-z0-9-]*)(\[(?<sel>[^\]]*)\])?(#(?<take>[0-9]+))?$");

    private static ParsedStepRef? ParseByPattern(string text)
    {
        var m = Pattern.Match(text);
        if (!m.Success)
        {
            return null;
        }

        var selector = new List<KeyValuePair<string, string>>();
        if (m.Groups["sel"].Success)
        {
            foreach (var part in m.Groups["sel"].Value.Split(','))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    return null;
                }

                selector.Add(new(part[..eq].Trim(), part[(eq + 1)..].Trim()));
            }
        }

        int? take = !m.Groups["take"].Success ? null
            : int.TryParse(m.Groups["take"].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t
            : int.MaxValue;
        return new ParsedStepRef(m.Groups["id"].Value, [.. selector], take);
    }

    [Fact]
    public void Parse_agrees_with_the_regular_expression_it_replaces()
    {
        var samples = new List<string>
        {
            "open\n", "open\n\n", "\nopen", "open#2\n", "open[a=b]\n", "open[a=\nb]", "a[]", "a[,]", "a[x=1,]", "a[x=1,y=2]#03",
            "a#99999999999", "a#١", "a-b-", "a--b", "9x", "a[x=1]]", "a[x=1][y=2]", "a[x=1]#2#3", "a[ x = 1 ]", "a[x==1]", "é", "a[x=\u00a0]",
        };
        const string alphabet = "a9-[]=,#\n ";
        foreach (var a in alphabet)
        {
            samples.Add(a.ToString());
            foreach (var b in alphabet)
            {
                samples.Add($"{a}{b}");
                foreach (var c in alphabet)
                {
                    samples.Add($"{a}{b}{c}");
                    foreach (var d in alphabet)
                    {
                        samples.Add($"a{a}{b}{c}{d}");
                    }
                }
            }
        }

        foreach (var text in samples)
        {
            var expected = ParseByPattern(text);
            var actual = ParsedStepRef.Parse(text);
            Assert.True(expected is null == actual is null, $"'{text}': expected {(expected is null ? "no match" : "a match")}");
            if (expected is not null)
            {
                Assert.Equal(expected.Id, actual!.Id);
                Assert.Equal(expected.Selector.ToArray(), actual.Selector.ToArray());
                Assert.Equal(expected.Take, actual.Take);
            }
        }
    }
}
