using System.Net;
using System.Net.Http.Headers;

namespace Reel.Emulator.Tests.OpenAi;

public sealed class AuthTests
{
    [Fact]
    public async Task With_an_api_key_set_requests_without_the_right_bearer_token_are_401()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(ApiKey: "sk-test"));

        var missing = await emulator.GetAsync("videos");
        emulator.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-wrong");
        var wrong = await emulator.GetAsync("videos");
        emulator.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-test");
        var right = await emulator.GetAsync("videos");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.Equal("invalid_api_key", missing.ErrorCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal("invalid_api_key", wrong.ErrorCode);
        Assert.DoesNotContain("sk-wrong", wrong.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, right.Status);
    }

    [Fact]
    public async Task Without_an_api_key_any_token_is_accepted()
    {
        await using var emulator = await EmulatorHarness.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await emulator.GetAsync("videos")).Status);
    }
}
