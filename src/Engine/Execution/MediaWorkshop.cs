using Microsoft.Extensions.Logging;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Prompts;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// The media work of a run — last frames, fitted images, joins, cuts, clip checks — with every result
/// kept in the store by content. The one place that decides whether a clip is handled in-process
/// (clips of the embedded renderer's own encoding) or with ffmpeg (everything else).
/// </summary>
internal sealed class MediaWorkshop(ObjectStore store, IReadOnlyDictionary<string, string?> environment, ILogger logger)
{
    /// <summary>The store fact that holds ffprobe's JSON of a clip.</summary>
    internal const string ProbeFact = "ffprobe.json";

    private int _warnedNoFfprobe;

    /// <summary>The clip's last frame, fitted to <paramref name="size"/>, as a PNG in the store; returns its path.</summary>
    public async Task<string> LastFrameAsync(string clipSha, VideoSize size, CancellationToken cancellationToken)
    {
        var clip = store.PathOf(clipSha);
        var sha = await StoreAsync(".png", async temp =>
        {
            if (IsLocalEncoding(clip))
            {
                await using var png = File.Create(temp);
                Mp4Clip.WriteLastFrame(clip, png, size);
            }
            else
            {
                await FrameGrab.LastFrameAsync(clip, temp, FfmpegTools.Locate(environment), size, FitMode.Cover, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return store.PathOf(sha);
    }

    /// <summary>The clip's first frame, fitted to <paramref name="size"/> (cover), as a PNG in the store; returns its path (<c>carry: first-frame</c>).</summary>
    public Task<string> FirstFrameAsync(string clipSha, VideoSize size, CancellationToken cancellationToken) =>
        FirstFrameOfAsync(store.PathOf(clipSha), size, cancellationToken);

    /// <summary>The first frame of the clip at <paramref name="clip"/> (a character's video), as <see cref="FirstFrameAsync"/>.</summary>
    public async Task<string> FirstFrameOfAsync(string clip, VideoSize size, CancellationToken cancellationToken)
    {
        var sha = await StoreAsync(".png", async temp =>
        {
            if (IsLocalEncoding(clip))
            {
                await using var png = File.Create(temp);
                Mp4Clip.WriteFirstFrame(clip, png, size);
            }
            else
            {
                await FrameGrab.FirstFrameAsync(clip, temp, FfmpegTools.Locate(environment), size, FitMode.Cover, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return store.PathOf(sha);
    }

    /// <summary>A reference image fitted to <paramref name="size"/> (providers reject other sizes), as a PNG in the store; returns its path.</summary>
    public async Task<string> FitImageAsync(InputFile image, VideoSize size, ImageFit fit, CancellationToken cancellationToken)
    {
        var sha = await StoreAsync(".png", async temp =>
        {
            await using var png = File.Create(temp);
            ImageFitter.Fit(image.Path, size, fit, png);
        }, cancellationToken).ConfigureAwait(false);
        return store.PathOf(sha);
    }

    /// <summary>
    /// A cut of <paramref name="shots"/>: joined in-process when every clip is of the local encoding and the
    /// cut has no effects, else rendered with ffmpeg.
    /// </summary>
    public Task<string> CutAsync(IReadOnlyList<string> shots, CutSettings? cut, VideoSize size, CancellationToken cancellationToken) =>
        cut is { HasEffects: true } || !shots.All(IsLocal)
            ? RenderAsync(shots, cut, cancellationToken)
            : JoinLocalAsync(shots, size, cancellationToken);

    /// <summary>Clips played one after the other (a last-frame continuation after its source).</summary>
    public Task<string> JoinAsync(IReadOnlyList<string> clips, CancellationToken cancellationToken) =>
        clips.All(IsLocal) ? JoinLocalAsync(clips, null, cancellationToken) : RenderAsync(clips, null, cancellationToken);

    /// <summary>
    /// Checks a downloaded clip decodes with the expected duration and aspect; null when it does, else the
    /// problem. Local-encoding clips are checked in-process, others with ffprobe (skipped, with one warning
    /// per run, where ffmpeg is not installed).
    /// </summary>
    public async Task<string?> VerifyAsync(string sha, int expectedSeconds, VideoSize size, CancellationToken cancellationToken)
    {
        var path = store.PathOf(sha);
        ClipInfo? local = null;
        try
        {
            local = Mp4Clip.Probe(path);
        }
        catch (InvalidDataException)
        {
            // Not an MP4 we can read ourselves: ffprobe decides.
        }

        if (local is { IsLocalEncoding: true })
        {
            return Math.Abs(local.Seconds - expectedSeconds) > 0.5 ? $"duration {local.Seconds:0.##} s, expected {expectedSeconds} s" : Mp4Clip.Verify(path);
        }

        FfmpegPaths tools;
        try
        {
            tools = FfmpegTools.Locate(environment);
        }
        catch (FfmpegMissingException ex)
        {
            if (Interlocked.Exchange(ref _warnedNoFfprobe, 1) == 0)
            {
                Log.NotVerified(logger, ex.Message);
            }

            return null;
        }

        var (problem, probe) = await MediaProbe.VerifyAndProbeAsync(path, tools, expectedSeconds, (double)size.Width / size.Height, 0.5, cancellationToken).ConfigureAwait(false);
        if (problem is null && probe is not null)
        {
            // Kept beside the object, so a cut of these bytes does not probe them again.
            store.WriteFact(sha, ProbeFact, probe);
        }

        return problem;
    }

    /// <summary>What ffprobe says about a stored clip: kept beside the object by its hash, probed (and kept) only the first time.</summary>
    public async Task<MediaInfo> ProbeAsync(string sha, FfmpegPaths tools, CancellationToken cancellationToken)
    {
        var path = store.PathOf(sha);
        if (store.ReadFact(sha, ProbeFact) is { } kept)
        {
            try
            {
                return MediaProbe.FromJson(kept, path);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
            {
                // A damaged fact is learned again.
            }
        }

        var json = await MediaProbe.ProbeJsonAsync(path, tools, cancellationToken).ConfigureAwait(false);
        var info = MediaProbe.FromJson(json, path);
        store.WriteFact(sha, ProbeFact, json);
        return info;
    }

    /// <summary>A fresh temporary path in the store's own temp folder (same file system, so a put is a rename), named for this process so a later run can tell it is stale.</summary>
    public string TempPath(string extension)
    {
        Directory.CreateDirectory(store.TempDirectory);
        return Path.Combine(store.TempDirectory, $"{TempFiles.Unique()}.partial{extension}");
    }

    private bool IsLocal(string sha) => IsLocalEncoding(store.PathOf(sha));

    private static bool IsLocalEncoding(string path)
    {
        try
        {
            return Mp4Clip.Probe(path).IsLocalEncoding;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>ffmpeg: by stream copy where the encodings allow, else one re-encode; clips are probed at most once per content.</summary>
    private async Task<string> RenderAsync(IReadOnlyList<string> clips, CutSettings? cut, CancellationToken cancellationToken)
    {
        var tools = FfmpegTools.Locate(environment);
        var infos = await Task.WhenAll(clips.Select(sha => ProbeAsync(sha, tools, cancellationToken))).ConfigureAwait(false);
        var shots = clips.Select((sha, i) => new CutShot(store.PathOf(sha), cut?.Shots[i].TrimIn, cut?.Shots[i].TrimOut) { Info = infos[i] }).ToList();
        var transitions = cut is null ? [] : cut.Shots.Skip(1).Select(s => new Transition(s.Transition.Kind, s.Transition.Seconds)).ToList();
        var music = cut?.Music is { } m ? new MusicBed(m.File.Path, m.VolumeDb, m.Duck) : null;
        var video = cut?.Video;
        var output = new CutOutput(video?.Size?.Width, video?.Size?.Height, video?.FramesPerSecond, video?.Crf ?? 20, video?.Preset ?? "medium", video?.Crop == true ? "crop" : "pad");
        var spec = new CutSpec(shots, transitions, music, cut?.Loudness, output);
        return await StoreAsync(".mp4", temp => CutRenderer.RenderAsync(spec, temp, tools, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Joins local-encoding clips without re-encoding. With a target, the join is made at the first clip's
    /// encoded size, so same-size clips are copied as they are.
    /// </summary>
    private Task<string> JoinLocalAsync(IReadOnlyList<string> clips, VideoSize? target, CancellationToken cancellationToken) =>
        StoreAsync(".mp4", async temp =>
        {
            await using var file = File.Create(temp);
            VideoSize? size = null;
            if (target is not null)
            {
                var first = Mp4Clip.Probe(store.PathOf(clips[0]));
                size = new VideoSize(first.Width, first.Height);
            }

            Mp4Clip.Concat([.. clips.Select(store.PathOf)], file, size);
        }, cancellationToken);

    /// <summary>Writes a file with <paramref name="write"/> into a temp path, puts it in the store, returns its hash.</summary>
    private async Task<string> StoreAsync(string extension, Func<string, Task> write, CancellationToken cancellationToken)
    {
        var temp = TempPath(extension);
        try
        {
            await write(temp).ConfigureAwait(false);
            return (await store.PutFileAsync(temp, cancellationToken: cancellationToken).ConfigureAwait(false)).Sha256;
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
