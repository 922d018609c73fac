using System.Security.Cryptography;

namespace Reel.Engine.Storage;

/// <summary>
/// A new object being written (<see cref="ObjectStore.CreateWriter"/>): appends go to a temp file in the store and into
/// a running SHA-256. A writer that is cut back to empty starts its hash again (a download retried from the start);
/// cut back anywhere else, it hashes the file once more when committed. Disposed without a commit, it leaves nothing.
/// </summary>
public sealed class ObjectWriter : Stream
{
    private const int BufferSize = 1 << 16;

    private readonly ObjectStore _store;
    private readonly FileStream _file;
    private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _rehash;
    private bool _committed;

    internal ObjectWriter(ObjectStore store, string tempPath)
    {
        _store = store;
        TempPath = tempPath;
        _file = new FileStream(tempPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = BufferSize,
        });
    }

    /// <summary>The temp file (in the store's temp folder) the bytes are written to.</summary>
    public string TempPath { get; }

    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => _file.Length;

    /// <summary>Only the end of what was written (appending) or, with <see cref="SetLength"/>, a shorter end.</summary>
    public override long Position
    {
        get => _file.Position;
        set
        {
            if (value != _file.Length)
            {
                throw new NotSupportedException("an object writer only appends; cut it back with SetLength first");
            }

            _file.Position = value;
        }
    }

    /// <summary>Flushes to disk, hashes, and moves the file into the store under its hash.</summary>
    /// <exception cref="InvalidDataException">The content does not hash to <paramref name="expectedSha256"/>; nothing is stored.</exception>
    public async Task<StoredObject> CommitAsync(string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        _file.Flush(flushToDisk: true);
        var length = _file.Length;
        string actual;
        if (_rehash)
        {
            _file.Position = 0;
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(_file, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
        }

        await _file.DisposeAsync().ConfigureAwait(false);
        _committed = true;
        try
        {
            return _store.Place(TempPath, actual, expectedSha256?.ToLowerInvariant(), length);
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
        _file.Write(buffer);
        _hash.AppendData(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _hash.AppendData(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void SetLength(long value)
    {
        if (value == _file.Length)
        {
            return;
        }

        _file.SetLength(value);
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

    public override void Flush() => _file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) =>
        origin == SeekOrigin.End && offset == 0 ? _file.Length : throw new NotSupportedException("an object writer only appends");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!_committed)
            {
                _file.Dispose();
                File.Delete(TempPath);
                _committed = true;
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _hash.Dispose();
        if (!_committed)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            File.Delete(TempPath);
            _committed = true;
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}
