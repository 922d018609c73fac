using System.Buffers.Binary;

namespace Reel.Engine.Media;

/// <summary>
/// The sequence and picture parameters of Reel's local encoding, a small H.264 that every decoder plays:
/// Constrained Baseline, CAVLC, one reference picture, no deblocking (see <see cref="H264Encoder"/>).
/// </summary>
internal sealed class H264Format
{
    /// <summary>log2 of MaxFrameNum: frame_num is 4 bits and wraps at 16.</summary>
    internal const int Log2MaxFrameNum = 4;

    internal const int MaxFrameNum = 1 << Log2MaxFrameNum;

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
    /// Encodes one picture on its own, as an IDR access unit of I_PCM macroblocks: a 4-byte length prefix and the
    /// slice NAL. <paramref name="pictureIndex"/> sets idr_pic_id (1 or 2) so consecutive IDRs differ.
    /// </summary>
    public byte[] EncodePicture(YuvFrame frame, int pictureIndex) => new H264Encoder(this, intraOnly: true).Encode(frame, pictureIndex);

    /// <summary>Whether a sample (4-byte NAL lengths) starts with an IDR slice, i.e. decodes without the pictures before it.</summary>
    public static bool IsIdr(ReadOnlySpan<byte> sample) => sample.Length > 4 && (sample[4] & 0x1F) == 5;

    /// <summary>Rewrites idr_pic_id in place in an IDR sample made by <see cref="H264Encoder"/> (for joining without re-encoding).</summary>
    public static void SetIdrPicId(byte[] sample, int pictureIndex)
    {
        // Layout: len(4) 0x65 | 1 0001000 | 1 0000 01x ... : the bytes before the bit are non-zero,
        // so no emulation-prevention byte can precede it and flipping it cannot create one.
        if (sample.Length < 7 || sample[4] != 0x65 || sample[5] != 0x88 || (sample[6] & 0xFE) != 0x82)
        {
            throw new InvalidDataException("sample is not a Reel IDR picture");
        }

        sample[6] = (byte)(0x82 | (pictureIndex & 1));
    }

    /// <summary>Decodes one IDR sample on its own; see <see cref="H264Decoder"/> for a sequence with P pictures.</summary>
    public YuvFrame DecodePicture(ReadOnlySpan<byte> sample, int nalLengthSize) => new H264Decoder(this, nalLengthSize).Decode(sample);
}

/// <summary>
/// Reel's local encoding, still exact and simple: the first picture (and every <see cref="IdrInterval"/>th) is an IDR,
/// the others are P pictures. A macroblock is skipped when it equals the one before it, predicted from its left
/// neighbour (Intra 16x16 horizontal, no residual) when every row repeats the pixel to its left, and otherwise sent
/// raw (I_PCM). No transform and no deblocking, so every decoder reconstructs exactly the encoded samples.
/// </summary>
internal sealed class H264Encoder(H264Format format, bool intraOnly = false)
{
    /// <summary>Pictures from one IDR to the next (10 s of a local clip), so a decoder can start again now and then.</summary>
    public const int IdrInterval = 60;

    private Planes? _reference;
    private int _count;
    private int _idrCount;

    /// <summary>Encodes the next picture: a 4-byte length prefix and the slice NAL.</summary>
    public byte[] Encode(YuvFrame frame) => Encode(frame, null);

