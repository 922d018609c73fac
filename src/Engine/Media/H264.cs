using System.Buffers.Binary;

namespace Reel.Engine.Media;

/// <summary>
/// The smallest H.264 that every decoder plays: Constrained Baseline, every picture an IDR
/// slice whose macroblocks are all I_PCM (raw 4:2:0 samples). No prediction, no transform,
/// so encoding and decoding are exact and trivially deterministic.
/// </summary>
internal sealed class H264Format
{
    private const int Log2MaxFrameNum = 4;

    private H264Format(int width, int height, byte[] sps, byte[] pps)
    {
        Width = width;
        Height = height;
        Sps = sps;
        Pps = pps;
    }

    public int Width { get; }

    public int Height { get; }

    public int WidthInMbs => (Width + 15) / 16;

    public int HeightInMbs => (Height + 15) / 16;

    public byte ProfileIdc => Sps[1];

    public byte Compatibility => Sps[2];

    public byte LevelIdc => Sps[3];

    /// <summary>The SPS NAL unit (with its header byte, escaped).</summary>
    public byte[] Sps { get; }

    /// <summary>The PPS NAL unit (with its header byte, escaped).</summary>
    public byte[] Pps { get; }

    public static H264Format Create(int width, int height)
    {
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
        {
            throw new ArgumentException($"H.264 4:2:0 needs even dimensions, got {width}x{height}");
        }

        var mbw = (width + 15) / 16;
        var mbh = (height + 15) / 16;
        var mbs = mbw * mbh;
        byte level = mbs switch
        {
            <= 396 => 21,
            <= 1620 => 30,
            <= 3600 => 31,
            <= 8192 => 40,
            <= 22080 => 50,
            <= 36864 => 51,
            _ => 52,
        };

        var w = new BitWriter();
        w.WriteBits(0x67, 8); // nal_ref_idc 3, type 7
        w.WriteBits(66, 8); // profile_idc: Baseline
        w.WriteBits(0xC0, 8); // constraint_set0 + set1: Constrained Baseline
        w.WriteBits(level, 8);
        w.WriteUe(0); // seq_parameter_set_id
        w.WriteUe(Log2MaxFrameNum - 4);
        w.WriteUe(2); // pic_order_cnt_type 2: output order = decode order
        w.WriteUe(1); // max_num_ref_frames
        w.WriteBit(0); // gaps_in_frame_num_value_allowed_flag
        w.WriteUe((uint)(mbw - 1));
        w.WriteUe((uint)(mbh - 1));
        w.WriteBit(1); // frame_mbs_only_flag
        w.WriteBit(1); // direct_8x8_inference_flag
        var cropRight = ((mbw * 16) - width) / 2;
        var cropBottom = ((mbh * 16) - height) / 2;
        if (cropRight != 0 || cropBottom != 0)
        {
            w.WriteBit(1);
            w.WriteUe(0);
            w.WriteUe((uint)cropRight);
            w.WriteUe(0);
            w.WriteUe((uint)cropBottom);
        }
        else
        {
            w.WriteBit(0);
        }

        w.WriteBit(0); // vui_parameters_present_flag
        w.WriteTrailingBits();
        var sps = Nal.Escape(w.ToArray());

        w = new BitWriter();
        w.WriteBits(0x68, 8); // nal_ref_idc 3, type 8
        w.WriteUe(0); // pic_parameter_set_id
        w.WriteUe(0); // seq_parameter_set_id
        w.WriteBit(0); // entropy_coding_mode_flag: CAVLC
        w.WriteBit(0); // bottom_field_pic_order_in_frame_present_flag
        w.WriteUe(0); // num_slice_groups_minus1
        w.WriteUe(0); // num_ref_idx_l0_default_active_minus1
        w.WriteUe(0); // num_ref_idx_l1_default_active_minus1
        w.WriteBit(0); // weighted_pred_flag
        w.WriteBits(0, 2); // weighted_bipred_idc
        w.WriteSe(0); // pic_init_qp_minus26
        w.WriteSe(0); // pic_init_qs_minus26
        w.WriteSe(0); // chroma_qp_index_offset
        w.WriteBit(1); // deblocking_filter_control_present_flag
        w.WriteBit(0); // constrained_intra_pred_flag
        w.WriteBit(0); // redundant_pic_cnt_present_flag
        w.WriteTrailingBits();
        var pps = Nal.Escape(w.ToArray());
        return new H264Format(width, height, sps, pps);
    }

