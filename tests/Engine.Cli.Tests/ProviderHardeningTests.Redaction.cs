using System.Text;

namespace Reel.Cli.Tests;

/// <summary>Runway, Kling and ComfyUI behind a server that echoes the secrets in a failed job's message.</summary>
public sealed partial class ProviderHardeningTests
{
    public static TheoryData<string> EchoingProviders() => new() { "runway", "kling", "comfy" };

    [Theory]
    [MemberData(nameof(EchoingProviders))]
    public void A_provider_that_echoes_the_key_in_a_failed_job_leaks_it_nowhere(string provider)
    {
        const string Password = "url-pa55-4b7a";
        const string Secret = "sk-echoed-e31f-secret";
        using var dir = TempDirectory.OfExample(provider == "comfy" ? "paper-boats" : "lantern-alley");

        // moderation=1: every job fails, and the proxy adds to each failure the secrets it was sent or knows.
        using var emulator = Emulator.Start(dir.Path, Secret, faults: "moderation=1");
        using var proxy = new EchoingProxy(emulator.BaseUrl, Secret, Password);
        var env = emulator.Environment(provider, Secret);
        var url = $"http://reel:{Password}@127.0.0.1:{proxy.Port}/";
        var variable = provider switch { "runway" => "RUNWAYML_BASE_URL", "kling" => "KLING_BASE_URL", _ => "COMFY_BASE_URL" };
        env[variable] = provider == "runway" ? url : url + provider;

        var run = ReelProcess.Run(dir.Path, ["run", "storyboard.yaml", "--provider", provider, "--keep-going", "--verbose"], env, TimeSpan.FromMinutes(2));

        // The run failed as it should, saying why, and the proxy did echo the secrets into the failures.
        Assert.True(run.ExitCode == 1, run.All);
        Assert.True(proxy.Echoes >= 1, $"the proxy echoed {proxy.Echoes} times\n{run.All}");
        Assert.True(run.All.Contains("***", StringComparison.Ordinal), run.All);
        Assert.DoesNotContain("internal error", run.All, StringComparison.Ordinal);
        var places = new List<(string Where, byte[] Bytes)> { ("stdout", Encoding.UTF8.GetBytes(run.Stdout)), ("stderr", Encoding.UTF8.GetBytes(run.Stderr)) };
        foreach (var file in Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("objects", StringComparison.Ordinal) && !f.Contains("emulator-data", StringComparison.Ordinal) && !f.EndsWith("audit.jsonl", StringComparison.Ordinal)))
        {
            places.Add((Path.GetRelativePath(dir.Path, file), File.ReadAllBytes(file)));
        }

        Assert.Contains(places, p => p.Where.EndsWith("state.db", StringComparison.Ordinal));
        Assert.Contains(places, p => p.Where.EndsWith("report.html", StringComparison.Ordinal));
        string[] secrets = [Secret, Password, .. proxy.Tokens];
        foreach (var (where, bytes) in places)
        {
            foreach (var secret in secrets)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"'{secret}' leaked into {where}");
            }
        }
    }
}
