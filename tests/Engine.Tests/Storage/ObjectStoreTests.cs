using System.Security.Cryptography;
using System.Text;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

public sealed class ObjectStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ObjectStore _store;

    public ObjectStoreTests()
    {
        _store = new ObjectStore(_dir.Combine(".reel"));
    }

    public void Dispose() => _dir.Dispose();

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task Put_stores_content_under_its_sha256_with_a_two_character_fan_out()
    {
        var bytes = Encoding.UTF8.GetBytes("hello reel");
        var stored = await _store.PutAsync(new MemoryStream(bytes));

        Assert.Equal(Sha(bytes), stored.Sha256);
        Assert.Equal(bytes.Length, stored.Length);
        var expectedPath = _dir.Combine(".reel", "objects", "sha256", stored.Sha256[..2], stored.Sha256[2..]);
        Assert.Equal(expectedPath, _store.PathOf(stored.Sha256));
        Assert.True(_store.Contains(stored.Sha256));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(expectedPath));
        Assert.True(_store.Verify(stored.Sha256));
        Assert.Empty(Directory.GetFiles(_store.TempDirectory));
    }

    [Fact]
    public async Task Put_of_existing_content_keeps_one_object_and_no_temp()
    {
        var bytes = Encoding.UTF8.GetBytes("same");
        var first = await _store.PutAsync(new MemoryStream(bytes));
        var second = await _store.PutAsync(new MemoryStream(bytes), first.Sha256);

        Assert.Equal(first, second);
        Assert.Single(Directory.GetFiles(_store.ObjectsDirectory, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(_store.TempDirectory));
    }

    [Fact]
    public async Task Put_accepts_an_uppercase_expected_hash()
    {
        var bytes = Encoding.UTF8.GetBytes("case");
        var stored = await _store.PutAsync(new MemoryStream(bytes), Sha(bytes).ToUpperInvariant());
        Assert.Equal(Sha(bytes), stored.Sha256);
    }

    [Fact]
    public async Task Put_with_wrong_expected_hash_names_both_hashes_and_leaves_no_object_and_no_temp()
    {
        var bytes = Encoding.UTF8.GetBytes("actual content");
        var wrong = new string('a', 64);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => _store.PutAsync(new MemoryStream(bytes), wrong));

        Assert.Contains(wrong, ex.Message, StringComparison.Ordinal);
        Assert.Contains(Sha(bytes), ex.Message, StringComparison.Ordinal);
        Assert.False(_store.Contains(wrong));
        Assert.False(_store.Contains(Sha(bytes)));
        Assert.Empty(Directory.GetFiles(_store.TempDirectory));
    }

    [Fact]
    public async Task Put_rejects_an_expected_value_that_is_not_a_hash()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.PutAsync(new MemoryStream([1]), "../../etc/passwd"));
        Assert.Throws<ArgumentException>(() => _store.PathOf("../" + new string('a', 61)));
    }

    [Fact]
    public async Task Put_streams_a_50_MB_non_seekable_stream()
    {
        const long size = 50L * 1024 * 1024;
        using var source = new GeneratingStream(size);

        var stored = await _store.PutAsync(source);

        Assert.Equal(size, stored.Length);
        Assert.Equal(GeneratingStream.ExpectedSha256(size), stored.Sha256);
        Assert.Equal(size, new FileInfo(_store.PathOf(stored.Sha256)).Length);
        Assert.True(_store.Verify(stored.Sha256));
    }

    [Fact]
    public async Task Put_honours_cancellation_and_cleans_up_the_temp_file()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.PutAsync(new GeneratingStream(1024 * 1024), cancellationToken: cts.Token));
        Assert.Empty(Directory.GetFiles(_store.TempDirectory));
    }

    [Fact]
    public async Task Verify_deletes_a_corrupted_object()
    {
        var stored = await _store.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes("pristine")));
        var path = _store.PathOf(stored.Sha256);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(path, "tampered");

        Assert.False(_store.Verify(stored.Sha256));
        Assert.False(File.Exists(path));
        Assert.False(_store.Contains(stored.Sha256));
    }

    [Fact]
    public void Verify_of_a_missing_object_is_false()
    {
        Assert.False(_store.Verify(new string('0', 64)));
    }

    [Fact]
    public async Task Stored_objects_are_read_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var stored = await _store.PutAsync(new MemoryStream([1, 2, 3]));
        var mode = File.GetUnixFileMode(_store.PathOf(stored.Sha256));
        Assert.Equal(UnixFileMode.None, mode & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
    }

    [Fact]
    public async Task PutFile_and_HashFile_agree_with_the_content_hash()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var file = _dir.Combine("clip.mp4");
        await File.WriteAllBytesAsync(file, bytes);

        Assert.Equal(Sha(bytes), await _store.HashFileAsync(file));
        var stored = await _store.PutFileAsync(file, Sha(bytes));
        Assert.Equal(Sha(bytes), stored.Sha256);
        Assert.Equal(bytes.Length, stored.Length);
    }

    [Fact]
    public async Task HashFile_honours_cancellation()
    {
        var file = _dir.Combine("x.bin");
        await File.WriteAllBytesAsync(file, new byte[1024]);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.HashFileAsync(file, cts.Token));
    }

    [Fact]
    public async Task Export_creates_identical_bytes_and_replaces_an_existing_file()
    {
        var bytes = RandomNumberGenerator.GetBytes(10_000);
        var stored = await _store.PutAsync(new MemoryStream(bytes));
        var destination = _dir.Combine("out", "shots", "intro.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await File.WriteAllTextAsync(destination, "old clip");

        _store.Export(stored.Sha256, destination);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(destination));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(destination)!));

        // Exporting again over the previous export (possibly the same inode) is fine.
        _store.Export(stored.Sha256, destination);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(destination));
        Assert.True(_store.Verify(stored.Sha256));
    }

    [Fact]
    public async Task Export_is_a_copy_so_editing_it_leaves_the_store_intact()
    {
        var stored = await _store.PutAsync(new MemoryStream([4, 5, 6, 7]));
        var destination = _dir.Combine("out", "shots", "x.mp4");

        _store.Export(stored.Sha256, destination);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal("1", await LinkCount(_store.PathOf(stored.Sha256)));
            Assert.Equal("1", await LinkCount(destination));
        }

        // The export is the user's file: writable, and writing it does not reach the object.
        await File.WriteAllBytesAsync(destination, [9, 9, 9, 9]);
        Assert.Equal(new byte[] { 4, 5, 6, 7 }, await File.ReadAllBytesAsync(_store.PathOf(stored.Sha256)));
        Assert.True(_store.Contains(stored.Sha256));

        // Exported again, the edited copy is replaced.
        _store.Export(stored.Sha256, destination);
        Assert.Equal(new byte[] { 4, 5, 6, 7 }, await File.ReadAllBytesAsync(destination));
    }

    [Fact]
    public async Task Export_replaces_a_link_at_the_destination_instead_of_writing_through_it()
    {
        var stored = await _store.PutAsync(new MemoryStream([1, 2, 3]));
        var victim = _dir.Combine("victim.txt");
        await File.WriteAllTextAsync(victim, "keep me");
        var destination = _dir.Combine("out", "x.mp4");
        Directory.CreateDirectory(_dir.Combine("out"));
        File.CreateSymbolicLink(destination, victim);

        _store.Export(stored.Sha256, destination);

        Assert.Equal("keep me", await File.ReadAllTextAsync(victim));
        Assert.Null(new FileInfo(destination).LinkTarget);
        Assert.Equal(new byte[] { 1, 2, 3 }, await File.ReadAllBytesAsync(destination));
    }

    [Fact]
    public async Task Contains_removes_an_object_whose_bytes_were_flipped()
    {
        var stored = await _store.PutAsync(new MemoryStream(Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray()));
        var path = _store.PathOf(stored.Sha256);
        Assert.True(_store.Contains(stored.Sha256));

        Damage(path, bytes => bytes[500] ^= 0xFF);

        Assert.False(_store.Contains(stored.Sha256));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Contains_removes_a_truncated_object()
    {
        var stored = await _store.PutAsync(new MemoryStream(Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray()));
        var path = _store.PathOf(stored.Sha256);

        Damage(path, null, length: 100);

        Assert.False(_store.Contains(stored.Sha256));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Contains_refuses_a_link_where_an_object_should_be()
    {
        var stored = await _store.PutAsync(new MemoryStream([1, 2, 3]));
        var path = _store.PathOf(stored.Sha256);
        var elsewhere = _dir.Combine("same-bytes");
        await File.WriteAllBytesAsync(elsewhere, [1, 2, 3]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Delete(path);
        File.CreateSymbolicLink(path, elsewhere);

        Assert.False(_store.Contains(stored.Sha256));
        Assert.True(File.Exists(elsewhere));
    }

    [Fact]
    public async Task Put_replaces_a_damaged_object_of_the_same_name()
    {
        byte[] content = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        var stored = await _store.PutAsync(new MemoryStream(content));
        Damage(_store.PathOf(stored.Sha256), bytes => bytes[0] ^= 1);

        await _store.PutAsync(new MemoryStream(content));

        Assert.Equal(content, await File.ReadAllBytesAsync(_store.PathOf(stored.Sha256)));
        Assert.True(_store.Contains(stored.Sha256));
    }

    /// <summary>Damages a read-only object as a disk (or root) would: in place, then a later write time.</summary>
    private static void Damage(string path, Action<byte[]>? flip, int? length = null)
    {
        var bytes = File.ReadAllBytes(path);
        flip?.Invoke(bytes);
        File.SetAttributes(path, FileAttributes.Normal);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Write(bytes, 0, length ?? bytes.Length);
            stream.SetLength(length ?? bytes.Length);
        }

        File.SetAttributes(path, FileAttributes.ReadOnly);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(1));
    }

    private static async Task<string> LinkCount(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true })!;
        var output = await stat.StandardOutput.ReadToEndAsync();
        await stat.WaitForExitAsync();
        return output.Trim();
    }

    [Fact]
    public void Export_of_a_missing_object_throws_FileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => _store.Export(new string('b', 64), _dir.Combine("out", "x.mp4")));
        Assert.False(File.Exists(_dir.Combine("out", "x.mp4")));
    }

    [Fact]
    public void ResolveRoot_prefers_REEL_STORE_of_the_given_environment()
    {
        Assert.Equal("/p/.reel", ObjectStore.ResolveRoot("/p/.reel", new Dictionary<string, string?>()));
        Assert.Equal("/p/.reel", ObjectStore.ResolveRoot("/p/.reel", new Dictionary<string, string?> { [ObjectStore.StoreEnvironmentVariable] = " " }));
        Assert.Equal("/shared/store", ObjectStore.ResolveRoot("/p/.reel", new Dictionary<string, string?> { [ObjectStore.StoreEnvironmentVariable] = "/shared/store" }));
    }

    [Fact]
    public void ResolveRoot_prefers_REEL_STORE_of_the_given_environment_over_the_process()
    {
        Assert.Equal("/p/.reel", ObjectStore.ResolveRoot("/p/.reel", new Dictionary<string, string?>()));
        Assert.Equal("/p/.reel", ObjectStore.ResolveRoot("/p/.reel", new Dictionary<string, string?> { [ObjectStore.StoreEnvironmentVariable] = " " }));
        Assert.Equal("/shared/store", ObjectStore.ResolveRoot("/p/.reel", new Dictionary<string, string?> { [ObjectStore.StoreEnvironmentVariable] = "/shared/store" }));
    }

    /// <summary>A non-seekable stream of deterministic bytes, produced on demand (never held in memory).</summary>
    private sealed class GeneratingStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public static string ExpectedSha256(long length)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81_920];
            long position = 0;
            while (position < length)
            {
                var n = (int)Math.Min(buffer.Length, length - position);
                Fill(buffer.AsSpan(0, n), position);
                hash.AppendData(buffer, 0, n);
                position += n;
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            Fill(buffer[..n], _position);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static void Fill(Span<byte> span, long start)
        {
            for (var i = 0; i < span.Length; i++)
            {
                var p = start + i;
                span[i] = (byte)((p * 31) ^ (p >> 8));
            }
        }
    }
}
