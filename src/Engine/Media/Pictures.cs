namespace Reel.Engine.Media;

/// <summary>An 8-bit RGB picture, row-major, 3 bytes per pixel.</summary>
internal sealed class RgbImage
{
    public RgbImage(int width, int height)
        : this(width, height, new byte[width * height * 3])
    {
    }

    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0 || pixels.Length != width * height * 3)
        {
            throw new ArgumentException($"bad picture size {width}x{height} for {pixels.Length} bytes");
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    public void Fill(int x, int y, int w, int h, int r, int g, int b)
    {
        var x0 = Math.Max(0, x);
        var y0 = Math.Max(0, y);
        var x1 = Math.Min(Width, x + w);
        var y1 = Math.Min(Height, y + h);
        for (var yy = y0; yy < y1; yy++)
        {
            var i = ((yy * Width) + x0) * 3;
            for (var xx = x0; xx < x1; xx++, i += 3)
            {
                Pixels[i] = (byte)r;
                Pixels[i + 1] = (byte)g;
                Pixels[i + 2] = (byte)b;
            }
        }
    }

    /// <summary>Copies <paramref name="source"/> into this picture with its top-left corner at (x, y).</summary>
    public void Blit(RgbImage source, int x, int y)
    {
        for (var sy = 0; sy < source.Height; sy++)
        {
            var dy = y + sy;
            if (dy < 0 || dy >= Height)
            {
                continue;
            }

            for (var sx = 0; sx < source.Width; sx++)
            {
                var dx = x + sx;
                if (dx < 0 || dx >= Width)
                {
                    continue;
                }

                var si = ((sy * source.Width) + sx) * 3;
                var di = ((dy * Width) + dx) * 3;
                Pixels[di] = source.Pixels[si];
                Pixels[di + 1] = source.Pixels[si + 1];
                Pixels[di + 2] = source.Pixels[si + 2];
            }
        }
    }
}

/// <summary>A YUV 4:2:0 picture (BT.601, limited range) with even dimensions.</summary>
internal sealed class YuvFrame
{
    public YuvFrame(int width, int height)
    {
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
        {
            throw new ArgumentException($"YUV 4:2:0 frames need even dimensions, got {width}x{height}");
        }

        Width = width;
        Height = height;
        Y = new byte[width * height];
        U = new byte[width * height / 4];
        V = new byte[width * height / 4];
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Y { get; }

    public byte[] U { get; }

    public byte[] V { get; }

    /// <summary>Integer BT.601 conversion: identical results on every CPU.</summary>
    public static YuvFrame FromRgb(RgbImage rgb)
    {
        var f = new YuvFrame(rgb.Width, rgb.Height);
        var p = rgb.Pixels;
        var w = rgb.Width;
        for (var i = 0; i < w * rgb.Height; i++)
        {
            int r = p[i * 3], g = p[(i * 3) + 1], b = p[(i * 3) + 2];
            f.Y[i] = (byte)((((66 * r) + (129 * g) + (25 * b) + 128) >> 8) + 16);
        }

        var cw = w / 2;
        for (var cy = 0; cy < rgb.Height / 2; cy++)
        {
            for (var cx = 0; cx < cw; cx++)
            {
                int r = 0, g = 0, b = 0;
                for (var k = 0; k < 4; k++)
                {
                    var i = ((((cy * 2) + (k >> 1)) * w) + (cx * 2) + (k & 1)) * 3;
                    r += p[i];
                    g += p[i + 1];
                    b += p[i + 2];
                }

                r = (r + 2) >> 2;
                g = (g + 2) >> 2;
                b = (b + 2) >> 2;
                f.U[(cy * cw) + cx] = (byte)((((-38 * r) - (74 * g) + (112 * b) + 128) >> 8) + 128);
                f.V[(cy * cw) + cx] = (byte)((((112 * r) - (94 * g) - (18 * b) + 128) >> 8) + 128);
            }
        }

        return f;
    }

    public RgbImage ToRgb()
    {
        var rgb = new RgbImage(Width, Height);
        var p = rgb.Pixels;
        var cw = Width / 2;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var c = 298 * (Y[(y * Width) + x] - 16);
                var ci = ((y >> 1) * cw) + (x >> 1);
                var d = U[ci] - 128;
                var e = V[ci] - 128;
                var i = ((y * Width) + x) * 3;
                p[i] = Clamp((c + (409 * e) + 128) >> 8);
                p[i + 1] = Clamp((c - (100 * d) - (208 * e) + 128) >> 8);
                p[i + 2] = Clamp((c + (516 * d) + 128) >> 8);
            }
        }

