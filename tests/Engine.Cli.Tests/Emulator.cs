using System.Globalization;
using System.Text.Json;
using Reel.Emulator;

namespace Reel.Cli.Tests;

/// <summary>
/// A running emulator on a free loopback port and its audit log: hosted in this process by
/// <see cref="Start"/> (real HTTP over 127.0.0.1), or as a <c>reel emulator</c> child by <see cref="EmulatorProcess"/>.
/// </summary>
public abstract class Emulator : IDisposable
{
    protected Emulator(Uri baseUrl, string auditPath)
    {
        BaseUrl = baseUrl;
        AuditPath = auditPath;
    }

    public Uri BaseUrl { get; }

    public string AuditPath { get; }

    public string ApiBase => BaseUrl.ToString().TrimEnd('/') + "/v1";

    /// <summary>Starts an emulator in this process: the server <c>reel emulator</c> runs, with the same settings as <see cref="Arguments"/>.</summary>
    public static Emulator Start(string directory, string apiKey, double speed = 0.02, string? faults = null, int seed = 7, bool realistic = false)
    {
        var audit = Path.Combine(directory, "audit.jsonl");
        var options = new EmulatorOptions(0, speed, faults, seed, apiKey, audit, Path.Combine(directory, "emulator-data"), realistic);
        var server = Task.Run(() => EmulatorServer.StartAsync(options, TimeProvider.System)).GetAwaiter().GetResult();
        return new Hosted(server, audit);
    }

    /// <summary>The <c>reel emulator</c> arguments for these settings.</summary>
    protected static List<string> Arguments(string directory, string apiKey, double speed, string? faults, int seed, bool realistic, out string auditPath)
    {
        auditPath = Path.Combine(directory, "audit.jsonl");
        var args = new List<string> { "emulator", "--port", "0", "--speed", speed.ToString(CultureInfo.InvariantCulture), "--audit", auditPath, "--api-key", apiKey, "--data", Path.Combine(directory, "emulator-data"), "--seed", seed.ToString(CultureInfo.InvariantCulture) };
        if (realistic)
        {
            args.Add("--realistic");
        }

        if (faults is not null)
        {
            args.AddRange(["--faults", faults]);
        }

        return args;
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
        "runway" => new() { ["RUNWAYML_API_SECRET"] = key, ["RUNWAYML_BASE_URL"] = BaseUrl.ToString() },
        "kling" => new() { ["KLING_ACCESS_KEY"] = "ak-e2e", ["KLING_SECRET_KEY"] = key, ["KLING_BASE_URL"] = BaseUrl.ToString().TrimEnd('/') + "/kling" },
        "comfy" => new() { ["COMFY_BASE_URL"] = BaseUrl.ToString().TrimEnd('/') + "/comfy", ["COMFY_API_KEY"] = key },
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
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    private sealed class Hosted(EmulatorServer server, string auditPath) : Emulator(server.BaseAddress, auditPath)
    {
        protected override void Dispose(bool disposing) => Task.Run(() => server.DisposeAsync().AsTask()).GetAwaiter().GetResult();
    }
}
