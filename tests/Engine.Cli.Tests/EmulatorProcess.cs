using System.Diagnostics;
using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>A running <c>reel emulator</c> child process on a free loopback port.</summary>
public sealed class EmulatorProcess : IDisposable
{
    private readonly Process _process;

    private EmulatorProcess(Process process, Uri baseUrl, string auditPath)
    {
        _process = process;
        BaseUrl = baseUrl;
        AuditPath = auditPath;
    }

    public Uri BaseUrl { get; }

    public string AuditPath { get; }

    public string ApiBase => BaseUrl.ToString().TrimEnd('/') + "/v1";

    public static EmulatorProcess Start(string directory, string apiKey, double speed = 0.02, string? faults = null, int seed = 7, bool realistic = false)
    {
        var audit = Path.Combine(directory, "audit.jsonl");
        var args = new List<string> { "emulator", "--port", "0", "--speed", speed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--audit", audit, "--api-key", apiKey, "--data", Path.Combine(directory, "emulator-data"), "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (realistic)
        {
            args.Add("--realistic");
        }

        if (faults is not null)
        {
            args.AddRange(["--faults", faults]);
        }

        var p = Process.Start(ReelProcess.StartInfo(directory, args))!;
        var line = p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
        {
            p.Kill();
            throw new InvalidOperationException("emulator did not start: " + line + p.StandardError.ReadToEnd());
        }

        return new EmulatorProcess(p, new Uri(line["listening on ".Length..]), audit);
    }

    public Dictionary<string, string?> Environment(string apiKey) => new()
    {
        ["OPENAI_API_KEY"] = apiKey,
        ["OPENAI_BASE_URL"] = ApiBase,
    };

    /// <summary>The variables that point <paramref name="provider"/> at this emulator with <paramref name="key"/>.</summary>
    public Dictionary<string, string?> Environment(string provider, string key) => provider switch
    {
        "openai" => Environment(key),
        "fal" => new() { ["FAL_KEY"] = key, ["FAL_BASE_URL"] = BaseUrl.ToString() },
        "veo" => new() { ["GEMINI_API_KEY"] = key, ["GOOGLE_API_KEY"] = null, ["GOOGLE_GEMINI_BASE_URL"] = BaseUrl.ToString() },
        "veo-vertex" => new()
        {
            ["GOOGLE_CLOUD_ACCESS_TOKEN"] = key,
            ["GOOGLE_CLOUD_PROJECT"] = "reel-tests",
            ["GOOGLE_CLOUD_LOCATION"] = "europe-west4",
            ["GOOGLE_VERTEX_BASE_URL"] = BaseUrl.ToString(),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "no emulator routes for this provider"),
    };

    /// <summary>Every <c>job.created</c> line of the audit log.</summary>
    public List<JsonElement> JobsCreated() => Audit().Where(e => e.TryGetProperty("event", out var ev) && ev.GetString() == "job.created").ToList();

    public List<JsonElement> Requests() => Audit().Where(e => e.TryGetProperty("method", out _)).ToList();

    public List<JsonElement> Audit()
    {
        using var stream = new FileStream(AuditPath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var list = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                list.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return list;
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
