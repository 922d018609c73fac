using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Reel.Engine.Tests.Media;

/// <summary>Hostile image files: a few bytes of PNG that claim any size (a decompression bomb), and other non-images.</summary>
internal static class BombImages
{
    /// <summary>A well-formed PNG header claiming <paramref name="width"/>×<paramref name="height"/> RGB pixels, with an empty image body (65 bytes).</summary>
    public static byte[] Png(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        Chunk(output, "IHDR", ihdr);
        using (var body = new MemoryStream())
        {
            using (var z = new ZLibStream(body, CompressionLevel.Optimal, leaveOpen: true))
            {
            }

            Chunk(output, "IDAT", body.ToArray());
        }

        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typed));
        output.Write(length);
    }
}
