using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reel.Engine.Core;
using Reel.Engine.Media;

namespace Reel.Engine.Providers.Local;

/// <summary>
/// The embedded provider. It behaves like a remote service so that crash and resume paths are
/// exercised offline: a submit persists a job file (<c>&lt;state&gt;/jobs/&lt;id&gt;.json</c>) and
/// reports success; the clip is rendered deterministically on download, so re-rendering is free of
/// surprises. Job ids are content addresses of the request.
/// </summary>
public sealed class LocalProvider : IListingVideoProvider
{
    private const string JobPrefix = "local_";
    private const string CharacterPrefix = "char_";

    private readonly string _jobsDirectory;
    private readonly TimeProvider _timeProvider;

    /// <param name="stateDirectory">Where job files are kept (created on first submit).</param>
    /// <param name="timeProvider">Clock for job creation times.</param>
    public LocalProvider(string stateDirectory, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _jobsDirectory = Path.Combine(stateDirectory, "jobs");
        _timeProvider = timeProvider;
    }

    /// <inheritdoc/>
    public string Name => "local";

    /// <inheritdoc/>
    public ProviderCapabilities Capabilities => LocalCapabilities.Table;

    /// <summary>The local renderer needs no key: there is nothing to check.</summary>
    public Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<JobStatus> SubmitAsync(JobRequest job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        var request = Fields.Of(job);
        Validate(request);

        var firstFrameSha = request.FirstFramePath is { } image ? await HashFileAsync(image, "first frame image", cancellationToken).ConfigureAwait(false) : null;
        var sourceVideoSha = request.SourceVideoPath is { } video ? await HashFileAsync(video, "source video", cancellationToken).ConfigureAwait(false) : null;

        var totalSeconds = request.Seconds;
        if (request.Kind is JobKind.Extend or JobKind.Edit)
        {
            var sourceSeconds = await SourceSecondsAsync(request, cancellationToken).ConfigureAwait(false);
            totalSeconds = request.Kind == JobKind.Extend ? sourceSeconds + request.Seconds : sourceSeconds;
        }

        var prefix = request.Kind == JobKind.CreateCharacter ? CharacterPrefix : JobPrefix;
        var jobId = prefix + Convert.ToHexStringLower(SHA256.HashData(CanonicalRequest(request, firstFrameSha, sourceVideoSha)))[..24];
        var path = JobPath(jobId);

        // Same request, same job: a resubmit (e.g. after a crash) finds the job it already made.
        if (await TryLoadAsync(jobId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return Status(existing);
        }

        var created = new LocalJob(
            jobId,
            request.Kind,
            request.StepId,
            request.Prompt,
            request.Model,
            request.Size?.ToString(),
            request.Seconds,
            totalSeconds,
            request.Take,
            request.FirstFramePath,
            firstFrameSha,
            [.. request.Characters],
            request.SourceJobId,
            request.SourceVideoPath,
            sourceVideoSha,
            request.Name,
            _timeProvider.GetUtcNow());

        Directory.CreateDirectory(_jobsDirectory);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, created, LocalJobJson.Default.LocalJob, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        return Status(created);
    }

    /// <inheritdoc/>
    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Status(await LoadAsync(jobId, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public async Task DownloadAsync(string jobId, ContentVariant variant, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        cancellationToken.ThrowIfCancellationRequested();
        var job = await LoadAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job.Kind == JobKind.CreateCharacter)
        {
            throw Invalid($"job {jobId} is a character; it has no {variant.ToString().ToLowerInvariant()} to download", "variant");
        }

        using var video = new MemoryStream();
        await RenderVideoAsync(job, video, 0, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        video.Position = 0;
        switch (variant)
        {
            case ContentVariant.Video:
                await video.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
                break;
            case ContentVariant.Thumbnail:
            case ContentVariant.Spritesheet:
                using (var image = new MemoryStream())
                {
                    if (variant == ContentVariant.Thumbnail)
                    {
                        Mp4Clip.WriteThumbnail(video, jobId, image);
                    }
                    else
                    {
                        Mp4Clip.WriteSpritesheet(video, jobId, image);
                    }

                    image.Position = 0;
                    await image.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                throw Invalid($"unknown content variant {variant}", "variant");
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<JobStatus>> ListRecentAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Directory.Exists(_jobsDirectory))
        {
            return [];
        }

        var jobs = new List<LocalJob>();
        foreach (var file in Directory.EnumerateFiles(_jobsDirectory, "*.json"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await TryLoadAsync(Path.GetFileNameWithoutExtension(file), cancellationToken).ConfigureAwait(false) is { } job && job.CreatedAt >= since)
            {
                jobs.Add(job);
            }
        }

        return jobs
            .OrderByDescending(j => j.CreatedAt)
            .ThenBy(j => j.JobId, StringComparer.Ordinal)
            .Select(Status)
            .ToList();
    }

    private static void Validate(Fields request)
    {
        var caps = LocalCapabilities.Table;
        if (request.Kind == JobKind.CreateCharacter || request.Size is not { } size)
        {
            // A character: nothing to render.
            return;
        }

        if (size.Width < caps.MinSide || size.Height < caps.MinSide || size.Width > caps.MaxSide || size.Height > caps.MaxSide)
        {
            throw Invalid($"size {size} is outside {caps.MinSide}..{caps.MaxSide} pixels per side", "size");
        }

        if (request.Seconds < caps.MinSeconds || request.Seconds > caps.MaxSeconds)
        {
            throw Invalid($"seconds {request.Seconds} is outside {caps.MinSeconds}..{caps.MaxSeconds}", "seconds");
        }

        if (request.Kind is JobKind.Extend or JobKind.Edit && request.SourceJobId is null && request.SourceVideoPath is null)
        {
            throw Invalid($"{request.Kind.ToString().ToLowerInvariant()} of step '{request.StepId}' needs a source job or source video", "source");
        }
    }

    private async Task<int> SourceSecondsAsync(Fields request, CancellationToken cancellationToken)
    {
        if (request.SourceVideoPath is { } path)
        {
            try
            {
                return (int)Math.Round(Mp4Clip.Probe(path).Seconds, MidpointRounding.AwayFromZero);
            }
            catch (InvalidDataException e)
            {
                throw Invalid($"source video {path} cannot be read: {e.Message}", "source_video");
            }
        }

        var source = await TryLoadAsync(request.SourceJobId!, cancellationToken).ConfigureAwait(false)
            ?? throw Invalid($"unknown source job {request.SourceJobId}", "source_job_id");
        if (source.Kind == JobKind.CreateCharacter)
        {
            throw Invalid($"source job {source.JobId} is a character, not a clip", "source_job_id");
        }

        return source.TotalSeconds;
    }

    private async Task RenderVideoAsync(LocalJob job, Stream output, int depth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (depth > 64)
        {
            throw Invalid($"job {job.JobId}: source chain is too deep", "source_job_id");
        }

        var size = VideoSize.TryParse(job.Size, out var parsed) ? parsed : throw Invalid($"job {job.JobId} has a bad size '{job.Size}'", "size");
        var seed = BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(job.JobId)));
        var takeSuffix = string.Create(CultureInfo.InvariantCulture, $"#{job.Take}");
        var label = job.Take > 0 && !job.StepId.EndsWith(takeSuffix, StringComparison.Ordinal) ? job.StepId + takeSuffix : job.StepId;
        var model = job.Model ?? LocalCapabilities.Table.DefaultModel;
        switch (job.Kind)
        {
            case JobKind.Generate:
                var names = job.Characters.Length == 0 ? "" : " [with " + string.Join(", ", job.Characters.Select(c => c.Name)) + "]";
                var image = job.FirstFramePath is { } p && File.Exists(p) ? p : null;
                Render(new ClipSpec(label, $"{model} - {job.Prompt}{names}", size, job.Seconds, seed, image), output);
                break;
            case JobKind.Edit:
                Render(new ClipSpec($"{label} (edit)", $"{model} - edit: {job.Prompt}", size, job.TotalSeconds, seed), output);
                break;
            case JobKind.Extend:
                using (var source = new MemoryStream())
                using (var segment = new MemoryStream())
                {
                    await SourceVideoAsync(job, source, depth, cancellationToken).ConfigureAwait(false);
                    Render(new ClipSpec($"{label} (extend)", $"{model} - {job.Prompt}", size, job.Seconds, seed), segment);
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        Mp4Clip.Concat([source, segment], [job.SourceVideoPath ?? job.SourceJobId ?? "source", "extension"], output, null);
                    }
                    catch (InvalidDataException e)
                    {
                        throw Invalid($"cannot extend {job.SourceVideoPath ?? job.SourceJobId}: {e.Message}", "source");
                    }
                }

                break;
            default:
                throw Invalid($"job {job.JobId} ({job.Kind}) has no video", "job_id");
        }
    }

    private async Task SourceVideoAsync(LocalJob job, Stream destination, int depth, CancellationToken cancellationToken)
    {
        if (job.SourceVideoPath is { } path && File.Exists(path))
        {
            var stream = File.OpenRead(path);
            await using (stream.ConfigureAwait(false))
            {
                await stream.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var source = await LoadAsync(job.SourceJobId ?? "", cancellationToken).ConfigureAwait(false);
            await RenderVideoAsync(source, destination, depth + 1, cancellationToken).ConfigureAwait(false);
        }

        destination.Position = 0;
    }

    private static void Render(ClipSpec spec, Stream output)
    {
        try
        {
            LocalRenderer.WriteClip(spec, output);
        }
        catch (InvalidDataException e)
        {
            throw Invalid(e.Message, "input_reference");
        }
    }

    private static byte[] CanonicalRequest(Fields request, string? firstFrameSha, string? sourceVideoSha)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", request.Kind.ToString());
            w.WriteString("prompt", request.Prompt);
            w.WriteString("model", request.Model);
            w.WriteString("size", request.Size?.ToString());
            w.WriteNumber("seconds", request.Seconds);
            w.WriteNumber("take", request.Take);
            w.WriteString("firstFrameSha256", firstFrameSha);
            w.WriteString("sourceJobId", request.SourceJobId);
            w.WriteString("sourceVideoSha256", sourceVideoSha);
            w.WriteString("name", request.Name);
            if (request.Roll != 0)
            {
                w.WriteNumber("roll", request.Roll);
            }

            w.WriteStartArray("characters");
            foreach (var c in request.Characters)
            {
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteString("name", c.Name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static async Task<string> HashFileAsync(string path, string what, CancellationToken cancellationToken)
    {
        try
        {
            var stream = File.OpenRead(path);
            await using (stream.ConfigureAwait(false))
            {
                return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Invalid($"{what} not found: {path}", what.Replace(' ', '_'));
        }
    }

    private async Task<LocalJob> LoadAsync(string jobId, CancellationToken cancellationToken) =>
        await TryLoadAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw Invalid($"unknown job {jobId}", "job_id", "unknown_job");

    private async Task<LocalJob?> TryLoadAsync(string jobId, CancellationToken cancellationToken)
    {
        if (!IsJobId(jobId))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(JobPath(jobId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, LocalJobJson.Default.LocalJob);
        }
        catch (JsonException e)
        {
            throw ProviderException.Invalid($"job file for {jobId} is corrupt: {e.Message}", "corrupt_job", "job_id", e);
        }
    }

    // Only ids this provider makes are accepted: they become file names.
    private static bool IsJobId(string jobId)
    {
        var hash = jobId.StartsWith(JobPrefix, StringComparison.Ordinal) ? jobId[JobPrefix.Length..]
            : jobId.StartsWith(CharacterPrefix, StringComparison.Ordinal) ? jobId[CharacterPrefix.Length..]
            : null;
        return hash is { Length: 24 } && hash.All(char.IsAsciiHexDigitLower);
    }

    private string JobPath(string jobId) => Path.Combine(_jobsDirectory, jobId + ".json");

    private static JobStatus Status(LocalJob job) => new(
        job.JobId,
        JobState.Succeeded,
        100,
        Seconds: job.Kind == JobKind.CreateCharacter ? null : job.TotalSeconds,
        Size: job.Size,
        CreatedAt: job.CreatedAt,
        Prompt: job.Prompt,
        Model: job.Model);

    private static ProviderException Invalid(string message, string? param = null, string? code = "invalid_request") =>
        ProviderException.Invalid(message, code, param);

    /// <summary>
    /// A request of any kind as the fields the job file and its content address keep (a character: its name as the
    /// prompt, and the default clip size).
    /// </summary>
    private sealed record Fields(
        JobKind Kind,
        string StepId,
        string Prompt,
        string? Model,
        VideoSize? Size,
        int Seconds,
        int Take,
        string? FirstFramePath,
        ImmutableArray<ProviderCharacter> Characters,
        string? SourceJobId,
        string? SourceVideoPath,
        string? Name)
    {
        private static readonly VideoSize CharacterSize = new(1280, 720);

        /// <summary>The request's re-roll: part of the content address only when it is not 0, so first rolls keep their ids.</summary>
        public int Roll { get; init; }

        public static Fields Of(JobRequest request) => (request switch
        {
            GenerateRequest g => new Fields(g.Kind, g.StepId, WithShots(g), g.Model, g.Size, g.Seconds, g.Take, g.FirstFramePath, g.Characters, null, null, null),
            ExtendRequest e => new(e.Kind, e.StepId, e.Prompt, e.Model, e.Size, e.Seconds, e.Take, null, [], e.SourceJobId, e.SourceVideoPath, null),
            EditRequest e => new(e.Kind, e.StepId, e.Prompt, e.Model, e.Size, e.Seconds, e.Take, null, [], e.SourceJobId, e.SourceVideoPath, null),
            // A character keeps the size its job has always carried: the job id is a hash of these fields.
            CreateCharacterRequest c => new(c.Kind, c.StepId, c.Name, c.Model, CharacterSize, 0, 0, null, [], null, c.SourceVideoPath, c.Name),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "unknown job kind"),
        }) with { Roll = request.Roll };

        /// <summary>The prompt a multi-shot clip shows (and is addressed by): the scene's, then each shot's with its seconds.</summary>
        private static string WithShots(GenerateRequest g) =>
            g.Shots.IsEmpty ? g.Prompt : g.Prompt + string.Concat(g.Shots.Select((s, i) => $" | shot {i + 1} ({s.Seconds} s): {s.Prompt}"));
    }
}

/// <summary>A persisted local job: the request as submitted, and when.</summary>
internal sealed record LocalJob(
    string JobId,
    JobKind Kind,
    string StepId,
    string Prompt,
    string? Model,
    string? Size,
    int Seconds,
    int TotalSeconds,
    int Take,
    string? FirstFramePath,
    string? FirstFrameSha256,
    ProviderCharacter[] Characters,
    string? SourceJobId,
    string? SourceVideoPath,
    string? SourceVideoSha256,
    string? Name,
    DateTimeOffset CreatedAt);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LocalJob))]
internal sealed partial class LocalJobJson : JsonSerializerContext;
