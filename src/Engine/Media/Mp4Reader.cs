using System.Buffers.Binary;
using System.Text;

namespace Reel.Engine.Media;

/// <summary>The first video track of an MP4: its description and sample table.</summary>
internal sealed class Mp4Track
{
    public required VideoTrackInfo Info { get; init; }

    /// <summary>H.264 profile from avcC (66 = Baseline).</summary>
    public required int Profile { get; init; }

    public required int NalLengthSize { get; init; }

    public required string Codec { get; init; }

    public required long[] Offsets { get; init; }

    public required int[] Sizes { get; init; }

    public required uint[] Durations { get; init; }

    public int Count => Sizes.Length;

    public ulong MediaDuration
    {
        get
        {
            ulong total = 0;
            foreach (var d in Durations)
            {
                total += d;
            }

            return total;
        }
    }

    public bool IsLocalEncoding => Codec == "avc1" && Profile == 66 && Info.CompressorName == Mp4Writer.LocalCompressorName;

    /// <summary>Parses the SPS/PPS of a local clip; throws when the clip is not one.</summary>
    public H264Format LocalFormat(string what)
    {
        if (!IsLocalEncoding)
        {
            throw new InvalidDataException($"{what} was not encoded by Reel's local renderer; only local clips can be decoded without ffmpeg");
        }

        var (sps, pps) = ParameterSets(Info.AvcC);
        return H264Format.Parse(sps, pps);
    }

    private static (byte[] Sps, byte[] Pps) ParameterSets(byte[] avcC)
    {
        try
        {
            var p = 5;
            var spsCount = avcC[p++] & 0x1F;
            if (spsCount < 1)
            {
                throw new InvalidDataException("avcC has no SPS");
            }

            var len = BinaryPrimitives.ReadUInt16BigEndian(avcC.AsSpan(p));
            var sps = avcC.AsSpan(p + 2, len).ToArray();
            p += 2 + len;
            for (var i = 1; i < spsCount; i++)
            {
                p += 2 + BinaryPrimitives.ReadUInt16BigEndian(avcC.AsSpan(p));
            }

            var ppsCount = avcC[p++];
            if (ppsCount < 1)
            {
                throw new InvalidDataException("avcC has no PPS");
            }

            len = BinaryPrimitives.ReadUInt16BigEndian(avcC.AsSpan(p));
            return (sps, avcC.AsSpan(p + 2, len).ToArray());
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException("corrupt avcC box", e);
        }
    }
}

