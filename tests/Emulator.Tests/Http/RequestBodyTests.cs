using Reel.Emulator.Http;

namespace Reel.Emulator.Tests.Http;

public sealed class RequestBodyTests
{
    [Theory]
    [InlineData("prompt", new[] { "prompt" })]
    [InlineData("video[id]", new[] { "video", "id" })]
    [InlineData("characters[][id]", new[] { "characters", "", "id" })]
    [InlineData("characters[0][id]", new[] { "characters", "0", "id" })]
    [InlineData("odd[key", new[] { "odd[key" })]
    public void Bracket_keys_split_into_path_segments(string key, string[] expected)
    {
        Assert.Equal(expected, RequestBody.SplitKey(key));
    }
}
