using System.Buffers.Binary;
using System.Text;

namespace Reel.Engine.Media;

/// <summary>The description of one H.264 video track, as written to or read from <c>moov</c>.</summary>
internal sealed record VideoTrackInfo(int Width, int Height, uint Timescale, byte[] AvcC, string CompressorName);

/// <summary>
/// Writes a single-track H.264 MP4 with <c>moov</c> before <c>mdat</c> (faststart) and no
/// timestamps, so the same samples always give the same bytes.
/// </summary>
internal static class Mp4Writer
{
    /// <summary>Marks Reel's local encoding (the name predates P pictures; clips of either kind carry it).</summary>
    public const string LocalCompressorName = "Reel I_PCM";

    public static byte[] AvcC(H264Format format)
    {
        var ms = new MemoryStream();
        ms.WriteByte(1); // configurationVersion
        ms.WriteByte(format.ProfileIdc);
        ms.WriteByte(format.Compatibility);
        ms.WriteByte(format.LevelIdc);
        ms.WriteByte(0xFF); // lengthSizeMinusOne = 3
        ms.WriteByte(0xE1); // one SPS
        WriteU16(ms, format.Sps.Length);
        ms.Write(format.Sps);
        ms.WriteByte(1); // one PPS
        WriteU16(ms, format.Pps.Length);
        ms.Write(format.Pps);
        return ms.ToArray();
    }

    /// <param name="output">Destination.</param>
    /// <param name="track">Track description.</param>
    /// <param name="sampleSizes">Byte size of each sample.</param>
    /// <param name="sampleDurations">Duration of each sample in <see cref="VideoTrackInfo.Timescale"/> units.</param>
    /// <param name="writeSamples">Writes every sample, in order, back to back (the <c>mdat</c> payload).</param>
    /// <param name="syncSamples">Which samples a decoder can start at (IDR pictures); null when every one is.</param>
    public static void Write(Stream output, VideoTrackInfo track, IReadOnlyList<int> sampleSizes, IReadOnlyList<uint> sampleDurations, Action<Stream> writeSamples, IReadOnlyList<bool>? syncSamples = null)
    {
        if (sampleSizes.Count == 0 || sampleSizes.Count != sampleDurations.Count)
        {
            throw new ArgumentException("an MP4 needs at least one sample and one duration per sample");
        }

        var ftyp = Box("ftyp", b =>
        {
            b.Write("isom"u8);
            WriteU32(b, 512);
            b.Write("isomiso2avc1mp41"u8);
        });

        long payload = 0;
        foreach (var s in sampleSizes)
        {
            payload += s;
        }

        var largeMdat = payload + 8 > uint.MaxValue;
        var mdatHeader = largeMdat ? 16 : 8;

        // The chunk offset does not change the moov size, so build once to measure, once for real.
        int[] sync = syncSamples is null
            ? [.. Enumerable.Range(1, sampleSizes.Count)]
            : [.. Enumerable.Range(0, sampleSizes.Count).Where(i => syncSamples[i]).Select(i => i + 1)];
        var moov = Moov(track, sampleSizes, sampleDurations, sync, 0, largeMdat);
        moov = Moov(track, sampleSizes, sampleDurations, sync, ftyp.Length + moov.Length + mdatHeader, largeMdat);

        output.Write(ftyp);
        output.Write(moov);
        if (largeMdat)
        {
            WriteU32(output, 1);
            output.Write("mdat"u8);
            WriteU64(output, (ulong)payload + 16);
        }
        else
        {
            WriteU32(output, (uint)(payload + 8));
            output.Write("mdat"u8);
        }

        var counting = new CountingStream(output);
        writeSamples(counting);
        if (counting.Written != payload)
        {
            throw new InvalidOperationException($"wrote {counting.Written} sample bytes, expected {payload}");
        }
    }

    private static byte[] Moov(VideoTrackInfo track, IReadOnlyList<int> sizes, IReadOnlyList<uint> durations, int[] sync, long chunkOffset, bool co64)
    {
        ulong mediaDuration = 0;
        foreach (var d in durations)
        {
            mediaDuration += d;
        }

        const uint movieTimescale = 1000;
        var movieDuration = (ulong)((mediaDuration * movieTimescale) + (track.Timescale / 2)) / track.Timescale;
        var v1 = mediaDuration > uint.MaxValue || movieDuration > uint.MaxValue;

        return Box("moov", moov =>
        {
            moov.Write(FullBox("mvhd", v1 ? 1 : 0, 0, b =>
            {
                WriteTimes(b, v1);
                WriteU32(b, movieTimescale);
                WriteDuration(b, movieDuration, v1);
                WriteU32(b, 0x00010000); // rate 1.0
                WriteU16(b, 0x0100); // volume 1.0
                b.Write(new byte[10]);
                WriteMatrix(b);
                b.Write(new byte[24]); // pre_defined
                WriteU32(b, 2); // next_track_ID
            }));
            moov.Write(Box("trak", trak =>
            {
                trak.Write(FullBox("tkhd", v1 ? 1 : 0, 3, b =>
                {
                    WriteTimes(b, v1);
                    WriteU32(b, 1); // track_ID
                    WriteU32(b, 0);
                    WriteDuration(b, movieDuration, v1);
                    b.Write(new byte[8]);
                    WriteU16(b, 0); // layer
                    WriteU16(b, 0); // alternate_group
                    WriteU16(b, 0); // volume
                    WriteU16(b, 0);
                    WriteMatrix(b);
                    WriteU32(b, (uint)track.Width << 16);
                    WriteU32(b, (uint)track.Height << 16);
                }));
                trak.Write(Box("mdia", mdia =>
                {
                    mdia.Write(FullBox("mdhd", v1 ? 1 : 0, 0, b =>
                    {
                        WriteTimes(b, v1);
                        WriteU32(b, track.Timescale);
                        WriteDuration(b, mediaDuration, v1);
                        WriteU16(b, 0x55C4); // language 'und'
                        WriteU16(b, 0);
                    }));
                    mdia.Write(FullBox("hdlr", 0, 0, b =>
                    {
                        WriteU32(b, 0);
                        b.Write("vide"u8);
                        b.Write(new byte[12]);
                        b.Write("VideoHandler\0"u8);
                    }));
                    mdia.Write(Box("minf", minf =>
                    {
                        minf.Write(FullBox("vmhd", 0, 1, b => b.Write(new byte[8])));
                        minf.Write(Box("dinf", dinf => dinf.Write(FullBox("dref", 0, 0, b =>
                        {
                            WriteU32(b, 1);
                            b.Write(FullBox("url ", 0, 1, _ => { }));
                        }))));
                        minf.Write(Box("stbl", stbl => WriteSampleTable(stbl, track, sizes, durations, sync, chunkOffset, co64)));
                    }));
                }));
            }));
        });
    }

