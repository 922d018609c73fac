using Xunit.Abstractions;

namespace Reel.Emulator.Tests.Compat;

/// <summary>Runs tests/compat/genai-node/check.mjs — the official Google Gen AI Node SDK — against the emulator's Veo routes.</summary>
public sealed class GenAiNodeSdkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_official_node_sdk_drives_the_gemini_and_vertex_veo_routes()
    {
        var check = await NodeCheck.RunAsync(output, "genai-node", "@google/genai", "google-emulator-key", baseAddress => new()
        {
            ["REEL_GOOGLE_BASE_URL"] = baseAddress.ToString().TrimEnd('/'),
            ["REEL_GOOGLE_API_KEY"] = "google-emulator-key",
        });

        Assert.True(check.ExitCode == 0, $"node check.mjs exited {check.ExitCode}:\n{check.Output}");
        Assert.Contains("checks passed", check.Output, StringComparison.Ordinal);
    }
}
