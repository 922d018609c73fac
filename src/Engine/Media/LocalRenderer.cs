using System.Globalization;
using Reel.Engine.Core;

namespace Reel.Engine.Media;

/// <summary>What a local preview clip shows.</summary>
/// <param name="Label">Big text: the step id and take, e.g. <c>open#2</c>.</param>
/// <param name="Caption">Small text: model, prompt start, characters.</param>
/// <param name="Size">The requested size; the clip keeps its aspect ratio at a reduced resolution.</param>
/// <param name="Seconds">Duration.</param>
/// <param name="Seed">Picks the background colour and pattern.</param>
/// <param name="FirstFramePath">Optional PNG/JPEG/WebP shown (cover-cropped) as the background of the first second.</param>
public sealed record ClipSpec(string Label, string Caption, VideoSize Size, double Seconds, ulong Seed, string? FirstFramePath = null);

/// <summary>
/// Renders deterministic preview clips in-process: a real H.264 MP4 showing the label, the caption
/// (wrapped, and scrolled over the clip's length when it is longer than the lines shown), elapsed time
/// and a progress bar, at a reduced resolution and frame rate. The background stays still, so each
/// picture after the first codes only what changed (<see cref="H264Encoder"/>) and a 4 s clip is about
/// 100 KB. Same spec, same bytes, on any machine: all pixels are computed in integers.
/// </summary>
public static class LocalRenderer
{
    /// <summary>Frames per second of local clips.</summary>
    public const int FramesPerSecond = 6;

    /// <summary>Media timescale (ticks per second) of local clips.</summary>
    internal const uint Timescale = 90000;

    // About 256x144 pixels.
    private const int PixelBudget = 256 * 144;

    /// <summary>Height of one line of small text: a font cell and its shadow.</summary>
    private const int LineHeight = BitmapFont.GlyphHeight + 1;

    /// <summary>Longest caption kept, in wrapped lines; the rest is cut with "...".</summary>
    private const int MaxCaptionLines = 64;

    /// <summary>Writes the clip as an MP4.</summary>
    public static void WriteClip(ClipSpec spec, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var clip = new ClipPainter(spec);
        var format = H264Format.Create(clip.Width, clip.Height);
        var encoder = new H264Encoder(format);
        var samples = new List<byte[]>(clip.Frames);
        for (var i = 0; i < clip.Frames; i++)
        {
            samples.Add(encoder.Encode(YuvFrame.FromRgb(clip.Paint(i))));
        }

        WriteMp4(output, format, samples, Enumerable.Repeat(Timescale / FramesPerSecond, samples.Count).ToArray());
    }

    /// <summary>Writes a lossless WebP of the middle frame, exactly as a decoder shows it.</summary>
    public static void WriteThumbnail(ClipSpec spec, Stream output)
    {
        var clip = new ClipPainter(spec);
        ImageCodec.WriteWebp(AsDecoded(clip.Paint(clip.Frames / 2)), output);
    }

    /// <summary>Writes a JPEG grid of up to ten evenly spaced frames (first and last included).</summary>
    public static void WriteSpritesheet(ClipSpec spec, Stream output)
    {
        var clip = new ClipPainter(spec);
        var tiles = ImageCodec.SpriteIndices(clip.Frames).Select(i => AsDecoded(clip.Paint(i))).ToList();
        ImageCodec.WriteJpeg(ImageCodec.Grid(tiles), output);
    }

    /// <summary>Frame <paramref name="frame"/> of a clip as painted, before the 4:2:0 conversion.</summary>
    internal static RgbImage Paint(ClipSpec spec, int frame) => new ClipPainter(spec).Paint(frame);

    /// <summary>The caption lines frame <paramref name="frame"/> of a clip shows, top to bottom.</summary>
    internal static IReadOnlyList<string> VisibleCaption(ClipSpec spec, int frame) => new ClipPainter(spec).VisibleCaption(frame);

    /// <summary>The size a clip is rendered at: the requested aspect ratio within about 256x144 pixels, even sides, at least 64 (never larger than requested).</summary>
    internal static (int Width, int Height) RenderedSize(VideoSize requested)
    {
        if (requested.Width <= 0 || requested.Height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(requested), $"bad clip size {requested}");
        }

        long area = (long)requested.Width * requested.Height;
        int w = requested.Width, h = requested.Height;
        if (area > PixelBudget)
        {
            // Integer square root keeps this exact: scale = sqrt(budget / area).
            w = (int)ISqrt((long)PixelBudget * requested.Width / requested.Height);
            h = (int)((long)w * requested.Height / requested.Width);
        }

