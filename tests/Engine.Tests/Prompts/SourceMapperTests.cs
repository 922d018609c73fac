using Reel.Engine.Scripts;
using Reel.Engine.Tests.Scripts;

namespace Reel.Engine.Tests.Prompts;

public sealed class SourceMapperTests
{
    private static (int Line, int Column) Map(string yaml, string key, string needle)
    {
        var (file, node) = ScriptText.Scalar(yaml, key);
        var offset = node.Value.IndexOf(needle, StringComparison.Ordinal);
        Assert.True(offset >= 0, $"'{needle}' not in '{node.Value}'");
        var loc = SourceMapper.Map(file, node, offset);
        Assert.Equal("test.yaml", loc.File);
        return (loc.Line, loc.Column);
    }

    [Fact]
    public void Map_finds_an_offset_in_a_plain_scalar()
    {
        Assert.Equal((2, 17), Map("reel: 1\nprompt: Dawn in {{ cty }}.\n", "prompt", "{{ cty"));
    }

    [Fact]
    public void Map_follows_a_plain_scalar_onto_its_continuation_lines()
    {
        // The line break folds to a space in the value; the mapper must land on line 3.
        Assert.Equal((3, 5), Map("reel: 1\nprompt: Dawn in the city,\n    {{ cty }} wakes.\n", "prompt", "{{ cty"));
    }

    [Fact]
    public void Map_skips_the_opening_quote_of_a_double_quoted_scalar()
    {
        Assert.Equal((2, 10), Map("reel: 1\nprompt: \"{{ look }}. Wide shot\"\n", "prompt", "{{ look"));
        Assert.Equal((2, 22), Map("reel: 1\nprompt: \"{{ look }}. Wide shot\"\n", "prompt", "Wide"));
    }

    [Fact]
    public void Map_handles_escapes_and_doubled_quotes_in_quoted_scalars()
    {
        Assert.Equal((2, 21), Map("reel: 1\nprompt: \"say \\\"hi\\\" {{ x }}\"\n", "prompt", "{{ x"));
        Assert.Equal((2, 16), Map("reel: 1\nprompt: 'it''s {{ x }}'\n", "prompt", "{{ x"));
    }

    [Fact]
    public void Map_starts_a_literal_block_on_the_line_after_its_header()
    {
        const string yaml = "reel: 1\nprompt: |\n  First line.\n  Second {{ bad }} line.\n";
        Assert.Equal((3, 3), Map(yaml, "prompt", "First"));
        Assert.Equal((4, 10), Map(yaml, "prompt", "{{ bad"));
    }

    [Fact]
    public void Map_follows_a_folded_block_across_folded_line_breaks()
    {
        const string yaml = "reel: 1\nprompt: >-\n    A wide shot\n    of {{ cty }} at dawn,\n\n    still closed.\n";
        Assert.Equal((4, 8), Map(yaml, "prompt", "{{ cty"));
        Assert.Equal((6, 5), Map(yaml, "prompt", "still"));
    }

    [Fact]
    public void Map_moves_a_blank_offset_to_the_next_visible_character()
    {
        var (file, node) = ScriptText.Scalar("reel: 1\nprompt: |\n  one\n  two\n", "prompt");
        var loc = SourceMapper.Map(file, node, node.Value.IndexOf('\n', StringComparison.Ordinal));
        Assert.Equal((4, 3), (loc.Line, loc.Column));
    }

    [Fact]
    public void Map_clamps_an_offset_past_the_end_to_the_last_visible_character()
    {
        var (file, node) = ScriptText.Scalar("reel: 1\nprompt: abc\n", "prompt");
        var loc = SourceMapper.Map(file, node, 99);
        Assert.Equal((2, 11), (loc.Line, loc.Column));
    }
}