    /// <summary>Reads the picture size back from an SPS (only what <see cref="Create"/> writes is supported).</summary>
    public static H264Format Parse(byte[] sps, byte[] pps)
    {
        var r = new BitReader(Nal.Unescape(sps));
        var header = r.ReadBits(8);
        if ((header & 0x1F) != 7)
        {
            throw new InvalidDataException("the avcC record does not start with a sequence parameter set");
        }

        var profile = r.ReadBits(8);
        r.ReadBits(16); // constraints, level
        if (profile != 66)
        {
            throw new InvalidDataException($"H.264 profile {profile} is not Reel's local encoding (Baseline I_PCM)");
        }

        r.ReadUe();
        if (r.ReadUe() != Log2MaxFrameNum - 4 || r.ReadUe() != 2)
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding");
        }

        r.ReadUe();
        r.ReadBits(1);
        var mbw = (int)r.ReadUe() + 1;
        var mbh = (int)r.ReadUe() + 1;
        if (r.ReadBits(1) != 1)
        {
            throw new InvalidDataException("interlaced H.264 is not supported");
        }

        r.ReadBits(1);
        int cl = 0, cr = 0, ct = 0, cb = 0;
        if (r.ReadBits(1) == 1)
        {
            cl = (int)r.ReadUe();
            cr = (int)r.ReadUe();
            ct = (int)r.ReadUe();
            cb = (int)r.ReadUe();
        }

