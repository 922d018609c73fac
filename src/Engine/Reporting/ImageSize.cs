using System.Buffers.Binary;

namespace Reel.Engine.Reporting;

/// <summary>
/// The pixel size of a well-formed PNG, JPEG or WebP, read from the first bytes of the file without SkiaSharp: the
/// contact sheet reads one per spritesheet, and loading the native codec library for that cost a cold run more than
/// the rest of the sheet. Anything this reader is not sure of (another format, a JPEG whose frame header is not in its
/// first 16 KB, a lossless or hierarchical JPEG) is null, and the caller asks SkiaSharp as before.
/// </summary>
internal static class ImageSize
{
    private const int HeadBytes = 16 * 1024;

    public static (int Width, int Height)? Read(string path)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(HeadBytes);
        try
        {
            int length;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None))
            {
                length = file.ReadAtLeast(buffer.AsSpan(0, HeadBytes), HeadBytes, throwOnEndOfStream: false);
            }

            var head = buffer.AsSpan(0, length);
            var size = Png(head) ?? Jpeg(head) ?? Webp(head);
            return size is { Item1: > 0, Item2: > 0 } ? size : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (int, int)? Png(ReadOnlySpan<byte> b) =>
        b.Length >= 24 && b[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]) && b[12..16].SequenceEqual("IHDR"u8)
            ? (BinaryPrimitives.ReadInt32BigEndian(b[16..20]), BinaryPrimitives.ReadInt32BigEndian(b[20..24]))
            : null;

    /// <summary>The frame header of a baseline, extended or progressive JPEG (SOF0–SOF2), walking the markers before it.</summary>
    private static (int, int)? Jpeg(ReadOnlySpan<byte> b)
    {
        if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8)
        {
            return null;
        }

        var i = 2;
        while (i + 4 <= b.Length)
        {
            if (b[i] != 0xFF)
            {
                return null;
            }

            var marker = b[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // markers without a length
                continue;
            }

            var segment = BinaryPrimitives.ReadUInt16BigEndian(b[(i + 2)..]);
            if (segment < 2)
            {
                return null;
            }

            if (marker is 0xC0 or 0xC1 or 0xC2)
            {
                return i + 9 <= b.Length && segment >= 8
                    ? (BinaryPrimitives.ReadUInt16BigEndian(b[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(i + 5)..]))
                    : null;
            }

            if (marker is (>= 0xC3 and <= 0xCF) and not (0xC4 or 0xC8 or 0xCC) || marker is 0xD9 or 0xDA)
            {
                return null; // another kind of frame, or the image data before any frame header
            }

            i += 2 + segment;
        }

        return null;
    }

    /// <summary>The canvas of a WebP: the extended header's, else the lossy or lossless bitstream's own.</summary>
    private static (int, int)? Webp(ReadOnlySpan<byte> b)
    {
        if (b.Length < 30 || !b[..4].SequenceEqual("RIFF"u8) || !b[8..12].SequenceEqual("WEBP"u8))
        {
            return null;
        }

        var chunk = b[12..16];
        if (chunk.SequenceEqual("VP8X"u8))
        {
            return (1 + (b[24] | b[25] << 8 | b[26] << 16), 1 + (b[27] | b[28] << 8 | b[29] << 16));
        }

        if (chunk.SequenceEqual("VP8 "u8) && b[23] == 0x9D && b[24] == 0x01 && b[25] == 0x2A)
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(b[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(b[28..]) & 0x3FFF);
        }

        if (chunk.SequenceEqual("VP8L"u8) && b[20] == 0x2F)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(b[21..]);
            return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }

        return null;
    }
}
