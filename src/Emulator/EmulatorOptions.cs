namespace Reel.Emulator;

/// <summary>How <see cref="EmulatorServer"/> behaves.</summary>
/// <param name="Port">TCP port on 127.0.0.1; 0 picks any free port.</param>
/// <param name="Speed">Seconds of (provider) time per second of clip: 1 is real time, 0.05 makes an 8 s clip ready in 0.4 s.</param>
/// <param name="Faults">
/// Fault profile such as <c>429=0.1,500=0.05,503=0.05,reset=0.05,truncate=0.05,moderation=0.02</c>; null or empty for
/// none. <c>poll503=R</c> answers that share of status polls (and nothing else) with 503.
/// </param>
/// <param name="Seed">Seed of the fault dice, so that a run is reproducible.</param>
/// <param name="ApiKey">
/// When set, every API request must carry this key in its API's own way (OpenAI <c>Authorization: Bearer</c>, fal
/// <c>Authorization: Key</c>, Gemini <c>x-goog-api-key</c>, Vertex a bearer token or an express key); when null, any
/// non-empty credential is accepted. Public media URLs need none.
/// </param>
/// <param name="AuditPath">When set, one JSON line per request and per job created is appended to this file.</param>
/// <param name="DataDirectory">Where rendered clips and uploads are kept; a temporary directory (deleted on dispose) when null.</param>
/// <param name="Realistic">
/// Serve provider-like clips: every video download is made by ffmpeg — H.264 High (libx264, yuv420p) at the job's exact
/// size and duration, with an AAC track, frame rate and sample rate depending on the model — instead of the local
/// I_PCM preview. Needs ffmpeg (with libx264) and ffprobe; the server refuses to start without them.
/// </param>
public sealed record EmulatorOptions(
    int Port = 0,
    double Speed = 1.0,
    string? Faults = null,
    int Seed = 0,
    string? ApiKey = null,
    string? AuditPath = null,
    string? DataDirectory = null,
    bool Realistic = false)
{
    /// <summary>The ffmpeg executable realistic mode runs (a name looked up on PATH, or a path); ffprobe is taken from the same directory.</summary>
    public string FfmpegPath { get; init; } = "ffmpeg";

    /// <summary>
    /// When set, every video download is this many bytes: the clip followed by an MP4 <c>free</c> box (which players and
    /// ffprobe skip), so that downloads of large clips can be measured without rendering them.
    /// </summary>
    public long? VideoBytes { get; init; }
}
