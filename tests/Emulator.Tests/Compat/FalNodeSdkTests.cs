using Xunit.Abstractions;

namespace Reel.Emulator.Tests.Compat;

/// <summary>Runs tests/compat/fal-node/check.mjs — the official fal client (@fal-ai/client) — against the emulator's fal routes.</summary>
public sealed class FalNodeSdkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_official_fal_client_drives_the_queue_and_storage_routes()
    {
        var check = await NodeCheck.RunAsync(output, "fal-node", "@fal-ai/client", "fal-emulator-key", baseAddress => new()
        {
            ["FAL_BASE_URL"] = baseAddress.ToString(),
            ["FAL_KEY"] = "fal-emulator-key",
        },
        // A request spends a tenth of its render queued: the 20 s request the script cancels while queued must still be
        // queued when the cancel arrives. At 0.01 that was 20 ms, which a loaded machine's round trip outlasted (the
        // emulator answered ALREADY_COMPLETED); at 0.1 it is 200 ms.
        speed: 0.1);

        Assert.True(check.ExitCode == 0, $"node check.mjs exited {check.ExitCode}:\n{check.Output}");
        Assert.Contains("checks passed", check.Output, StringComparison.Ordinal);
    }
}