    internal byte[] Encode(YuvFrame frame, int? idrPicId)
    {
        if (frame.Width != format.Width || frame.Height != format.Height)
        {
            throw new ArgumentException($"frame is {frame.Width}x{frame.Height}, stream is {format.Width}x{format.Height}");
        }

        var current = Planes.From(frame, format);
        var frameNum = _count % H264Format.MaxFrameNum;
        var idr = intraOnly || _reference is null || _count % IdrInterval == 0;
        if (idr)
        {
            frameNum = 0;
            _count = 0;
        }

        var mbw = format.WidthInMbs;
        var mbh = format.HeightInMbs;
        var w = new BitWriter((mbw * mbh * 64) + 16);
        w.WriteBits(idr ? 0x65u : 0x41u, 8); // nal_ref_idc 3 type 5 (IDR) | nal_ref_idc 2 type 1
        w.WriteUe(0); // first_mb_in_slice
        w.WriteUe(idr ? 7u : 5u); // slice_type: I or P (all slices)
        w.WriteUe(0); // pic_parameter_set_id
        w.WriteBits((uint)frameNum, H264Format.Log2MaxFrameNum);
        if (idr)
        {
            w.WriteUe((uint)(1 + ((idrPicId ?? _idrCount++) & 1))); // idr_pic_id
            w.WriteBit(0); // no_output_of_prior_pics_flag
            w.WriteBit(0); // long_term_reference_flag
        }
        else
        {
            w.WriteBit(0); // num_ref_idx_active_override_flag
            w.WriteBit(0); // ref_pic_list_modification_flag_l0
            w.WriteBit(0); // adaptive_ref_pic_marking_mode_flag
        }

        w.WriteSe(0); // slice_qp_delta
        w.WriteUe(1); // disable_deblocking_filter_idc: off
        var kinds = new MbKind[mbw * mbh];
        var skipRun = 0u;
        for (var mb = 0; mb < kinds.Length; mb++)
        {
            int mx = mb % mbw, my = mb / mbw;
            if (!idr && current.SameBlock(_reference!, mx, my))
            {
                kinds[mb] = MbKind.Skip;
                skipRun++;
                continue;
            }

            if (!idr)
            {
                w.WriteUe(skipRun);
                skipRun = 0;
            }

            var typeOffset = idr ? 0u : 5u;
            if (mx > 0 && current.RepeatsLeft(mx, my))
            {
                kinds[mb] = MbKind.Intra16;
                w.WriteUe(typeOffset + 2); // I_16x16_1_0_0: horizontal prediction, no coded luma or chroma
                w.WriteUe(1); // intra_chroma_pred_mode: horizontal
                w.WriteSe(0); // mb_qp_delta
                CoeffToken.WriteNoCoefficients(w, CoeffToken.Nc(kinds, mb, mbw));
            }
            else
            {
                kinds[mb] = MbKind.Pcm;
                w.WriteUe(typeOffset + 25); // I_PCM
                w.AlignZero();
                current.WriteBlock(w, mx, my);
            }
        }

        if (skipRun > 0)
        {
            w.WriteUe(skipRun);
        }

        w.WriteTrailingBits();
        _reference = current;
        _count++;
        var nal = Nal.Escape(w.ToArray());
        var sample = new byte[nal.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(sample, nal.Length);
        nal.CopyTo(sample, 4);
        return sample;
    }
}

/// <summary>Decodes Reel's local encoding (<see cref="H264Encoder"/>), picture after picture; a P picture needs the one before it.</summary>
internal sealed class H264Decoder(H264Format format, int nalLengthSize)
{
    private Planes? _reference;

    public YuvFrame Decode(ReadOnlySpan<byte> sample)
    {
        var pos = 0;
        Planes? decoded = null;
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
                decoded = DecodeSlice(Nal.Unescape(nal));
            }
        }

        if (decoded is null)
        {
            throw new InvalidDataException("H.264 sample holds no picture");
        }

        _reference = decoded;
        return decoded.ToFrame(format.Width, format.Height);
    }

    private Planes DecodeSlice(byte[] rbsp)
    {
        var r = new BitReader(rbsp);
        var nalType = r.ReadBits(8) & 0x1F;
        var firstMb = (int)r.ReadUe();
        var sliceType = r.ReadUe() % 5;
        if (sliceType is not (0 or 2))
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding (B or switching slice)");
        }

        var intra = sliceType == 2;
        if (!intra && _reference is null)
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding (a P picture without the picture before it)");
        }

        r.ReadUe(); // pps id
        r.ReadBits(H264Format.Log2MaxFrameNum);
        if (nalType == 5)
        {
            r.ReadUe(); // idr_pic_id
        }

        if (!intra && (r.ReadBits(1) != 0 || r.ReadBits(1) != 0))
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding (reference list changes)");
        }

        if (nalType == 5)
        {
            r.ReadBits(2); // dec_ref_pic_marking for IDR
        }
        else if (r.ReadBits(1) != 0)
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding (ref pic marking)");
        }

        r.ReadSe(); // slice_qp_delta
        if (r.ReadUe() != 1)
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding (deblocking on)");
        }

        var mbw = format.WidthInMbs;
        var total = mbw * format.HeightInMbs;
        var planes = new Planes(mbw * 16, format.HeightInMbs * 16);
        var kinds = new MbKind[total];
        var mb = firstMb;
        while (mb < total)
        {
            if (!intra)
            {
                var run = r.ReadUe();
                if (run > total - mb)
                {
                    throw new InvalidDataException("corrupt H.264 data: skip run past the end of the picture");
                }

                for (var k = 0; k < run; k++, mb++)
                {
                    planes.CopyBlock(_reference!, mb % mbw, mb / mbw);
                    kinds[mb] = MbKind.Skip;
                }

                if (mb == total)
                {
                    break;
                }
            }

            var mbType = r.ReadUe();
            if (!intra)
            {
                if (mbType < 5)
                {
                    throw new InvalidDataException("the H.264 stream is not Reel's local encoding (inter-predicted macroblock)");
                }

                mbType -= 5;
            }

            int mx = mb % mbw, my = mb / mbw;
            if (mbType == 25)
            {
                r.AlignZero();
                planes.ReadBlock(r, mx, my);
                kinds[mb] = MbKind.Pcm;
            }
            else if (mbType == 2 && mx > 0 && r.ReadUe() == 1)
            {
                r.ReadSe(); // mb_qp_delta
                CoeffToken.ReadNoCoefficients(r, CoeffToken.Nc(kinds, mb, mbw));
                planes.PredictFromLeft(mx, my);
                kinds[mb] = MbKind.Intra16;
            }
            else
            {
                throw new InvalidDataException("the H.264 stream is not Reel's local encoding (only I_PCM and horizontal Intra 16x16 macroblocks are decoded)");
            }

            mb++;
        }

        return planes;
    }
}

