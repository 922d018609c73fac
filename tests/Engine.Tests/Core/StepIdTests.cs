using Reel.Engine.Core;

namespace Reel.Engine.Tests.Core;

public sealed class StepIdTests
{
    [Fact]
    public void Ids_are_built_from_their_parts_and_keep_them()
    {
        var cell = StepId.Of("pour", [new("light", "dawn"), new("speed", "1")], 2, 3);

        Assert.Equal("pour[light=dawn,speed=1]#2", cell.Text);
        Assert.Equal(("pour", 2, false, null), (cell.Source, cell.Take, cell.IsCharacter, cell.CharacterId));
        Assert.Equal("pour[light=dawn,speed=1]", StepId.Of("pour", [new("light", "dawn"), new("speed", "1")], 1, 1).Text);
        Assert.Equal(("open", 0), (StepId.Of("open", [], 1, 1).Text, StepId.Of("open", [], 1, 1).Take));
        Assert.Equal(("@mira", "mira", true), (StepId.Character("mira").Text, StepId.Character("mira").CharacterId, StepId.Character("mira").IsCharacter));
    }

    [Fact]
    public void Ids_are_equal_by_their_text()
    {
        Assert.Equal(StepId.Plain("open"), StepId.Of("open", [], 1, 1));
        Assert.NotEqual(StepId.Plain("open"), StepId.Of("open", [], 1, 2));
        Assert.Equal(StepId.Plain("a").GetHashCode(), StepId.Of("a", [], 0, 1).GetHashCode());
    }

    [Fact]
    public void FileName_gives_a_file_system_friendly_name()
    {
        (StepId Id, string Expected)[] cases =
        [
            (StepId.Plain("open"), "open"),
            (StepId.Of("open", [], 2, 3), "open_take2"),
            (StepId.Of("pour", [new("light", "dawn")], 1, 1), "pour_light-dawn"),
            (StepId.Of("pour", [new("light", "dawn"), new("speed", "2.5")], 3, 3), "pour_light-dawn_speed-2.5_take3"),
            (StepId.Character("mira"), "_character-mira"),
            (StepId.Of("shot", [new("place", "24/7 café: dawn")], 1, 1), "shot_place-24-7-caf---dawn"),
        ];

        Assert.All(cases, c => Assert.Equal(c.Expected, c.Id.FileName));
    }

    [Fact]
    public void FileName_keeps_distinct_steps_distinct()
    {
        // Ids are [a-z0-9-], so '_' in a file name can only come from a selector or a take.
        StepId[] ids =
        [
            StepId.Of("pour", [new("light", "dawn")], 1, 1), StepId.Plain("pour-light-dawn"), StepId.Of("open", [], 2, 2), StepId.Plain("open-take2"),
            StepId.Of("pour", [new("light", "dawn")], 2, 2), StepId.Character("mira"), StepId.Plain("character-mira"),
        ];

        Assert.Equal(ids.Length, ids.Select(i => i.FileName).Distinct(StringComparer.Ordinal).Count());
    }
}