        w = Math.Max(64, w & ~1);
        h = Math.Max(64, h & ~1);
        return (Math.Min(w, Math.Max(2, requested.Width & ~1)), Math.Min(h, Math.Max(2, requested.Height & ~1)));
    }

    internal static int FrameCount(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds <= 0 || seconds > 3600)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "clip duration must be between 0 and 3600 seconds");
        }

        return Math.Max(1, (int)Math.Round(seconds * FramesPerSecond, MidpointRounding.AwayFromZero));
    }

    internal static void WriteMp4(Stream output, H264Format format, IReadOnlyList<byte[]> samples, IReadOnlyList<uint> durations)
    {
        var track = new VideoTrackInfo(format.Width, format.Height, Timescale, Mp4Writer.AvcC(format), Mp4Writer.LocalCompressorName);
        Mp4Writer.Write(output, track, samples.Select(s => s.Length).ToArray(), durations, s =>
        {
            foreach (var sample in samples)
            {
                s.Write(sample);
            }
        }, [.. samples.Select(s => H264Format.IsIdr(s))]);
    }

    /// <summary>The frame after the 4:2:0 round trip, so stills match what players show.</summary>
    internal static RgbImage AsDecoded(RgbImage frame) => YuvFrame.FromRgb(frame).ToRgb();

    private static long ISqrt(long n)
    {
        var x = (long)Math.Sqrt(n);
        while (x * x > n)
        {
            x--;
        }

        while ((x + 1) * (x + 1) <= n)
        {
            x++;
        }

        return x;
    }

    /// <summary>Paints the frames of one clip.</summary>
    private sealed class ClipPainter
    {
        private readonly ClipSpec _spec;
        private readonly RgbImage? _firstFrame;
        private readonly (int R, int G, int B) _base;
        private readonly (int R, int G, int B) _accent;
        private readonly int _pattern;
        private readonly string _label;
        private readonly List<string> _caption;
        private readonly int _visibleLines;
        private readonly int _labelScale;

        public ClipPainter(ClipSpec spec)
        {
            ArgumentNullException.ThrowIfNull(spec);
            _spec = spec;
            (Width, Height) = RenderedSize(spec.Size);
            Frames = FrameCount(spec.Seconds);
            if (spec.FirstFramePath is { } path)
            {
                _firstFrame = Resampler.Cover(ImageCodec.Decode(path), Width, Height);
            }

            var hue = (int)(spec.Seed % 360);
            _base = Hsv(hue, 150, 120);
            _accent = Hsv((hue + 40) % 360, 170, 160);
            _pattern = 12 + (4 * (int)((spec.Seed >> 20) % 3));

            var maxChars = Math.Max(1, (Width - 8) / BitmapFont.Advance);
            _label = BitmapFont.Sanitize(spec.Label);
            _labelScale = 1;
            for (var s = 4; s >= 1; s--)
            {
                if (BitmapFont.MeasureWidth(_label, s) <= Width - 8 && BitmapFont.GlyphHeight * s <= Height / 4)
                {
                    _labelScale = s;
                    break;
                }
            }

            if (_label.Length > maxChars)
            {
                _label = _label[..(maxChars - 1)] + "~";
            }

            _visibleLines = Height >= 120 ? 3 : 2;
            _caption = Wrap(BitmapFont.Sanitize(spec.Caption), maxChars, MaxCaptionLines);
        }

        public int Width { get; }

        public int Height { get; }

        public int Frames { get; }

        public RgbImage Paint(int index)
        {
            var img = new RgbImage(Width, Height);
            if (_firstFrame is not null && index < FramesPerSecond)
            {
                Array.Copy(_firstFrame.Pixels, img.Pixels, img.Pixels.Length);
            }
            else
            {
                PaintBackground(img);
            }

            // Label and the caption's visible lines.
            var labelHeight = BitmapFont.GlyphHeight * _labelScale;
            var captionHeight = _visibleLines * LineHeight;
            var top = Math.Max(2, (Height - labelHeight - 4 - captionHeight) / 2 - 4);
            DrawText(img, _label, (Width - BitmapFont.MeasureWidth(_label, _labelScale)) / 2, top, _labelScale, (250, 250, 250));
            var y = top + labelHeight + 4;
            var first = FirstCaptionLine(index);
            for (var k = first; k < Math.Min(_caption.Count, first + _visibleLines); k++)
            {
                DrawText(img, _caption[k], (Width - BitmapFont.MeasureWidth(_caption[k], 1)) / 2, y, 1, (225, 225, 225));
                y += LineHeight;
            }

            // Elapsed time, top right: "1.5s / 8.0s".
            var time = $"{Tenths(index)} / {Tenths(Frames)}";
            DrawText(img, time, Width - BitmapFont.MeasureWidth(time, 1) - 3, 3, 1, (255, 255, 255));

            // Progress bar across the bottom: full on the last frame.
            var barHeight = Math.Max(4, Height / 24);
            var filled = (int)((long)Width * (index + 1) / Frames);
            img.Fill(0, Height - barHeight, Width, barHeight, 20, 20, 20);
            img.Fill(0, Height - barHeight, filled, barHeight, 255, 214, 64);
            return img;
        }

        public IReadOnlyList<string> VisibleCaption(int index)
        {
            var first = FirstCaptionLine(index);
            return _caption.Skip(first).Take(_visibleLines).ToList();
        }

        /// <summary>
        /// The first caption line shown in frame <paramref name="index"/>. A caption longer than the lines shown moves
        /// on at most once a second, evenly, from its first lines in the first second to its last lines in the last, so
        /// a long style prefix does not hide the action.
        /// </summary>
        private int FirstCaptionLine(int index)
        {
            var positions = _caption.Count - _visibleLines + 1;
            var slots = Math.Max(1, Frames / FramesPerSecond);
            if (positions <= 1 || slots == 1)
            {
                return 0;
            }

            var slot = (int)((long)index * slots / Frames);
            return (int)((long)slot * (positions - 1) / (slots - 1));
        }

        private static string Tenths(int frame)
        {
            var tenths = ((frame * 10) + (FramesPerSecond / 2)) / FramesPerSecond;
            return string.Create(CultureInfo.InvariantCulture, $"{tenths / 10}.{tenths % 10}s");
        }

        /// <summary>
        /// Horizontal bands under a gentle vertical shade: every row is one colour, which the encoder predicts from
        /// the left edge of each row, and nothing moves, so later pictures code only the text and bar that change.
        /// </summary>
        private void PaintBackground(RgbImage img)
        {
            var p = img.Pixels;
            for (var y = 0; y < Height; y++)
            {
                var c = (y / _pattern) % 2 == 0 ? _accent : _base;
                var shade = 255 - (y * 64 / Height);
                var r = (byte)(c.R * shade / 255);
                var g = (byte)(c.G * shade / 255);
                var b = (byte)(c.B * shade / 255);
                for (var x = 0; x < Width; x++)
                {
                    var i = ((y * Width) + x) * 3;
                    p[i] = r;
                    p[i + 1] = g;
                    p[i + 2] = b;
                }
            }
        }

        private static void DrawText(RgbImage img, string text, int x, int y, int scale, (int R, int G, int B) color)
        {
            // A one-step shadow keeps text readable on any background or image.
            DrawGlyphs(img, text, x + scale, y + scale, scale, (0, 0, 0));
            DrawGlyphs(img, text, x, y, scale, color);
        }

        private static void DrawGlyphs(RgbImage img, string text, int x, int y, int scale, (int R, int G, int B) color)
        {
            for (var k = 0; k < text.Length; k++)
            {
                var gx = x + (k * BitmapFont.Advance * scale);
                for (var row = 0; row < BitmapFont.GlyphHeight; row++)
                {
                    for (var col = 0; col < BitmapFont.GlyphWidth; col++)
                    {
                        if (BitmapFont.IsInk(text[k], col, row))
                        {
                            img.Fill(gx + (col * scale), y + (row * scale), scale, scale, color.R, color.G, color.B);
                        }
                    }
                }
            }
        }

        private static List<string> Wrap(string text, int maxChars, int maxLines)
        {
            var lines = new List<string>();
            var current = "";
            foreach (var raw in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var word = raw;
                while (word.Length > maxChars)
                {
                    if (current.Length > 0)
                    {
                        lines.Add(current);
                        current = "";
                    }

                    lines.Add(word[..maxChars]);
                    word = word[maxChars..];
                }

                if (current.Length == 0)
                {
                    current = word;
                }
                else if (current.Length + 1 + word.Length <= maxChars)
                {
                    current += " " + word;
                }
                else
                {
                    lines.Add(current);
                    current = word;
                }
            }

            if (current.Length > 0)
            {
                lines.Add(current);
            }

            if (lines.Count > maxLines)
            {
                lines.RemoveRange(maxLines, lines.Count - maxLines);
                var last = lines[^1];
                lines[^1] = (last.Length + 3 <= maxChars ? last : last[..Math.Max(0, maxChars - 3)]) + "...";
            }

            return lines;
        }

        private static (int R, int G, int B) Hsv(int hue, int s, int v)
        {
            var region = hue / 60;
            var rem = (hue % 60) * 255 / 60;
            var p = v * (255 - s) / 255;
            var q = v * (255 - (s * rem / 255)) / 255;
            var t = v * (255 - (s * (255 - rem) / 255)) / 255;
            return region switch
            {
                0 => (v, t, p),
                1 => (q, v, p),
                2 => (p, v, t),
                3 => (p, q, v),
                4 => (t, p, v),
                _ => (v, p, q),
            };
        }
    }
}
