using Xunit.Abstractions;

namespace Reel.Emulator.Tests.Compat;

/// <summary>Runs tests/compat/openai-node/check.mjs — the official OpenAI Node SDK — against the emulator.</summary>
public sealed class OpenAiNodeSdkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_official_node_sdk_drives_every_video_route()
    {
        var check = await NodeCheck.RunAsync(output, "openai-node", "openai", "sk-emulator", baseAddress => new()
        {
            ["OPENAI_BASE_URL"] = new Uri(baseAddress, "/v1").ToString(),
            ["OPENAI_API_KEY"] = "sk-emulator",
        });

        Assert.True(check.ExitCode == 0, $"node check.mjs exited {check.ExitCode}:\n{check.Output}");
        Assert.Contains("checks passed", check.Output, StringComparison.Ordinal);
    }
}