        return rgb;
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}

/// <summary>Integer resampling (box average when shrinking, nearest when growing): deterministic everywhere.</summary>
internal static class Resampler
{
    public static RgbImage Resize(RgbImage src, int sx, int sy, int sw, int sh, int dw, int dh)
    {
        var dst = new RgbImage(dw, dh);
        var xs = Spans(sx, sw, dw);
        var ys = Spans(sy, sh, dh);
        var sp = src.Pixels;
        var dp = dst.Pixels;
        for (var dy = 0; dy < dh; dy++)
        {
            var (y0, y1) = ys[dy];
            for (var dx = 0; dx < dw; dx++)
            {
                var (x0, x1) = xs[dx];
                int r = 0, g = 0, b = 0;
                for (var y = y0; y < y1; y++)
                {
                    var i = ((y * src.Width) + x0) * 3;
                    for (var x = x0; x < x1; x++, i += 3)
                    {
                        r += sp[i];
                        g += sp[i + 1];
                        b += sp[i + 2];
                    }
                }

                var n = (x1 - x0) * (y1 - y0);
                var di = ((dy * dw) + dx) * 3;
                dp[di] = (byte)((r + (n / 2)) / n);
                dp[di + 1] = (byte)((g + (n / 2)) / n);
                dp[di + 2] = (byte)((b + (n / 2)) / n);
            }
        }

        return dst;
    }

    /// <summary>Scales to cover <paramref name="dw"/>x<paramref name="dh"/> and crops the centre.</summary>
    public static RgbImage Cover(RgbImage src, int dw, int dh)
    {
        // Crop the source to the target aspect first: src.W/src.H vs dw/dh compared as integers.
        long lhs = (long)src.Width * dh;
        long rhs = (long)src.Height * dw;
        int cw = src.Width, ch = src.Height;
        if (lhs > rhs)
        {
            cw = (int)Math.Max(1, rhs / dh);
        }
        else if (lhs < rhs)
        {
            ch = (int)Math.Max(1, lhs / dw);
        }

        return Resize(src, (src.Width - cw) / 2, (src.Height - ch) / 2, cw, ch, dw, dh);
    }

    /// <summary>Scales to fit inside <paramref name="dw"/>x<paramref name="dh"/>, centred on black.</summary>
    public static RgbImage Letterbox(RgbImage src, int dw, int dh)
    {
        if (src.Width == dw && src.Height == dh)
        {
            return src;
        }

        int fw = dw, fh = dh;
        if ((long)src.Width * dh > (long)src.Height * dw)
        {
            fh = (int)Math.Max(1, (long)src.Height * dw / src.Width);
        }
        else
        {
            fw = (int)Math.Max(1, (long)src.Width * dh / src.Height);
        }

        var fitted = Resize(src, 0, 0, src.Width, src.Height, fw, fh);
        var dst = new RgbImage(dw, dh);
        dst.Blit(fitted, (dw - fw) / 2, (dh - fh) / 2);
        return dst;
    }

    private static (int Start, int End)[] Spans(int offset, int sourceLength, int destLength)
    {
        var spans = new (int, int)[destLength];
        for (var d = 0; d < destLength; d++)
        {
            var a = (int)((long)d * sourceLength / destLength);
            var b = (int)((long)(d + 1) * sourceLength / destLength);
            if (b <= a)
            {
                b = a + 1;
            }

            spans[d] = (offset + a, offset + Math.Min(b, sourceLength));
        }

        return spans;
    }
}
