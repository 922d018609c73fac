using Reel.Engine.Reporting;

namespace Reel.Engine.Tests.Reporting;

/// <summary>The report's links to exported files: the quick form for plain <c>out/</c> paths is what resolving them says.</summary>
public sealed class ContactSheetLinkTests
{
    [Theory]
    [InlineData("out/shots/open.mp4")]
    [InlineData("out/film.mp4")]
    [InlineData("out/shots/a b#c.thumb.webp")]
    [InlineData("out/./shots/open.mp4")]
    [InlineData("out/../film.mp4")]
    [InlineData("out//film.mp4")]
    [InlineData("out/shots/")]
    [InlineData("out/")]
    [InlineData("outside/film.mp4")]
    [InlineData("renders/film.mp4")]
    [InlineData("film.mp4")]
    [InlineData("out/..")]
    public void A_link_is_the_path_relative_to_out(string file)
    {
        var directory = Path.Combine(Path.GetTempPath(), "reel-links", "project");
        var outDirectory = Path.Combine(directory, "out");

        Assert.Equal(Path.GetRelativePath(outDirectory, Path.Combine(directory, file)), ContactSheet.RelativeToOut(outDirectory, directory, file));
    }
}