/// <summary>Reads the boxes of an ISO-BMFF file far enough to find the first video track's samples.</summary>
internal static class Mp4Reader
{
    public static Mp4Track Read(Stream stream, string name)
    {
        try
        {
            return ReadCore(stream, name);
        }
        catch (Exception e) when (e is EndOfStreamException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"{name} is not a valid MP4 file: {e.Message}", e);
        }
    }

    public static byte[] ReadSample(Stream stream, Mp4Track track, int index)
    {
        var sample = new byte[track.Sizes[index]];
        stream.Position = track.Offsets[index];
        stream.ReadExactly(sample);
        return sample;
    }

    private static Mp4Track ReadCore(Stream stream, string name)
    {
        if (!stream.CanSeek)
        {
            throw new ArgumentException("MP4 reading needs a seekable stream");
        }

        byte[]? moov = null;
        var sawFtyp = false;
        long pos = 0;
        var length = stream.Length;
        Span<byte> header = stackalloc byte[16];
        while (pos + 8 <= length)
        {
            stream.Position = pos;
            stream.ReadExactly(header[..8]);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = Encoding.ASCII.GetString(header.Slice(4, 4));
            var headerSize = 8;
            if (size == 1)
            {
                stream.ReadExactly(header.Slice(8, 8));
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = length - pos;
            }

            if (pos == 0 && type != "ftyp")
            {
                throw new InvalidDataException($"{name} is not an MP4 file (no 'ftyp' box at the start)");
            }

            if (size < headerSize || pos + size > length)
            {
                throw new InvalidDataException($"{name} is not a valid MP4 file: box '{Printable(type)}' at {pos} has a bad size");
            }

            sawFtyp |= type == "ftyp";
            if (type == "moov")
            {
                if (size > 256L * 1024 * 1024)
                {
                    throw new InvalidDataException($"{name}: 'moov' box is implausibly large");
                }

                moov = new byte[size - headerSize];
                stream.ReadExactly(moov);
            }

            pos += size;
        }

        if (!sawFtyp)
        {
            throw new InvalidDataException($"{name} is not an MP4 file (no 'ftyp' box)");
        }

        if (moov is null)
        {
            throw new InvalidDataException($"{name} is not a playable MP4 file (no 'moov' box)");
        }

        foreach (var (type, trak) in Children(moov))
        {
            if (type == "trak" && Find(trak, "mdia") is { } mdia && Find(mdia, "hdlr") is { } hdlr && Encoding.ASCII.GetString(hdlr, 8, 4) == "vide")
            {
                return ReadTrack(trak, mdia, name);
            }
        }

        throw new InvalidDataException($"{name} has no video track");
    }

    private static Mp4Track ReadTrack(byte[] trak, byte[] mdia, string name)
    {
        var mdhd = Require(mdia, "mdhd", name);
        var timescale = mdhd[0] == 1 ? BinaryPrimitives.ReadUInt32BigEndian(mdhd[20..]) : BinaryPrimitives.ReadUInt32BigEndian(mdhd[12..]);
        if (timescale == 0)
        {
            throw new InvalidDataException($"{name}: video track has a zero timescale");
        }

        var stbl = Require(Require(mdia, "minf", name), "stbl", name);
        var stsd = Require(stbl, "stsd", name);
        ReadOnlySpan<byte> entry = stsd.AsSpan(8);
        var entrySize = (int)BinaryPrimitives.ReadUInt32BigEndian(entry);
        var codec = Encoding.ASCII.GetString(entry.Slice(4, 4));
        entry = entry[..entrySize];
        int width = BinaryPrimitives.ReadUInt16BigEndian(entry[32..]);
        int height = BinaryPrimitives.ReadUInt16BigEndian(entry[34..]);
        var nameLength = Math.Min(31, (int)entry[50]);
        var compressor = Encoding.ASCII.GetString(entry.Slice(51, nameLength));
        byte[] avcC = [];
        var profile = 0;
        var nalLengthSize = 4;
        if (codec is "avc1" or "avc3")
        {
            var avc = Find(entry[86..], "avcC");
            if (avc is null)
            {
                throw new InvalidDataException($"{name}: H.264 track has no 'avcC' box");
            }

            avcC = avc;
            profile = avcC[1];
            nalLengthSize = (avcC[4] & 3) + 1;
        }

        if (Find(trak, "tkhd") is { } tkhd)
        {
            var at = tkhd[0] == 1 ? 88 : 76;
            width = (int)(BinaryPrimitives.ReadUInt32BigEndian(tkhd[at..]) >> 16);
            height = (int)(BinaryPrimitives.ReadUInt32BigEndian(tkhd[(at + 4)..]) >> 16);
        }

        var sizes = ReadSizes(Require(stbl, "stsz", name));
        var durations = ReadDurations(Require(stbl, "stts", name), sizes.Length, name);
        var chunkOffsets = Find(stbl, "stco") is { } stco ? ReadOffsets(stco, false) : ReadOffsets(Require(stbl, "co64", name), true);
        var offsets = SampleOffsets(Require(stbl, "stsc", name), chunkOffsets, sizes, name);
        return new Mp4Track
        {
            Info = new VideoTrackInfo(width, height, timescale, avcC, compressor),
            Profile = profile,
            NalLengthSize = nalLengthSize,
            Codec = codec,
            Offsets = offsets,
            Sizes = sizes,
            Durations = durations,
        };
    }

    private static int[] ReadSizes(ReadOnlySpan<byte> stsz)
    {
        var fixedSize = BinaryPrimitives.ReadUInt32BigEndian(stsz[4..]);
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(stsz[8..]);
        var sizes = new int[count];
        for (var i = 0; i < count; i++)
        {
            sizes[i] = checked((int)(fixedSize != 0 ? fixedSize : BinaryPrimitives.ReadUInt32BigEndian(stsz[(12 + (4 * i))..])));
        }

        return sizes;
    }

    private static uint[] ReadDurations(ReadOnlySpan<byte> stts, int count, string name)
    {
        var durations = new uint[count];
        var entries = (int)BinaryPrimitives.ReadUInt32BigEndian(stts[4..]);
        var n = 0;
        for (var e = 0; e < entries; e++)
        {
            var run = BinaryPrimitives.ReadUInt32BigEndian(stts[(8 + (8 * e))..]);
            var delta = BinaryPrimitives.ReadUInt32BigEndian(stts[(12 + (8 * e))..]);
            for (var i = 0; i < run && n < count; i++)
            {
                durations[n++] = delta;
            }
        }

        if (n != count)
        {
            throw new InvalidDataException($"{name}: 'stts' describes {n} samples, 'stsz' {count}");
        }

        return durations;
    }

    private static long[] ReadOffsets(ReadOnlySpan<byte> box, bool large)
    {
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(box[4..]);
        var offsets = new long[count];
        for (var i = 0; i < count; i++)
        {
            offsets[i] = large
                ? (long)BinaryPrimitives.ReadUInt64BigEndian(box[(8 + (8 * i))..])
                : BinaryPrimitives.ReadUInt32BigEndian(box[(8 + (4 * i))..]);
        }

        return offsets;
    }

    private static long[] SampleOffsets(ReadOnlySpan<byte> stsc, long[] chunkOffsets, int[] sizes, string name)
    {
        var entries = (int)BinaryPrimitives.ReadUInt32BigEndian(stsc[4..]);
        var offsets = new long[sizes.Length];
        var sample = 0;
        for (var e = 0; e < entries; e++)
        {
            var firstChunk = (int)BinaryPrimitives.ReadUInt32BigEndian(stsc[(8 + (12 * e))..]) - 1;
            var perChunk = (int)BinaryPrimitives.ReadUInt32BigEndian(stsc[(12 + (12 * e))..]);
            var endChunk = e + 1 < entries ? (int)BinaryPrimitives.ReadUInt32BigEndian(stsc[(8 + (12 * (e + 1)))..]) - 1 : chunkOffsets.Length;
            for (var c = firstChunk; c < endChunk && c < chunkOffsets.Length; c++)
            {
                var at = chunkOffsets[c];
                for (var i = 0; i < perChunk && sample < sizes.Length; i++)
                {
                    offsets[sample] = at;
                    at += sizes[sample++];
                }
            }
        }

        if (sample != sizes.Length)
        {
            throw new InvalidDataException($"{name}: the sample-to-chunk table covers {sample} of {sizes.Length} samples");
        }

        return offsets;
    }

    private static byte[] Require(ReadOnlySpan<byte> parent, string type, string name) =>
        Find(parent, type) is { } box ? box : throw new InvalidDataException($"{name}: missing '{type}' box");

    private static byte[]? Find(ReadOnlySpan<byte> parent, string type)
    {
        foreach (var (t, body) in Children(parent))
        {
            if (t == type)
            {
                return body;
            }
        }

        return null;
    }

    // Spans cannot be yielded; box lists are short, so materialise them.
    private static List<(string Type, byte[] Body)> Children(ReadOnlySpan<byte> parent)
    {
        var list = new List<(string, byte[])>();
        var pos = 0;
        while (pos + 8 <= parent.Length)
        {
            long size = BinaryPrimitives.ReadUInt32BigEndian(parent[pos..]);
            var type = Encoding.ASCII.GetString(parent.Slice(pos + 4, 4));
            var header = 8;
            if (size == 1)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(parent[(pos + 8)..]);
                header = 16;
            }
            else if (size == 0)
            {
                size = parent.Length - pos;
            }

            if (size < header || pos + size > parent.Length)
            {
                throw new InvalidDataException($"box '{Printable(type)}' has a bad size");
            }

            list.Add((type, parent.Slice(pos + header, (int)size - header).ToArray()));
            pos += (int)size;
        }

        return list;
    }

    private static string Printable(string type)
    {
        foreach (var c in type)
        {
            if (c is < ' ' or > '~')
            {
                return "?";
            }
        }

        return type;
    }
}
