using System.Globalization;

namespace Reel.Emulator.Faults;

/// <summary>The fault that a request suffers before or after it is processed.</summary>
internal enum RequestFault
{
    None,
    TooManyRequests,
    InternalError,
    Unavailable,

    /// <summary>The connection is dropped before the request is processed: nothing happened on the server.</summary>
    Drop,

    /// <summary>The request is processed (a job may now exist) but the connection is dropped before the answer.</summary>
    Reset,
}

/// <summary>
/// Rates parsed from a profile like <c>429=0.1,500=0.05,reset=0.05</c>. <c>poll503</c> answers status polls only
/// with 503, drawn apart from the others (so <c>poll503=1</c> makes every poll fail and nothing else). <c>createdrop</c>
/// and <c>createreset</c> hit only requests that create something billable (a video job, a batch, a fal submit, a Veo
/// prediction), also drawn apart: <c>createreset=1</c> loses the answer of every create and of nothing else.
/// <c>s3reset</c> and <c>s3503</c> hit only requests to the S3 subset (drawn apart too), so a shared remote can be made
/// unreliable while the provider routes are not.
/// </summary>
internal sealed record FaultProfile(double TooManyRequests, double InternalError, double Unavailable, double Reset, double Truncate, double Moderation, double Drop = 0, double PollUnavailable = 0)
{
    public static FaultProfile None { get; } = new(0, 0, 0, 0, 0, 0);

    private static readonly string[] Names = ["429", "500", "503", "drop", "reset", "truncate", "moderation", "poll503", "createdrop", "createreset", "s3reset", "s3503"];

    /// <summary>The share of creating requests dropped before they are processed.</summary>
    public double CreateDrop { get; init; }

    /// <summary>The share of creating requests processed (the job or batch exists) whose answer is lost.</summary>
    public double CreateReset { get; init; }

    /// <summary>The share of S3 requests processed whose answer is lost.</summary>
    public double S3Reset { get; init; }

    /// <summary>The share of S3 requests answered 503 SlowDown before they are processed.</summary>
    public double S3Unavailable { get; init; }

    /// <summary>Parses a profile; throws <see cref="ArgumentException"/> naming the bad entry.</summary>
    public static FaultProfile Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return None;
        }

        var rates = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? raw : raw[..eq].Trim();
            if (!Names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"Unknown fault '{name}' in '{text}'. Known faults: {string.Join(", ", Names)}.", nameof(text));
            }

            if (eq < 0
                || !double.TryParse(raw[(eq + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
                || rate is < 0 or > 1 || double.IsNaN(rate))
            {
                throw new ArgumentException($"Fault '{raw}' needs a rate between 0 and 1, as in '{name}=0.05'.", nameof(text));
            }

            rates[name] = rate;
        }

        double Get(string n) => rates.TryGetValue(n, out var r) ? r : 0;
        var profile = new FaultProfile(Get("429"), Get("500"), Get("503"), Get("reset"), Get("truncate"), Get("moderation"), Get("drop"), Get("poll503"))
        {
            CreateDrop = Get("createdrop"),
            CreateReset = Get("createreset"),
            S3Reset = Get("s3reset"),
            S3Unavailable = Get("s3503"),
        };
        if (profile.S3Reset + profile.S3Unavailable > 1)
        {
            throw new ArgumentException($"The rates of s3reset and s3503 in '{text}' add up to more than 1.", nameof(text));
        }

        if (profile.CreateDrop + profile.CreateReset > 1)
        {
            throw new ArgumentException($"The rates of createdrop and createreset in '{text}' add up to more than 1.", nameof(text));
        }

        if (profile.TooManyRequests + profile.InternalError + profile.Unavailable + profile.Drop + profile.Reset > 1)
        {
            throw new ArgumentException($"The rates of 429, 500, 503, drop and reset in '{text}' add up to more than 1.", nameof(text));
        }

        return profile;
    }
}

/// <summary>Seeded dice for a <see cref="FaultProfile"/>: the same seed and the same request sequence give the same faults.</summary>
internal sealed class FaultInjector(FaultProfile profile, int seed)
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public FaultProfile Profile { get; } = profile;

    /// <summary>One draw per API request: 429/500/503/drop (before processing) or reset (after processing).</summary>
    public RequestFault NextRequestFault()
    {
        var p = Profile;
        if (p.TooManyRequests + p.InternalError + p.Unavailable + p.Drop + p.Reset <= 0)
        {
            return RequestFault.None;
        }

        var u = Next();
        if ((u -= p.TooManyRequests) < 0)
        {
            return RequestFault.TooManyRequests;
        }

        if ((u -= p.InternalError) < 0)
        {
            return RequestFault.InternalError;
        }

        if ((u -= p.Unavailable) < 0)
        {
            return RequestFault.Unavailable;
        }

        if ((u -= p.Drop) < 0)
        {
            return RequestFault.Drop;
        }

        return u - p.Reset < 0 ? RequestFault.Reset : RequestFault.None;
    }

    /// <summary>One draw per creating request (none when both rates are 0, so the other faults' dice are unchanged).</summary>
    public RequestFault NextCreateFault()
    {
        var p = Profile;
        if (p.CreateDrop + p.CreateReset <= 0)
        {
            return RequestFault.None;
        }

        var u = Next();
        return u < p.CreateDrop ? RequestFault.Drop : u < p.CreateDrop + p.CreateReset ? RequestFault.Reset : RequestFault.None;
    }

    /// <summary>One draw per S3 request (none when both rates are 0, so the other faults' dice are unchanged).</summary>
    public RequestFault NextS3Fault()
    {
        var p = Profile;
        if (p.S3Reset + p.S3Unavailable <= 0)
        {
            return RequestFault.None;
        }

        var u = Next();
        return u < p.S3Unavailable ? RequestFault.Unavailable : u < p.S3Unavailable + p.S3Reset ? RequestFault.Reset : RequestFault.None;
    }

    /// <summary>One draw per status poll (none when the rate is 0, so other faults' dice are unchanged).</summary>
    public bool NextPollUnavailable() => Profile.PollUnavailable > 0 && Next() < Profile.PollUnavailable;

    /// <summary>One draw per content download.</summary>
    public bool NextTruncate() => Profile.Truncate > 0 && Next() < Profile.Truncate;

    /// <summary>One draw per job created.</summary>
    public bool NextModeration() => Profile.Moderation > 0 && Next() < Profile.Moderation;

    private double Next()
    {
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }
}
