using System.Security.Cryptography;

namespace Reel.Engine.Storage;

/// <summary>
/// A new object being written (<see cref="ObjectStore.CreateWriter"/>): appends go to a temp file in the store and into
/// a running SHA-256. A writer that is cut back to empty starts its hash again (a download retried from the start);
/// cut back anywhere else, it hashes the file once more when committed. Disposed without a commit, it leaves nothing.
/// </summary>
public sealed class ObjectWriter : Stream
{
    /// <summary>Written bytes are pushed to disk in the background every this many bytes, so the final fsync has little left.</summary>
    private const long FlushEvery = 32L << 20;

    private readonly ObjectStore _store;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _file;
    private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;
    private long _flushedAt;
    private Task _flush = Task.CompletedTask;
    private bool _rehash;
    private bool _closed;

    internal ObjectWriter(ObjectStore store, string tempPath)
    {
        _store = store;
        TempPath = tempPath;
        _file = File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous);
    }

    /// <summary>The temp file (in the store's temp folder) the bytes are written to.</summary>
    public string TempPath { get; }

    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => _length;

    /// <summary>Only the end of what was written (appending) or, with <see cref="SetLength"/>, a shorter end.</summary>
    public override long Position
    {
        get => _length;
        set
        {
            if (value != _length)
            {
                throw new NotSupportedException("an object writer only appends; cut it back with SetLength first");
            }
        }
    }

    /// <summary>Flushes to disk, hashes, and moves the file into the store under its hash.</summary>
    /// <exception cref="InvalidDataException">The content does not hash to <paramref name="expectedSha256"/>; nothing is stored.</exception>
    public async Task<StoredObject> CommitAsync(string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        await _flush.ConfigureAwait(false);
        RandomAccess.FlushToDisk(_file);
        _file.Dispose();
        _closed = true;
        try
        {
            string actual;
            if (_rehash)
            {
                var input = new FileStream(TempPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using (input.ConfigureAwait(false))
                {
                    actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(input, cancellationToken).ConfigureAwait(false));
                }
            }
            else
            {
                actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
            }

            return _store.Place(TempPath, actual, expectedSha256?.ToLowerInvariant(), _length);
        }
        catch
        {
            File.Delete(TempPath);
            throw;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RandomAccess.Write(_file, buffer, _length);
        _hash.AppendData(buffer);
        Advance(buffer.Length);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The write runs on the I/O side while this thread hashes the same bytes.
        var write = RandomAccess.WriteAsync(_file, buffer, _length, cancellationToken);
        _hash.AppendData(buffer.Span);
        await write.ConfigureAwait(false);
        Advance(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void SetLength(long value)
    {
        if (value == _length)
        {
            return;
        }

        _flush.GetAwaiter().GetResult();
        RandomAccess.SetLength(_file, value);
        _length = value;
        _flushedAt = Math.Min(_flushedAt, value);
        if (value == 0)
        {
            _hash.Dispose();
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            _rehash = false;
        }
        else
        {
            _rehash = true;
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) =>
        origin == SeekOrigin.End && offset == 0 ? _length : throw new NotSupportedException("an object writer only appends");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Close(wait: true);
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _flush.ConfigureAwait(false);
        Close(wait: false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Advance(int count)
    {
        _length += count;
        if (_length - _flushedAt >= FlushEvery && _flush.IsCompleted)
        {
            // Start writing back what is written so far while the download goes on (an fsync from another thread
            // does not block writes to the file); the commit's own fsync then finds little left to write.
            _flushedAt = _length;
            _flush = Task.Run(() => RandomAccess.FlushToDisk(_file));
        }
    }

    private void Close(bool wait)
    {
        _hash.Dispose();
        if (_closed)
        {
            return;
        }

        if (wait)
        {
            try
            {
                _flush.GetAwaiter().GetResult();
            }
            catch (IOException)
            {
                // Nothing to keep.
            }
        }

        _file.Dispose();
        File.Delete(TempPath);
        _closed = true;
    }
}
