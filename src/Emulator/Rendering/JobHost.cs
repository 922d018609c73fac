using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Reel.Emulator.Audit;
using Reel.Emulator.Faults;
using Reel.Emulator.OpenAi;

namespace Reel.Emulator.Rendering;

/// <summary>
/// What each video API of the emulator runs its jobs with: the clock, the speed that turns clip seconds into job time,
/// the fault draws, the audit log, the clip store, a folder for uploaded files and the sequence jobs are numbered by.
/// Each API has its own.
/// </summary>
internal sealed class JobHost
{
    private readonly TimeProvider _time;
    private readonly double _speed;
    private long _sequence;

    /// <param name="uploadsFolder">The folder under <paramref name="dataDirectory"/> that uploaded files are saved to.</param>
    /// <param name="videoBytes">See <see cref="EmulatorOptions.VideoBytes"/>.</param>
    /// <param name="ahead">See <see cref="ClipStore"/>: the queue that renders new jobs' assets in the background.</param>
    /// <param name="pictures">Whether the API serves thumbnails and spritesheets.</param>
    public JobHost(TimeProvider time, double speed, FaultInjector faults, AuditLog audit, string dataDirectory, string uploadsFolder, RealisticClips? realistic = null, long? videoBytes = null, RenderAhead? ahead = null, bool pictures = false)
    {
        _time = time;
        _speed = speed;
        Faults = faults;
        Audit = audit;
        Clips = new ClipStore(dataDirectory, realistic, ahead, pictures) { VideoBytes = videoBytes };
        Uploads = Path.Combine(dataDirectory, uploadsFolder);
        Directory.CreateDirectory(Uploads);
    }

    public FaultInjector Faults { get; }

    public AuditLog Audit { get; }

    public ClipStore Clips { get; }

    /// <summary>The folder uploaded files are saved to.</summary>
    public string Uploads { get; }

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>How long a job generating <paramref name="seconds"/> of video takes at this speed.</summary>
    public TimeSpan DurationOf(int seconds) => TimeSpan.FromSeconds(seconds * _speed);

    /// <summary>The next job's <see cref="VideoJob.Sequence"/>.</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>Writes the audit line of a created job and starts rendering its assets in the background (see <see cref="ClipStore.Prepare"/>).</summary>
    /// <param name="id">The id the client knows the job by.</param>
    /// <param name="seed">The seed the request asked for, when it asked for one (audited).</param>
    /// <param name="image">Whether the request carried an image input (audited).</param>
    public void Created(string id, string kind, string fingerprint, IEnumerable<VideoJob> clips, long? seed = null, bool image = false)
    {
        Audit.JobCreated(id, kind, fingerprint, seed, image);
        foreach (var job in clips)
        {
            Clips.Prepare(job);
        }
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The SHA-256 of a request's content as JSON: what the audit records and the seed is drawn from.</summary>
    public static string Fingerprint(JsonObject content) => Sha256(Encoding.UTF8.GetBytes(content.ToJsonString()));

    /// <summary>A seed drawn from a fingerprint, so that the same request renders the same clip.</summary>
    public static ulong SeedOf(string fingerprint) => ulong.Parse(fingerprint[..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>
    /// The render seed of job <paramref name="jobId"/> made from a request that names no seed: drawn from the request
    /// and the job id, so that the same request sent again renders a different clip, as a provider's would. (A request
    /// that names a seed renders from <see cref="SeedOf(string)"/>: the same seed, the same clip.)
    /// </summary>
    public static ulong SeedOf(string fingerprint, string jobId) => SeedOf(Sha256(Encoding.UTF8.GetBytes(fingerprint + "/" + jobId)));

    /// <summary>32 random lowercase hex digits.</summary>
    public static string NewToken() => Guid.NewGuid().ToString("N");
}
