using System.Text;
using Reel.Engine.Core;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

public sealed class YamlLoaderTests
{
    [Fact]
    public void Load_rejects_an_alias_bomb_without_expanding_it()
    {
        // 30 levels of 10 aliases: 10^30 nodes if expanded; sizes are computed, never materialised.
        var text = new StringBuilder("reel: 1\nvars:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i <= 30; i++)
        {
            text.Append($"  l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        }

        var bag = new DiagnosticBag();
        var doc = YamlLoader.Load(ScriptText.Source(text.ToString()), bag);
        Assert.Null(doc.Root);
        Assert.Equal("RL0104", Assert.Single(bag.ToImmutable()).Code);
    }

    [Fact]
    public void Load_accepts_aliases_that_stay_small()
    {
        var bag = new DiagnosticBag();
        var doc = YamlLoader.Load(ScriptText.Source("reel: 1\nvars:\n  a: &a [x, y]\n  b: *a\n"), bag);
        Assert.Empty(bag.ToImmutable());
        var vars = (YMapping)((YMapping)doc.Root!)["vars"]!;
        Assert.Same(vars["a"], vars["b"]);
    }

    [Fact]
    public void Load_reports_a_tab_in_indentation_on_the_line_that_has_it()
    {
        var bag = new DiagnosticBag();
        YamlLoader.Load(ScriptText.Source("reel: 1\nscenes:\n  - id: a\n\tprompt: A.\n"), bag);
        var d = Assert.Single(bag.ToImmutable());
        Assert.Equal(("RL0103", 4, 1), (d.Code, d.Location.Line, d.Location.Column));
    }

    [Fact]
    public void Load_reports_nesting_deeper_than_the_limit()
    {
        var text = "reel: 1\nvars:\n  deep: " + new string('[', YamlLoader.MaxDepth + 5) + new string(']', YamlLoader.MaxDepth + 5) + "\n";
        var bag = new DiagnosticBag();
        var doc = YamlLoader.Load(ScriptText.Source(text), bag);
        Assert.Null(doc.Root);
        Assert.Contains(bag.ToImmutable(), d => d.Code == "RL0101" && d.Message.Contains("nesting", StringComparison.Ordinal));
    }
}