        if (cl != 0 || ct != 0)
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding (left/top crop)");
        }

        return new H264Format((mbw * 16) - (2 * cr), (mbh * 16) - (2 * cb), sps, pps);
    }

    /// <summary>
    /// Encodes one picture as an IDR access unit: a 4-byte length prefix and the slice NAL.
    /// <paramref name="idrPicId"/> alternates 1/2 so consecutive IDRs differ; both code to 3 bits.
    /// </summary>
    public byte[] EncodePicture(YuvFrame frame, int pictureIndex)
    {
        if (frame.Width != Width || frame.Height != Height)
        {
            throw new ArgumentException($"frame is {frame.Width}x{frame.Height}, stream is {Width}x{Height}");
        }

        var mbw = WidthInMbs;
        var mbh = HeightInMbs;
        var w = new BitWriter((mbw * mbh * 386) + 16);
        w.WriteBits(0x65, 8); // nal_ref_idc 3, type 5 (IDR)
        w.WriteUe(0); // first_mb_in_slice
        w.WriteUe(7); // slice_type: I (all slices)
        w.WriteUe(0); // pic_parameter_set_id
        w.WriteBits(0, Log2MaxFrameNum); // frame_num
        w.WriteUe((uint)(1 + (pictureIndex & 1))); // idr_pic_id
        w.WriteBit(0); // no_output_of_prior_pics_flag
        w.WriteBit(0); // long_term_reference_flag
        w.WriteSe(0); // slice_qp_delta
        w.WriteUe(1); // disable_deblocking_filter_idc: off
        Span<byte> block = stackalloc byte[384];
        for (var my = 0; my < mbh; my++)
        {
            for (var mx = 0; mx < mbw; mx++)
            {
                w.WriteUe(25); // mb_type I_PCM
                w.AlignZero();
                CopyBlock(frame.Y, frame.Width, frame.Height, mx * 16, my * 16, 16, block[..256]);
                CopyBlock(frame.U, frame.Width / 2, frame.Height / 2, mx * 8, my * 8, 8, block.Slice(256, 64));
                CopyBlock(frame.V, frame.Width / 2, frame.Height / 2, mx * 8, my * 8, 8, block.Slice(320, 64));
                w.WriteAlignedBytes(block);
            }
        }

        w.WriteTrailingBits();
        var nal = Nal.Escape(w.ToArray());
        var sample = new byte[nal.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(sample, nal.Length);
        nal.CopyTo(sample, 4);
        return sample;
    }

    /// <summary>Rewrites idr_pic_id in place in a sample made by <see cref="EncodePicture"/> (for joining without re-encoding).</summary>
    public static void SetIdrPicId(byte[] sample, int pictureIndex)
    {
        // Layout: len(4) 0x65 | 1 0001000 | 1 0000 01x ... : the bytes before the bit are non-zero,
        // so no emulation-prevention byte can precede it and flipping it cannot create one.
        if (sample.Length < 7 || sample[4] != 0x65 || sample[5] != 0x88 || (sample[6] & 0xFE) != 0x82)
        {
            throw new InvalidDataException("sample is not a Reel I_PCM IDR picture");
        }

        sample[6] = (byte)(0x82 | (pictureIndex & 1));
    }

    public YuvFrame DecodePicture(ReadOnlySpan<byte> sample, int nalLengthSize)
    {
        var frame = new YuvFrame(Width, Height);
        var pos = 0;
        var decoded = false;
        while (pos + nalLengthSize <= sample.Length)
        {
            var len = 0;
            for (var i = 0; i < nalLengthSize; i++)
            {
                len = (len << 8) | sample[pos + i];
            }

            pos += nalLengthSize;
            if (len <= 0 || pos + len > sample.Length)
            {
                throw new InvalidDataException("corrupt H.264 sample: NAL unit length out of range");
            }

            var nal = sample.Slice(pos, len);
            pos += len;
            var type = nal[0] & 0x1F;
            if (type is 1 or 5)
            {
                DecodeSlice(Nal.Unescape(nal), frame);
                decoded = true;
            }
        }

        if (!decoded)
        {
            throw new InvalidDataException("H.264 sample holds no picture");
        }

        return frame;
    }

    private void DecodeSlice(byte[] rbsp, YuvFrame frame)
    {
        var r = new BitReader(rbsp);
        var nalType = r.ReadBits(8) & 0x1F;
        var firstMb = (int)r.ReadUe();
        var sliceType = r.ReadUe() % 5;
        if (sliceType != 2)
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding (non-intra slice)");
        }

        r.ReadUe(); // pps id
        r.ReadBits(Log2MaxFrameNum);
        if (nalType == 5)
        {
            r.ReadUe(); // idr_pic_id
            r.ReadBits(2); // dec_ref_pic_marking for IDR
        }
        else
        {
            if (r.ReadBits(1) != 0)
            {
                throw new InvalidDataException("the H.264 stream is not Reel's local encoding (ref pic marking)");
            }
        }

        r.ReadSe(); // slice_qp_delta
        if (r.ReadUe() != 1)
        {
            r.ReadSe();
            r.ReadSe();
        }

        var mbw = WidthInMbs;
        var total = mbw * HeightInMbs;
        Span<byte> block = stackalloc byte[384];
        for (var mb = firstMb; mb < total; mb++)
        {
            if (r.ReadUe() != 25)
            {
                throw new InvalidDataException("the H.264 stream is not Reel's local encoding (only I_PCM macroblocks are decoded)");
            }

            r.AlignZero();
            r.ReadAlignedBytes(block);
            int mx = mb % mbw, my = mb / mbw;
            StoreBlock(block[..256], frame.Y, frame.Width, frame.Height, mx * 16, my * 16, 16);
            StoreBlock(block.Slice(256, 64), frame.U, frame.Width / 2, frame.Height / 2, mx * 8, my * 8, 8);
            StoreBlock(block.Slice(320, 64), frame.V, frame.Width / 2, frame.Height / 2, mx * 8, my * 8, 8);
        }
    }

    private static void CopyBlock(byte[] plane, int width, int height, int x0, int y0, int size, Span<byte> block)
    {
        for (var y = 0; y < size; y++)
        {
            // Pixels in the cropped-away margin repeat the edge; samples of 0 are avoided
            // because early H.264 revisions forbade pcm_sample values of 0.
            var sy = Math.Min(y0 + y, height - 1);
            for (var x = 0; x < size; x++)
            {
                var sx = Math.Min(x0 + x, width - 1);
                var v = plane[(sy * width) + sx];
                block[(y * size) + x] = v == 0 ? (byte)1 : v;
            }
        }
    }

    private static void StoreBlock(ReadOnlySpan<byte> block, byte[] plane, int width, int height, int x0, int y0, int size)
    {
        for (var y = 0; y < size && y0 + y < height; y++)
        {
            for (var x = 0; x < size && x0 + x < width; x++)
            {
                plane[((y0 + y) * width) + x0 + x] = block[(y * size) + x];
            }
        }
    }
}

