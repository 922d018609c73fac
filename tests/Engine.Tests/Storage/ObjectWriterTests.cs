using System.Security.Cryptography;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

/// <summary>Streaming put (issue 17): an object is written once, hashed while it is written, and moved into place.</summary>
public sealed class ObjectWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Bytes_written_in_pieces_are_stored_under_their_hash()
    {
        var store = new ObjectStore(_dir.Path);
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        StoredObject stored;
        await using (var writer = store.CreateWriter())
        {
            await writer.WriteAsync(bytes.AsMemory(0, 1000));
            writer.Write(bytes, 1000, 200_000);
            await writer.WriteAsync(bytes.AsMemory(201_000));
            stored = await writer.CommitAsync();
        }

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        Assert.Equal(bytes.Length, stored.Length);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.PathOf(stored.Sha256)));
        Assert.True(store.Contains(stored.Sha256));
        Assert.Empty(Directory.EnumerateFiles(store.TempDirectory));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(500)]
    public async Task A_writer_cut_back_hashes_only_what_it_keeps(int keep)
    {
        var store = new ObjectStore(_dir.Path);
        var bytes = RandomNumberGenerator.GetBytes(2000);
        await using var writer = store.CreateWriter();
        var first = RandomNumberGenerator.GetBytes(1500);
        await writer.WriteAsync(first);
        writer.SetLength(keep);
        writer.Position = keep;
        var kept = first[..keep];
        await writer.WriteAsync(bytes);

        var stored = await writer.CommitAsync();

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([.. kept, .. bytes])), stored.Sha256);
    }

    [Fact]
    public async Task A_writer_never_committed_leaves_nothing_and_a_wrong_hash_stores_nothing()
    {
        var store = new ObjectStore(_dir.Path);
        await using (var writer = store.CreateWriter())
        {
            await writer.WriteAsync(new byte[10]);
        }

        Assert.Empty(Directory.EnumerateFiles(store.TempDirectory));
        await using var wrong = store.CreateWriter();
        await wrong.WriteAsync(new byte[10]);
        await Assert.ThrowsAsync<InvalidDataException>(() => wrong.CommitAsync(new string('0', 64)));
        Assert.Empty(Directory.EnumerateFiles(store.TempDirectory));
        Assert.False(Directory.Exists(store.ObjectsDirectory) && Directory.EnumerateFiles(store.ObjectsDirectory, "*", SearchOption.AllDirectories).Any());
    }
}
