using System.Globalization;
using System.Text;
using Reel.Engine.Core;

namespace Reel.Engine.Media.Ffmpeg;

/// <summary>One shot of a cut: a clip, optionally trimmed (seconds from the clip's start).</summary>
public sealed record CutShot(string Path, double? TrimIn = null, double? TrimOut = null)
{
    /// <summary>What ffprobe said about the clip, when the caller kept it (then the cut does not probe it again).</summary>
    public MediaInfo? Info { get; init; }
}

/// <summary>A transition between consecutive shots.</summary>
public sealed record Transition(TransitionKind Kind, double Seconds);

/// <summary>A music bed under the whole cut: looped or trimmed to the cut's length, ducked under the clips' own audio.</summary>
public sealed record MusicBed(string Path, double VolumeDb = -12, bool Duck = true);

/// <summary>Output encoding; null size/rate = the first shot's. <paramref name="Fit"/> is <c>pad</c> (letterbox) or <c>crop</c>.</summary>
public sealed record CutOutput(int? Width = null, int? Height = null, double? FrameRate = null, int Crf = 20, string Preset = "medium", string Fit = "pad");

/// <summary>A cut: shots, transitions (Shots.Count - 1 entries, or empty for all hard cuts), music, loudness target, output.</summary>
public sealed record CutSpec(
    IReadOnlyList<CutShot> Shots,
    IReadOnlyList<Transition> Transitions,
    MusicBed? Music,
    double? LoudnessLufs,
    CutOutput Output);

/// <summary>How a cut was produced.</summary>
public enum CutMode
{
    /// <summary>Identical encodings, hard cuts only: packets copied (concat demuxer, <c>-c copy</c>).</summary>
    StreamCopy,

    /// <summary>Normalised and encoded once through one filter graph.</summary>
    ReEncode,
}

/// <summary>The result of a cut: the path taken and the expected length.</summary>
/// <param name="Frames">Video frames written (re-encode path; for stream copy the sum of the inputs' durations × rate).</param>
public sealed record CutResult(CutMode Mode, double Seconds, long Frames, int Width, int Height, double FrameRate);

/// <summary>Renders a <see cref="CutSpec"/> to an MP4 with ffmpeg (stream copy when possible, else one re-encode).</summary>
public static class CutRenderer
{
    private const int AudioRate = 48000;