internal enum MbKind : byte
{
    Skip,
    Intra16,
    Pcm,
}

/// <summary>coeff_token of a residual block with no coefficients (H.264 table 9-5), and the nC that selects its code.</summary>
internal static class CoeffToken
{
    /// <summary>nC of the Intra 16x16 DC block of <paramref name="mb"/> (9.2.1): I_PCM neighbours count 16, the others 0 here.</summary>
    public static int Nc(MbKind[] kinds, int mb, int mbw)
    {
        var left = mb % mbw > 0 ? Count(kinds[mb - 1]) : -1;
        var up = mb >= mbw ? Count(kinds[mb - mbw]) : -1;
        return (left, up) switch
        {
            (>= 0, >= 0) => (left + up + 1) >> 1,
            (>= 0, _) => left,
            (_, >= 0) => up,
            _ => 0,
        };
    }

    private static int Count(MbKind kind) => kind == MbKind.Pcm ? 16 : 0;

    private static (uint Code, int Bits) Code(int nc) => nc switch
    {
        < 2 => (1, 1),
        < 4 => (3, 2),
        < 8 => (15, 4),
        _ => (3, 6),
    };

    public static void WriteNoCoefficients(BitWriter w, int nc)
    {
        var (code, bits) = Code(nc);
        w.WriteBits(code, bits);
    }

    public static void ReadNoCoefficients(BitReader r, int nc)
    {
        var (code, bits) = Code(nc);
        if (r.ReadBits(bits) != code)
        {
            throw new InvalidDataException("the H.264 stream is not Reel's local encoding (coded residual)");
        }
    }
}

/// <summary>A picture's samples over whole macroblocks: the cropped margin repeats the edge, and no sample is 0.</summary>
internal sealed class Planes(int width, int height)
{
    public byte[] Y { get; } = new byte[width * height];

    public byte[] U { get; } = new byte[width * height / 4];

    public byte[] V { get; } = new byte[width * height / 4];

    public static Planes From(YuvFrame frame, H264Format format)
    {
        var p = new Planes(format.WidthInMbs * 16, format.HeightInMbs * 16);
        Fill(frame.Y, frame.Width, frame.Height, p.Y, width: format.WidthInMbs * 16);
        Fill(frame.U, frame.Width / 2, frame.Height / 2, p.U, width: format.WidthInMbs * 8);
        Fill(frame.V, frame.Width / 2, frame.Height / 2, p.V, width: format.WidthInMbs * 8);
        return p;
    }

    private static void Fill(byte[] source, int sw, int sh, byte[] plane, int width)
    {
        var height = plane.Length / width;
        for (var y = 0; y < height; y++)
        {
            // Early H.264 revisions forbade pcm_sample values of 0, so samples of 0 become 1.
            var sy = Math.Min(y, sh - 1);
            for (var x = 0; x < width; x++)
            {
                var v = source[(sy * sw) + Math.Min(x, sw - 1)];
                plane[(y * width) + x] = v == 0 ? (byte)1 : v;
            }
        }
    }