    private static void WriteSampleTable(Stream stbl, VideoTrackInfo track, IReadOnlyList<int> sizes, IReadOnlyList<uint> durations, int[] sync, long chunkOffset, bool co64)
    {
        stbl.Write(FullBox("stsd", 0, 0, b =>
        {
            WriteU32(b, 1);
            b.Write(Box("avc1", e =>
            {
                e.Write(new byte[6]);
                WriteU16(e, 1); // data_reference_index
                e.Write(new byte[16]); // pre_defined, reserved
                WriteU16(e, track.Width);
                WriteU16(e, track.Height);
                WriteU32(e, 0x00480000); // 72 dpi
                WriteU32(e, 0x00480000);
                WriteU32(e, 0);
                WriteU16(e, 1); // frame_count
                var name = new byte[32];
                var ascii = Encoding.ASCII.GetBytes(track.CompressorName);
                name[0] = (byte)Math.Min(31, ascii.Length);
                ascii.AsSpan(0, name[0]).CopyTo(name.AsSpan(1));
                e.Write(name);
                WriteU16(e, 0x0018); // depth
                WriteU16(e, 0xFFFF); // pre_defined = -1
                e.Write(Box("avcC", c => c.Write(track.AvcC)));
            }));
        }));

        var runs = new List<(uint Count, uint Delta)>();
        foreach (var d in durations)
        {
            if (runs.Count > 0 && runs[^1].Delta == d)
            {
                runs[^1] = (runs[^1].Count + 1, d);
            }
            else
            {
                runs.Add((1, d));
            }
        }

        stbl.Write(FullBox("stts", 0, 0, b =>
        {
            WriteU32(b, (uint)runs.Count);
            foreach (var (count, delta) in runs)
            {
                WriteU32(b, count);
                WriteU32(b, delta);
            }
        }));
        stbl.Write(FullBox("stss", 0, 0, b =>
        {
            WriteU32(b, (uint)sync.Length);
            foreach (var i in sync)
            {
                WriteU32(b, (uint)i);
            }
        }));
        stbl.Write(FullBox("stsc", 0, 0, b =>
        {
            WriteU32(b, 1);
            WriteU32(b, 1); // first_chunk
            WriteU32(b, (uint)sizes.Count); // all samples in one chunk
            WriteU32(b, 1);
        }));
        stbl.Write(FullBox("stsz", 0, 0, b =>
        {
            WriteU32(b, 0);
            WriteU32(b, (uint)sizes.Count);
            foreach (var s in sizes)
            {
                WriteU32(b, (uint)s);
            }
        }));
        if (co64)
        {
            stbl.Write(FullBox("co64", 0, 0, b =>
            {
                WriteU32(b, 1);
                WriteU64(b, (ulong)chunkOffset);
            }));
        }
        else
        {
            stbl.Write(FullBox("stco", 0, 0, b =>
            {
                WriteU32(b, 1);
                WriteU32(b, (uint)chunkOffset);
            }));
        }
    }

    private static void WriteTimes(Stream b, bool v1)
    {
        // creation and modification times are 0: no wall clock in the output.
        b.Write(new byte[v1 ? 16 : 8]);
    }

    private static void WriteDuration(Stream b, ulong duration, bool v1)
    {
        if (v1)
        {
            WriteU64(b, duration);
        }
        else
        {
            WriteU32(b, (uint)duration);
        }
    }

    private static void WriteMatrix(Stream b)
    {
        uint[] m = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
        foreach (var v in m)
        {
            WriteU32(b, v);
        }
    }

    private static byte[] Box(string type, Action<Stream> body)
    {
        var ms = new MemoryStream();
        WriteU32(ms, 0);
        ms.Write(Encoding.ASCII.GetBytes(type));
        body(ms);
        var bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)bytes.Length);
        return bytes;
    }

    private static byte[] FullBox(string type, int version, int flags, Action<Stream> body) => Box(type, b =>
    {
        WriteU32(b, ((uint)version << 24) | (uint)flags);
        body(b);
    });

    private static void WriteU16(Stream s, int v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v);
        s.Write(b);
    }

    private static void WriteU32(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        s.Write(b);
    }

    private static void WriteU64(Stream s, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        s.Write(b);
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Written += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }
    }
}
