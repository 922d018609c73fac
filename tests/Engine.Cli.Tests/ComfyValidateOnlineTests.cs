using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>
/// <c>reel validate</c> on <c>comfy</c> asks the server's <c>GET /object_info</c> when <c>COMFY_BASE_URL</c> answers:
/// against the emulator, <c>examples/paper-boats</c> passes and a bind to an input the node's class lacks (or a node
/// class the server lacks) is RL0413 at the bind entry; a server that is down or silent leaves validate green and fast.
/// </summary>
public sealed class ComfyValidateOnlineTests
{
    private const string Key = "comfy-validate-token-6d2a";

    private static readonly string[] Validate = ["validate", "storyboard.yaml", "--provider", "comfy"];

    private static Dictionary<string, string?> Environment(string baseUrl) => new()
    {
        ["COMFY_BASE_URL"] = baseUrl,
        ["COMFY_API_KEY"] = Key,
    };

    private static string Mount(Emulator emulator) => emulator.BaseUrl.ToString().TrimEnd('/') + "/comfy";

    [Fact]
    public void The_example_passes_against_the_emulators_object_info()
    {
        using var dir = TempDirectory.OfExample("paper-boats");
        using var emulator = Emulator.Start(dir.Path, Key);

        var r = ReelInProcess.Run(dir.Path, Validate, Environment(Mount(emulator)));

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("valid (3 steps on comfy; workflows checked against the server's node classes)", r.Stdout, StringComparison.Ordinal);
        Assert.Contains(emulator.Requests(), q => q.GetProperty("method").GetString() == "GET" && q.GetProperty("path").GetString() == "/comfy/object_info");
        Assert.DoesNotContain(Key, r.All, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bind_to_an_input_the_class_lacks_and_a_class_the_server_lacks_are_errors_at_the_bind_entry_and_the_workflow()
    {
        using var dir = TempDirectory.OfExample("paper-boats");
        using var emulator = Emulator.Start(dir.Path, Key);
        // The file has the input (so the offline check passes); the server's KSampler does not.
        var workflow = Path.Combine(dir.Path, "workflows", "wan22_ti2v_5b.api.json");
        File.WriteAllText(workflow, File.ReadAllText(workflow)
            .Replace("\"seed\": 0", "\"seed\": 0, \"sede\": 0", StringComparison.Ordinal)
            .Replace("\"ModelSamplingSD3\"", "\"ModelSamplingSD35\"", StringComparison.Ordinal));
        var script = Path.Combine(dir.Path, "storyboard.yaml");
        var lines = File.ReadAllLines(script);
        var bindLine = Array.FindIndex(lines, l => l.StartsWith("    bind: {", StringComparison.Ordinal));
        lines[bindLine] = lines[bindLine].Replace("\"3.seed\"", "\"3.sede\"", StringComparison.Ordinal);
        var workflowLine = Array.FindIndex(lines, l => l.StartsWith("    workflow: workflows/wan22_ti2v_5b.api.json", StringComparison.Ordinal));
        File.WriteAllLines(script, lines);

        var offline = ReelInProcess.Run(dir.Path, Validate, Environment("http://127.0.0.1:9/comfy"));
        var r = ReelInProcess.Run(dir.Path, [.. Validate, "--json"], Environment(Mount(emulator)));

        Assert.True(offline.ExitCode == 0, offline.All);
        Assert.Equal(2, r.ExitCode);
        var diagnostics = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("diagnostics").EnumerateArray().ToList();
        var input = Assert.Single(diagnostics, d => d.GetProperty("message").GetString()!.StartsWith("bind 'seed: 3.sede'", StringComparison.Ordinal));
        Assert.Equal("RL0413", input.GetProperty("code").GetString());
        Assert.Equal("error", input.GetProperty("severity").GetString());
        Assert.Equal(bindLine + 1, input.GetProperty("line").GetInt32());
        Assert.Equal(lines[bindLine].IndexOf("\"3.sede\"", StringComparison.Ordinal) + 1, input.GetProperty("column").GetInt32());
        Assert.Contains("node 3 (KSampler) on the server has no input 'sede' (did you mean 'seed'?)", input.GetProperty("message").GetString(), StringComparison.Ordinal);
        var node = Assert.Single(diagnostics, d => d.GetProperty("message").GetString()!.Contains("'ModelSamplingSD35'", StringComparison.Ordinal));
        Assert.Equal("RL0413", node.GetProperty("code").GetString());
        Assert.Equal(workflowLine + 1, node.GetProperty("line").GetInt32());
        Assert.Contains("(did you mean 'ModelSamplingSD3'?)", node.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_dead_port_leaves_validate_green_fast_and_quiet()
    {
        using var dir = TempDirectory.OfExample("paper-boats");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var clock = Stopwatch.StartNew();
        var r = ReelInProcess.Run(dir.Path, Validate, Environment($"http://127.0.0.1:{port}/comfy"));
        clock.Stop();

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("valid (3 steps on comfy)", r.Stdout, StringComparison.Ordinal);
        Assert.Equal("", r.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"validate took {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void A_server_that_accepts_but_never_answers_costs_at_most_the_timeout()
    {
        using var dir = TempDirectory.OfExample("paper-boats");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(); // accepts connections (the backlog) and never answers
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var clock = Stopwatch.StartNew();
            var r = ReelInProcess.Run(dir.Path, Validate, Environment($"http://127.0.0.1:{port}/comfy"));
            clock.Stop();

            Assert.True(r.ExitCode == 0, r.All);
            Assert.Contains("valid (3 steps on comfy)", r.Stdout, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"validate took {clock.Elapsed.TotalMilliseconds:F0} ms");
        }
        finally
        {
            listener.Stop();
        }
    }
}