    public YuvFrame ToFrame(int frameWidth, int frameHeight)
    {
        var f = new YuvFrame(frameWidth, frameHeight);
        for (var y = 0; y < frameHeight; y++)
        {
            Array.Copy(Y, y * width, f.Y, y * frameWidth, frameWidth);
        }

        for (var y = 0; y < frameHeight / 2; y++)
        {
            Array.Copy(U, y * (width / 2), f.U, y * (frameWidth / 2), frameWidth / 2);
            Array.Copy(V, y * (width / 2), f.V, y * (frameWidth / 2), frameWidth / 2);
        }

        return f;
    }

    public bool SameBlock(Planes other, int mx, int my) =>
        Same(Y, other.Y, width, mx * 16, my * 16, 16)
        && Same(U, other.U, width / 2, mx * 8, my * 8, 8)
        && Same(V, other.V, width / 2, mx * 8, my * 8, 8);

    private static bool Same(byte[] a, byte[] b, int stride, int x0, int y0, int size)
    {
        for (var y = y0; y < y0 + size; y++)
        {
            if (!a.AsSpan((y * stride) + x0, size).SequenceEqual(b.AsSpan((y * stride) + x0, size)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether every row of the block equals the sample just left of it (horizontal prediction is then exact).</summary>
    public bool RepeatsLeft(int mx, int my) =>
        Repeats(Y, width, mx * 16, my * 16, 16) && Repeats(U, width / 2, mx * 8, my * 8, 8) && Repeats(V, width / 2, mx * 8, my * 8, 8);

    private static bool Repeats(byte[] plane, int stride, int x0, int y0, int size)
    {
        for (var y = y0; y < y0 + size; y++)
        {
            var row = plane.AsSpan((y * stride) + x0 - 1, size + 1);
            if (row.IndexOfAnyExcept(row[0]) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    public void PredictFromLeft(int mx, int my)
    {
        Predict(Y, width, mx * 16, my * 16, 16);
        Predict(U, width / 2, mx * 8, my * 8, 8);
        Predict(V, width / 2, mx * 8, my * 8, 8);
    }

    private static void Predict(byte[] plane, int stride, int x0, int y0, int size)
    {
        for (var y = y0; y < y0 + size; y++)
        {
            plane.AsSpan((y * stride) + x0, size).Fill(plane[(y * stride) + x0 - 1]);
        }
    }

    public void CopyBlock(Planes from, int mx, int my)
    {
        Copy(from.Y, Y, width, mx * 16, my * 16, 16);
        Copy(from.U, U, width / 2, mx * 8, my * 8, 8);
        Copy(from.V, V, width / 2, mx * 8, my * 8, 8);
    }

    private static void Copy(byte[] from, byte[] to, int stride, int x0, int y0, int size)
    {
        for (var y = y0; y < y0 + size; y++)
        {
            from.AsSpan((y * stride) + x0, size).CopyTo(to.AsSpan((y * stride) + x0));
        }
    }

    public void WriteBlock(BitWriter w, int mx, int my)
    {
        Span<byte> block = stackalloc byte[384];
        Gather(Y, width, mx * 16, my * 16, 16, block[..256]);
        Gather(U, width / 2, mx * 8, my * 8, 8, block.Slice(256, 64));
        Gather(V, width / 2, mx * 8, my * 8, 8, block.Slice(320, 64));
        w.WriteAlignedBytes(block);
    }

    public void ReadBlock(BitReader r, int mx, int my)
    {
        Span<byte> block = stackalloc byte[384];
        r.ReadAlignedBytes(block);
        Scatter(block[..256], Y, width, mx * 16, my * 16, 16);
        Scatter(block.Slice(256, 64), U, width / 2, mx * 8, my * 8, 8);
        Scatter(block.Slice(320, 64), V, width / 2, mx * 8, my * 8, 8);
    }

    private static void Gather(byte[] plane, int stride, int x0, int y0, int size, Span<byte> block)
    {
        for (var y = 0; y < size; y++)
        {
            plane.AsSpan(((y0 + y) * stride) + x0, size).CopyTo(block[(y * size)..]);
        }
    }

    private static void Scatter(ReadOnlySpan<byte> block, byte[] plane, int stride, int x0, int y0, int size)
    {
        for (var y = 0; y < size; y++)
        {
            block.Slice(y * size, size).CopyTo(plane.AsSpan(((y0 + y) * stride) + x0));
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
