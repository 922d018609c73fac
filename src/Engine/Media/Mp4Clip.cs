using Reel.Engine.Core;

namespace Reel.Engine.Media;

/// <summary>What an MP4's first video track holds.</summary>
/// <param name="Width">Coded width (the track header's, i.e. the rendered size).</param>
/// <param name="Height">Coded height.</param>
/// <param name="Seconds">Track duration.</param>
/// <param name="Frames">Number of samples.</param>
/// <param name="FramesPerSecond">Average frame rate.</param>
/// <param name="IsLocalEncoding">Whether the clip is Reel's own I_PCM encoding (decodable without ffmpeg).</param>
public sealed record ClipInfo(int Width, int Height, double Seconds, int Frames, double FramesPerSecond, bool IsLocalEncoding);

/// <summary>Probing, joining and frame extraction for MP4 clips, in-process for local clips.</summary>
public static class Mp4Clip
{
    /// <summary>Reads an MP4's video track description.</summary>
    /// <exception cref="InvalidDataException">The file is not an MP4 or has no video track.</exception>
    /// <summary>
    /// Decodes every frame of one of our own clips: null when all decode, else the reason.
    /// Used to verify downloads of local-encoding clips without an external program.
    /// </summary>
    public static string? Verify(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var track = Mp4Reader.Read(stream, path);
            if (track.Count == 0)
            {
                return "the clip has no frames";
            }

            var decoder = new H264Decoder(track.LocalFormat(path), track.NalLengthSize);
            for (var i = 0; i < track.Count; i++)
            {
                _ = decoder.Decode(Mp4Reader.ReadSample(stream, track, i));
            }

            return null;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException or IndexOutOfRangeException or EndOfStreamException or OverflowException)
        {
            return "does not decode: " + ex.Message;
        }
    }

    public static ClipInfo Probe(string path)
    {
        using var stream = File.OpenRead(path);
        var track = Mp4Reader.Read(stream, path);
        var seconds = (double)track.MediaDuration / track.Info.Timescale;
        return new ClipInfo(
            track.Info.Width,
            track.Info.Height,
            seconds,
            track.Count,
            seconds > 0 ? track.Count / seconds : 0,
            track.IsLocalEncoding);
    }

    /// <summary>
    /// Joins clips into one MP4. Same encoding (size) → samples copied without re-encoding; otherwise each
    /// frame is decoded, fitted (letterbox) to <paramref name="target"/> (default: first clip's size) and re-encoded.
    /// </summary>
    /// <exception cref="InvalidDataException">An input is not an MP4, or needs re-encoding but is not a local clip.</exception>
    public static void Concat(IReadOnlyList<string> inputs, Stream output, VideoSize? target = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var streams = new List<Stream>();
        try
        {
            foreach (var path in inputs)
            {
                streams.Add(File.OpenRead(path));
            }

            Concat(streams, inputs, output, target);
        }
        finally
        {
            foreach (var s in streams)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>The exact last frame as PNG, optionally fitted (cover-crop) to a size.</summary>
    public static void WriteLastFrame(string mp4Path, Stream pngOutput, VideoSize? fitTo = null) =>
        WriteFrame(mp4Path, pngOutput, FrameIndex.Last, fitTo);

    /// <summary>Writes the clip's first frame as a PNG, fitted to <paramref name="fitTo"/> (cover) when given.</summary>
    public static void WriteFirstFrame(string mp4Path, Stream pngOutput, VideoSize? fitTo = null) =>
        WriteFrame(mp4Path, pngOutput, FrameIndex.First, fitTo);

    private static void WriteFrame(string mp4Path, Stream pngOutput, FrameIndex which, VideoSize? fitTo)
    {
        using var stream = File.OpenRead(mp4Path);
        var frame = DecodeFrame(stream, mp4Path, which);
        if (fitTo is { } size)
        {
            frame = Resampler.Cover(frame, size.Width, size.Height);
        }

        ImageCodec.WritePng(frame, pngOutput);
    }

    internal enum FrameIndex
    {
        Middle,
        Last,
        First,
    }

    internal static void Concat(IReadOnlyList<Stream> inputs, IReadOnlyList<string> names, Stream output, VideoSize? target)
    {
        if (inputs.Count == 0)
        {
            throw new ArgumentException("nothing to join: no input clips", nameof(inputs));
        }

        var tracks = new List<Mp4Track>();
        for (var i = 0; i < inputs.Count; i++)
        {
            tracks.Add(Mp4Reader.Read(inputs[i], names[i]));
        }

        var first = tracks[0];
        var size = target is { } t ? (Width: Math.Max(2, t.Width & ~1), Height: Math.Max(2, t.Height & ~1)) : (first.Info.Width, first.Info.Height);
        var sameEncoding = tracks.All(k => k.IsLocalEncoding && k.Info.AvcC.AsSpan().SequenceEqual(first.Info.AvcC))
            && first.Info.Width == size.Width && first.Info.Height == size.Height;

        var durations = new List<uint>();
        foreach (var track in tracks)
        {
            foreach (var d in track.Durations)
            {
                // Durations are kept in the first clip's timescale.
                durations.Add((uint)(((ulong)d * first.Info.Timescale) + (track.Info.Timescale / 2)) / track.Info.Timescale);
            }
        }

        if (sameEncoding)
        {
            var sizes = tracks.SelectMany(k => k.Sizes).ToArray();
            var sync = new List<bool>(sizes.Length);
            for (var i = 0; i < tracks.Count; i++)
            {
                for (var s = 0; s < tracks[i].Count; s++)
                {
                    sync.Add(H264Format.IsIdr(Mp4Reader.ReadSample(inputs[i], tracks[i], s)));
                }
            }

            Mp4Writer.Write(output, first.Info, sizes, durations, mdat =>
            {
                var n = 0;
                for (var i = 0; i < tracks.Count; i++)
                {
                    for (var s = 0; s < tracks[i].Count; s++)
                    {
                        var sample = Mp4Reader.ReadSample(inputs[i], tracks[i], s);

                        // Consecutive IDR pictures must differ in idr_pic_id; renumber across the joins.
                        if (H264Format.IsIdr(sample))
                        {
                            H264Format.SetIdrPicId(sample, n++);
                        }

                        mdat.Write(sample);
                    }
                }
            }, sync);
            return;
        }

        var format = H264Format.Create(size.Width, size.Height);
        var info = new VideoTrackInfo(size.Width, size.Height, first.Info.Timescale, Mp4Writer.AvcC(format), Mp4Writer.LocalCompressorName);
        // Named with the process id, so a run after a kill -9 can tell this file is stale (TempFiles in Storage).
        var payloadPath = Path.Combine(Path.GetTempPath(), $"reel-concat-{Guid.NewGuid():N}.{Environment.ProcessId}-local.tmp");
        using var payload = new FileStream(payloadPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        var sampleSizes = new List<int>();
        var syncSamples = new List<bool>();
        var encoder = new H264Encoder(format);
        for (var i = 0; i < tracks.Count; i++)
        {
            var decoder = new H264Decoder(tracks[i].LocalFormat(names[i]), tracks[i].NalLengthSize);
            for (var s = 0; s < tracks[i].Count; s++)
            {
                var picture = decoder.Decode(Mp4Reader.ReadSample(inputs[i], tracks[i], s));
                var yuv = picture.Width == size.Width && picture.Height == size.Height
                    ? picture
                    : YuvFrame.FromRgb(Resampler.Letterbox(picture.ToRgb(), size.Width, size.Height));
                var sample = encoder.Encode(yuv);
                payload.Write(sample);
                sampleSizes.Add(sample.Length);
                syncSamples.Add(H264Format.IsIdr(sample));
            }
        }

        Mp4Writer.Write(output, info, sampleSizes, durations, mdat =>
        {
            payload.Position = 0;
            payload.CopyTo(mdat);
        }, syncSamples);
    }

    internal static RgbImage DecodeFrame(Stream mp4, string name, FrameIndex which)
    {
        var track = Mp4Reader.Read(mp4, name);
        var index = which switch
        {
            FrameIndex.Last => track.Count - 1,
            FrameIndex.First => 0,
            _ => track.Count / 2,
        };
        return DecodeFrame(mp4, name, track, index);
    }

    internal static RgbImage DecodeFrame(Stream mp4, string name, Mp4Track track, int index)
    {
        if (track.Count == 0)
        {
            throw new InvalidDataException($"{name} has no frames");
        }

        // A P picture needs the pictures since the IDR before it.
        var start = index;
        while (start > 0 && !H264Format.IsIdr(Mp4Reader.ReadSample(mp4, track, start)))
        {
            start--;
        }

        var decoder = new H264Decoder(track.LocalFormat(name), track.NalLengthSize);
        YuvFrame? frame = null;
        for (var i = start; i <= index; i++)
        {
            frame = decoder.Decode(Mp4Reader.ReadSample(mp4, track, i));
        }

        return frame!.ToRgb();
    }

    /// <summary>Lossless WebP of the middle frame of a local clip.</summary>
    internal static void WriteThumbnail(Stream mp4, string name, Stream output) =>
        ImageCodec.WriteWebp(DecodeFrame(mp4, name, FrameIndex.Middle), output);

    /// <summary>JPEG grid of up to ten evenly spaced frames of a local clip.</summary>
    internal static void WriteSpritesheet(Stream mp4, string name, Stream output)
    {
        var track = Mp4Reader.Read(mp4, name);
        var tiles = ImageCodec.SpriteIndices(track.Count).Select(i => DecodeFrame(mp4, name, track, i)).ToList();
        ImageCodec.WriteJpeg(ImageCodec.Grid(tiles), output);
    }
}
