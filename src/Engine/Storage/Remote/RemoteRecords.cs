using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reel.Engine.Storage.Remote;

/// <summary>
/// <c>steps/&lt;key&gt;.json</c>: what a step key produced, written once by the runner that made it. Holds no
/// credential and nothing machine-specific but the job's provider id.
/// </summary>
public sealed record RemoteStep(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("job")] string? Job,
    [property: JsonPropertyName("output")] string? Output,
    [property: JsonPropertyName("thumbnail")] string? Thumbnail,
    [property: JsonPropertyName("spritesheet")] string? Spritesheet,
    [property: JsonPropertyName("character")] string? Character,
    [property: JsonPropertyName("cost")] decimal Cost,
    [property: JsonPropertyName("seed")] long? Seed,
    [property: JsonPropertyName("created")] DateTimeOffset Created)
{
    /// <summary>The objects this step's result needs in the store.</summary>
    [JsonIgnore]
    public IEnumerable<string> Objects => new[] { Output, Thumbnail, Spritesheet }.Where(o => o is not null)!;
}

/// <summary><c>claims/&lt;key&gt;.json</c>: a lease on a step, so that only one runner pays for it.</summary>
/// <param name="Owner">The claiming run (random per run), so a renewal recognises its own claim.</param>
/// <param name="Host">The machine, for the "waiting for …" message.</param>
/// <param name="Job">The provider's job id, recorded as soon as the submit is answered: a takeover adopts it instead of paying.</param>
public sealed record RemoteClaim(
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("started")] DateTimeOffset Started,
    [property: JsonPropertyName("expires")] DateTimeOffset Expires,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("job")] string? Job = null);

/// <summary>A claim as read or written, with the ETag a conditional replace must name.</summary>
public sealed record HeldClaim(string Key, RemoteClaim Claim, string ETag);

internal static class RemoteJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static byte[] Write<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Reads a record; a damaged file reads as null (treated as absent), never as a crash.</summary>
    public static T? Read<T>(byte[] bytes)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The remote failed in a way retries did not cure (a refused credential, a missing bucket, a network down).</summary>
public sealed class RemoteStoreException : IOException
{
    public RemoteStoreException()
    {
    }

    public RemoteStoreException(string message)
        : base(message)
    {
    }

    public RemoteStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>How the remote's transient failures are retried: the wait before retry <c>n</c> (1-based), and the requests per call at most.</summary>
public sealed record RemoteRetry(TimeProvider Time, Func<int, TimeSpan> Backoff, int MaxAttempts)
{
    /// <summary>0.5 s doubling to 8 s, 8 requests at most: the provider calls' curve, without its jitter.</summary>
    public static RemoteRetry Default { get; } = new(TimeProvider.System, n => TimeSpan.FromSeconds(Math.Min(8, 0.5 * Math.Pow(2, Math.Clamp(n - 1, 0, 10)))), 8);
}