/// <summary>NAL unit emulation prevention (H.264 7.4.1).</summary>
internal static class Nal
{
    public static byte[] Escape(ReadOnlySpan<byte> rbsp)
    {
        var output = new byte[rbsp.Length + (rbsp.Length / 2) + 1];
        var n = 0;
        var zeros = 0;
        foreach (var b in rbsp)
        {
            if (zeros >= 2 && b <= 3)
            {
                output[n++] = 3;
                zeros = 0;
            }

            output[n++] = b;
            zeros = b == 0 ? zeros + 1 : 0;
        }

        return output.AsSpan(0, n).ToArray();
    }

    public static byte[] Unescape(ReadOnlySpan<byte> nal)
    {
        var output = new byte[nal.Length];
        var n = 0;
        var zeros = 0;
        foreach (var b in nal)
        {
            if (zeros >= 2 && b == 3)
            {
                zeros = 0;
                continue;
            }

            output[n++] = b;
            zeros = b == 0 ? zeros + 1 : 0;
        }

        return output.AsSpan(0, n).ToArray();
    }
}

internal sealed class BitWriter(int capacity = 64)
{
    private byte[] _buffer = new byte[Math.Max(16, capacity)];
    private int _length;
    private int _bits; // pending bits in _current
    private int _current;

    public void WriteBit(int bit) => WriteBits((uint)bit, 1);

    public void WriteBits(uint value, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            _current = (_current << 1) | (int)((value >> i) & 1);
            if (++_bits == 8)
            {
                Push((byte)_current);
                _current = 0;
                _bits = 0;
            }
        }
    }

    public void WriteUe(uint value)
    {
        var v = value + 1;
        var len = 32 - System.Numerics.BitOperations.LeadingZeroCount(v);
        WriteBits(0, len - 1);
        WriteBits(v, len);
    }

    public void WriteSe(int value) => WriteUe(value <= 0 ? (uint)(-2 * value) : (uint)((2 * value) - 1));

    public void AlignZero()
    {
        while (_bits != 0)
        {
            WriteBit(0);
        }
    }

    public void WriteAlignedBytes(ReadOnlySpan<byte> bytes)
    {
        if (_bits != 0)
        {
            throw new InvalidOperationException("not byte aligned");
        }

        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteTrailingBits()
    {
        WriteBit(1);
        AlignZero();
    }

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    private void Push(byte b)
    {
        Ensure(1);
        _buffer[_length++] = b;
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}

internal sealed class BitReader(byte[] data)
{
    private long _pos; // in bits

    public uint ReadBits(int count)
    {
        uint v = 0;
        for (var i = 0; i < count; i++)
        {
            if (_pos >= (long)data.Length * 8)
            {
                throw new InvalidDataException("truncated H.264 data");
            }

            var bit = (data[_pos >> 3] >> (7 - (int)(_pos & 7))) & 1;
            v = (v << 1) | (uint)bit;
            _pos++;
        }

        return v;
    }

    public uint ReadUe()
    {
        var zeros = 0;
        while (ReadBits(1) == 0)
        {
            if (++zeros > 31)
            {
                throw new InvalidDataException("corrupt H.264 data: bad Exp-Golomb code");
            }
        }

        return zeros == 0 ? 0 : (uint)((1L << zeros) - 1 + ReadBits(zeros));
    }

    public int ReadSe()
    {
        var k = ReadUe();
        return (k & 1) == 1 ? (int)((k + 1) / 2) : -(int)(k / 2);
    }

    public void AlignZero() => _pos = (_pos + 7) & ~7L;

    public void ReadAlignedBytes(Span<byte> destination)
    {
        var start = (int)(_pos >> 3);
        if (start + destination.Length > data.Length)
        {
            throw new InvalidDataException("truncated H.264 data");
        }

        data.AsSpan(start, destination.Length).CopyTo(destination);
        _pos += destination.Length * 8L;
    }
}