    /// <summary>Renders the cut to <paramref name="output"/> (written to a temporary file next to it, then renamed).</summary>
    /// <exception cref="ArgumentException">The spec is inconsistent (trims, transition count or length).</exception>
    /// <exception cref="FfmpegException">ffmpeg failed; the message holds the end of its stderr.</exception>
    public static async Task<CutResult> RenderAsync(CutSpec spec, string output, FfmpegPaths tools, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(output);
        if (spec.Shots.Count == 0)
        {
            throw new ArgumentException("a cut needs at least one shot", nameof(spec));
        }

        if (spec.Transitions.Count != 0 && spec.Transitions.Count != spec.Shots.Count - 1)
        {
            throw new ArgumentException($"a cut of {spec.Shots.Count} shots needs {spec.Shots.Count - 1} transitions (or none), not {spec.Transitions.Count}", nameof(spec));
        }

        // Shots whose facts the caller kept are not probed again; the others are probed side by side
        // (independent processes, and a cut may have dozens of shots).
        var infos = await Task.WhenAll(spec.Shots.Select(s => s.Info is { } known ? Task.FromResult(known) : MediaProbe.ProbeAsync(s.Path, tools, cancellationToken))).ConfigureAwait(false);

        var dir = Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".";
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.partial");
        try
        {
            CutResult result;
            if (CanStreamCopy(spec, infos))
            {
                result = await StreamCopyAsync(spec, infos, temp, tools, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var plan = Plan(spec, infos);
                result = await ReEncodeAsync(spec, plan, temp, tools, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, output, overwrite: true);
            return result;
        }
        finally
        {
            File.Delete(temp);
            File.Delete(temp + ".txt");
            File.Delete(temp + ".graph");
        }
    }

    /// <summary>Whether the cut can be joined by copying packets: same encoding everywhere, no edits.</summary>
    internal static bool CanStreamCopy(CutSpec spec, IReadOnlyList<MediaInfo> infos)
    {
        if (spec.Music is not null || spec.LoudnessLufs is not null)
        {
            return false;
        }

        if (spec.Shots.Any(s => s.TrimIn is not null || s.TrimOut is not null))
        {
            return false;
        }

        if (spec.Transitions.Any(t => t.Kind != TransitionKind.Cut))
        {
            return false;
        }

        var first = infos[0];
        var o = spec.Output;
        if ((o.Width is { } w && w != first.Width) || (o.Height is { } h && h != first.Height)
            || (o.FrameRate is { } r && Math.Abs(r - first.FrameRate) > 1e-3))
        {
            return false;
        }

        return infos.All(i =>
            i.VideoCodec == first.VideoCodec && i.Profile == first.Profile && i.Width == first.Width && i.Height == first.Height
            && i.FrameRateRational == first.FrameRateRational && i.PixelFormat == first.PixelFormat
            && i.HasAudio == first.HasAudio && i.AudioCodec == first.AudioCodec && i.SampleRate == first.SampleRate && i.Channels == first.Channels);
    }

    private static async Task<CutResult> StreamCopyAsync(CutSpec spec, MediaInfo[] infos, string temp, FfmpegPaths tools, CancellationToken cancellationToken)
    {
        var list = new StringBuilder("ffconcat version 1.0\n");
        foreach (var shot in spec.Shots)
        {
            // concat demuxer quoting: inside '…', a ' is written as '\''
            list.Append("file '").Append(Path.GetFullPath(shot.Path).Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
        }

        var listPath = temp + ".txt";
        await File.WriteAllTextAsync(listPath, list.ToString(), cancellationToken).ConfigureAwait(false);
        await FfmpegTools.FfmpegAsync(
            tools,
            ["-v", "error", "-f", "concat", "-safe", "0", "-i", listPath, "-map", "0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", "-y", temp],
            cancellationToken).ConfigureAwait(false);
        var first = infos[0];
        var seconds = infos.Sum(i => i.VideoDuration ?? i.Duration);
        return new CutResult(CutMode.StreamCopy, seconds, (long)Math.Round(seconds * first.FrameRate), first.Width, first.Height, first.FrameRate);
    }

    /// <summary>Frame-exact layout of a re-encoded cut.</summary>
    internal sealed record ShotPlan(int Index, double Start, double? End, long Frames, long Samples, MediaInfo Info);

    internal sealed record CutPlan(int Width, int Height, string Rate, double Fps, IReadOnlyList<ShotPlan> Shots, IReadOnlyList<(Transition T, long Frames, long Samples)> Joins, long TotalFrames, long TotalSamples);

    internal static CutPlan Plan(CutSpec spec, IReadOnlyList<MediaInfo> infos)
    {
        var first = infos[0];
        var o = spec.Output;
        int width, height;
        if (o.Width is { } ow && o.Height is { } oh)
        {
            (width, height) = (ow, oh);
        }
        else if (o.Width is { } w1)
        {
            (width, height) = (w1, (int)Math.Round(w1 / first.Aspect));
        }
        else if (o.Height is { } h1)
        {
            (width, height) = ((int)Math.Round(h1 * first.Aspect), h1);
        }
        else
        {
            (width, height) = (first.Width, first.Height);
        }

        width = Math.Max(2, width & ~1);
        height = Math.Max(2, height & ~1);
        var rate = o.FrameRate is { } fr ? RateText(fr) : first.FrameRateRational;
        var fps = MediaProbe.Rational(rate) ?? 25;

        var shots = new List<ShotPlan>();
        for (var i = 0; i < spec.Shots.Count; i++)
        {
            var shot = spec.Shots[i];
            var info = infos[i];
            var length = info.VideoDuration ?? info.Duration;
            var start = shot.TrimIn ?? 0;
            var end = shot.TrimOut ?? length;
            if (start < 0 || start >= length)
            {
                throw new ArgumentException($"shot {i + 1} ({Path.GetFileName(shot.Path)}): trim in {MediaProbe.Num(start)} s is outside the clip (0–{MediaProbe.Num(length)} s)", nameof(spec));
            }

            if (end <= start)
            {
                throw new ArgumentException($"shot {i + 1} ({Path.GetFileName(shot.Path)}): trim out {MediaProbe.Num(end)} s is not after trim in {MediaProbe.Num(start)} s", nameof(spec));
            }

            end = Math.Min(end, length);
            var frames = Math.Max(1, (long)Math.Round((end - start) * fps));
            var samples = SamplesFor(frames, fps);
            shots.Add(new ShotPlan(i, start, shot.TrimIn is null && shot.TrimOut is null ? null : end, frames, samples, info));
        }

        var joins = new List<(Transition, long, long)>();
        long totalFrames = shots[0].Frames;
        for (var i = 1; i < shots.Count; i++)
        {
            var t = spec.Transitions.Count == 0 ? new Transition(TransitionKind.Cut, 0) : spec.Transitions[i - 1];
            long tf = 0;
            if (t.Kind != TransitionKind.Cut)
            {
                tf = (long)Math.Round(t.Seconds * fps);
                if (tf < 1)
                {
                    throw new ArgumentException($"transition {i} ({t.Kind}) must last at least one frame", nameof(spec));
                }

                if (tf >= totalFrames || tf >= shots[i].Frames)
                {
                    throw new ArgumentException($"transition {i} ({t.Kind}, {MediaProbe.Num(t.Seconds)} s) is longer than the shots it joins", nameof(spec));
                }
            }

            joins.Add((t, tf, SamplesFor(tf, fps)));
            totalFrames += shots[i].Frames - tf;
        }

        var totalSamples = shots.Sum(s => s.Samples) - joins.Sum(j => j.Item3);
        return new CutPlan(width, height, rate, fps, shots, joins, totalFrames, totalSamples);
    }

    /// <summary>The single filter_complex of a re-encoded cut; outputs <c>[vout]</c> and <c>[aout]</c>.</summary>
    internal static string BuildGraph(CutSpec spec, CutPlan plan)
    {
        var g = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var fitMode = string.Equals(spec.Output.Fit, "crop", StringComparison.OrdinalIgnoreCase) || string.Equals(spec.Output.Fit, "cover", StringComparison.OrdinalIgnoreCase)
            ? FitMode.Cover
            : FitMode.Pad;
        var fit = FrameGrab.FitFilter(new VideoSize(plan.Width, plan.Height), fitMode);
        foreach (var s in plan.Shots)
        {
            var i = s.Index;
            var trimV = s.End is { } e ? string.Create(inv, $"trim=start={s.Start:0.######}:end={e:0.######},") : "";
            var trimA = s.End is { } e2 ? string.Create(inv, $"atrim=start={s.Start:0.######}:end={e2:0.######},") : "";
            g.Append(inv, $"[{i}:v:0]setpts=PTS-STARTPTS,{trimV}setpts=PTS-STARTPTS,fps={plan.Rate},{fit},format=yuv420p,")
                .Append(inv, $"tpad=stop_mode=clone:stop_duration=2,trim=end_frame={s.Frames},setpts=PTS-STARTPTS[v{i}];\n");
            if (s.Info.HasAudio)
            {
                g.Append(inv, $"[{i}:a:0]asetpts=PTS-STARTPTS,{trimA}asetpts=PTS-STARTPTS,aresample={AudioRate},aformat=sample_fmts=fltp:channel_layouts=stereo,")
                    .Append(inv, $"apad=whole_len={s.Samples},atrim=end_sample={s.Samples}[a{i}];\n");
            }
            else
            {
                g.Append(inv, $"anullsrc=r={AudioRate}:cl=stereo,aformat=sample_fmts=fltp:channel_layouts=stereo,atrim=end_sample={s.Samples}[a{i}];\n");
            }
        }

        // Join left to right: runs of hard cuts go through one concat, transitions through xfade/acrossfade.
        var v = "v0";
        var a = "a0";
        var n = 0;
        long accFrames = plan.Shots[0].Frames;
        for (var k = 1; k < plan.Shots.Count; k++)
        {
            var (t, tf, ts) = plan.Joins[k - 1];
            var next = plan.Shots[k];
            n++;
            if (t.Kind == TransitionKind.Cut)
            {
                g.Append(inv, $"[{v}][{a}][v{k}][a{k}]concat=n=2:v=1:a=1[jc{n}][ja{n}];[jc{n}]settb=expr={TimeBase(plan.Rate)}[jv{n}];\n");
                v = $"jv{n}";
                a = $"ja{n}";
            }
            else
            {
                var offset = (accFrames - tf) / plan.Fps;
                var kind = t.Kind == TransitionKind.Fade ? "fadeblack" : "fade";
                g.Append(inv, $"[{v}][v{k}]xfade=transition={kind}:duration={tf / plan.Fps:0.######}:offset={offset:0.######}[jv{n}];\n");
                g.Append(inv, $"[{a}][a{k}]acrossfade=ns={ts}:c1=tri:c2=tri[ja{n}];\n");
                v = $"jv{n}";
                a = $"ja{n}";
            }

            accFrames += next.Frames - tf;
        }

        g.Append(inv, $"[{v}]trim=end_frame={plan.TotalFrames},setpts=PTS-STARTPTS[vout];\n");
        var audio = a;
        if (spec.Music is { } music)
        {
            var m = plan.Shots.Count;
            g.Append(inv, $"[{m}:a:0]aresample={AudioRate},aformat=sample_fmts=fltp:channel_layouts=stereo,volume={music.VolumeDb:0.###}dB,atrim=end_sample={plan.TotalSamples},asetpts=PTS-STARTPTS[mus];\n");
            if (music.Duck)
            {
                g.Append(inv, $"[{audio}]asplit=2[main][side];[mus][side]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[duck];\n");
                g.Append("[main][duck]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mixed];\n");
            }
            else
            {
                g.Append(inv, $"[{audio}][mus]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mixed];\n");
            }

            audio = "mixed";
        }

        if (spec.LoudnessLufs is { } lufs)
        {
            g.Append(inv, $"[{audio}]loudnorm=I={lufs:0.##}:TP=-1.5:LRA=11,aresample={AudioRate}[loud];\n");
            audio = "loud";
        }

        g.Append(inv, $"[{audio}]aformat=sample_fmts=fltp:channel_layouts=stereo,apad=whole_len={plan.TotalSamples},atrim=end_sample={plan.TotalSamples},asetpts=PTS-STARTPTS[aout]");
        return g.ToString();
    }

    private static async Task<CutResult> ReEncodeAsync(CutSpec spec, CutPlan plan, string temp, FfmpegPaths tools, CancellationToken cancellationToken)
    {
        var graph = BuildGraph(spec, plan);
        var args = new List<string> { "-v", "error" };
        foreach (var shot in spec.Shots)
        {
            args.AddRange(["-i", shot.Path]);
        }

        if (spec.Music is { } music)
        {
            args.AddRange(["-stream_loop", "-1", "-i", music.Path]);
        }

        if (graph.Length > 8000)
        {
            var graphPath = temp + ".graph";
            await File.WriteAllTextAsync(graphPath, graph, cancellationToken).ConfigureAwait(false);
            args.AddRange(["-filter_complex_script", graphPath]);
        }
        else
        {
            args.AddRange(["-filter_complex", graph]);
        }

        var o = spec.Output;
        args.AddRange([
            "-map", "[vout]", "-map", "[aout]",
            "-c:v", "libx264", "-preset", o.Preset, "-crf", o.Crf.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p",
            "-r", plan.Rate, "-fps_mode", "cfr",
            "-c:a", "aac", "-b:a", "192k", "-ar", AudioRate.ToString(CultureInfo.InvariantCulture), "-ac", "2",
            "-movflags", "+faststart", "-f", "mp4", "-y", temp,
        ]);
        await FfmpegTools.FfmpegAsync(tools, args, cancellationToken).ConfigureAwait(false);
        return new CutResult(CutMode.ReEncode, plan.TotalFrames / plan.Fps, plan.TotalFrames, plan.Width, plan.Height, plan.Fps);
    }

    private static long SamplesFor(long frames, double fps) => (long)Math.Round(frames * AudioRate / fps);

    /// <summary>A frame rate as ffmpeg's rational: integers as <c>n/1</c>, NTSC rates as <c>n000/1001</c>.</summary>
    internal static string RateText(double fps)
    {
        var inv = CultureInfo.InvariantCulture;
        if (Math.Abs(fps - Math.Round(fps)) < 1e-3)
        {
            return string.Create(inv, $"{(long)Math.Round(fps)}/1");
        }

        var ntsc = Math.Round(fps * 1.001);
        if (Math.Abs(fps - ntsc * 1000 / 1001) < 1e-3)
        {
            return string.Create(inv, $"{(long)ntsc * 1000}/1001");
        }

        return string.Create(inv, $"{(long)Math.Round(fps * 1000)}/1000");
    }

    private static string TimeBase(string rate)
    {
        var parts = rate.Split('/');
        return parts.Length == 2 ? $"{parts[1]}/{parts[0]}" : $"1/{rate}";
    }
}
