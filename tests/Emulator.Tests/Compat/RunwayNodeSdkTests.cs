using Xunit.Abstractions;

namespace Reel.Emulator.Tests.Compat;

/// <summary>Runs tests/compat/runway-node/check.mjs — the official Runway SDK (@runwayml/sdk 4.20.1) — against the emulator's Runway routes.</summary>
public sealed class RunwayNodeSdkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_official_runway_sdk_drives_creates_tasks_uploads_and_errors()
    {
        var check = await NodeCheck.RunAsync(output, "runway-node", "@runwayml/sdk", "key_runway_emulator", baseAddress => new()
        {
            ["RUNWAYML_BASE_URL"] = baseAddress.ToString().TrimEnd('/'),
            ["RUNWAYML_API_SECRET"] = "key_runway_emulator",
        },
        // A 10 s task must still be running when the script deletes it (cancel, not delete): at 0.01 it was done in
        // 100 ms, which a loaded machine's round trip outlasted. At 0.1 it runs for a second.
        speed: 0.1);

        Assert.True(check.ExitCode == 0, $"node check.mjs exited {check.ExitCode}:\n{check.Output}");
        Assert.Contains("checks passed", check.Output, StringComparison.Ordinal);
    }
}
