using System.Buffers;
using System.Security.Cryptography;

namespace Reel.Engine.Storage;

/// <summary>An object in the store: its SHA-256 (lowercase hex) and its length in bytes.</summary>
public sealed record StoredObject(string Sha256, long Length);

/// <summary>
/// Content-addressed files under <c>&lt;root&gt;/objects/sha256/ab/cdef…</c>. Objects are written
/// atomically (temp file in <c>&lt;root&gt;/tmp/</c>, fsync, rename) and are never modified afterwards,
/// so concurrent writers of the same content are harmless. A disk or a person may still damage one:
/// <see cref="Contains"/> serves an object only after its content hashed to its name (again whenever its
/// file's identity changes, see <see cref="VerifiedLog"/>), and removes a damaged one, so it is fetched or
/// made again. Exports are copies, never links, so editing one cannot reach the store.
/// </summary>
public sealed partial class ObjectStore
{
    /// <summary>Environment variable that points every project at one shared store.</summary>
    public const string StoreEnvironmentVariable = "REEL_STORE";

    private const int BufferSize = 1 << 16;

    /// <summary>
    /// Creates a store rooted at <paramref name="root"/> (the directory that holds <c>objects/</c>). With
    /// <paramref name="confinedTo"/> (a project's own <c>.reel</c> store), every folder the store writes in must lead,
    /// links resolved, inside that directory (see <see cref="EnsureDirectory"/>).
    /// </summary>
    public ObjectStore(string root, string? confinedTo = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _confinedTo = confinedTo is null ? null : Path.GetFullPath(confinedTo);
        Root = Path.GetFullPath(root);
        ObjectsDirectory = Path.Combine(Root, "objects", "sha256");
        TempDirectory = Path.Combine(Root, "tmp");
    }

    /// <summary>The store's root directory.</summary>
    public string Root { get; }

    /// <summary><c>&lt;root&gt;/objects/sha256</c>.</summary>
    public string ObjectsDirectory { get; }

    /// <summary><c>&lt;root&gt;/tmp</c>: partial writes; on the same filesystem as the objects so rename is atomic.</summary>
    public string TempDirectory { get; }

    /// <summary>
    /// The store root for a project whose state directory is <paramref name="reelDir"/> (normally <c>.reel</c>):
    /// <c>REEL_STORE</c> of <paramref name="environment"/> when set and non-empty, otherwise <paramref name="reelDir"/>.
    /// </summary>
    public static string ResolveRoot(string reelDir, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentException.ThrowIfNullOrEmpty(reelDir);
        ArgumentNullException.ThrowIfNull(environment);
        return environment.TryGetValue(StoreEnvironmentVariable, out var shared) && !string.IsNullOrWhiteSpace(shared) ? shared : reelDir;
    }

    /// <summary>The path where the object with this hash lives (whether or not it exists).</summary>
    public string PathOf(string sha256)
    {
        var hash = Normalize(sha256);
        // One string per call: a no-op rerun of a large storyboard asks for thousands of paths.
        return Path.Join(ObjectsDirectory, hash.AsSpan(0, 2), hash.AsSpan(2));
    }

    /// <summary>
    /// Streams <paramref name="content"/> into the store, hashing while copying, so memory does not grow
    /// with the content's size. When <paramref name="expectedSha256"/> is given and differs, nothing is
    /// stored and <see cref="InvalidDataException"/> is thrown.
    /// </summary>
    public async Task<StoredObject> PutAsync(Stream content, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var expected = expectedSha256 is null ? null : Normalize(expectedSha256);
        EnsureDirectory(TempDirectory);
        var temp = Path.Combine(TempDirectory, $"{TempFiles.Unique()}.part");
        try
        {
            string actual;
            long length = 0;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    var output = new FileStream(temp, new FileStreamOptions
                    {
                        Mode = FileMode.CreateNew,
                        Access = FileAccess.Write,
                        Share = FileShare.None,
                        Options = FileOptions.Asynchronous,
                        BufferSize = 0,
                    });
                    await using (output.ConfigureAwait(false))
                    {
                        int read;
                        while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            hash.AppendData(buffer, 0, read);
                            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                            length += read;
                        }

                        output.Flush(flushToDisk: true);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            return Place(temp, actual, expected, length);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// A stream that writes a new object: bytes go to a temp file in the store as they come, hashed as they are
    /// written, with a bounded buffer; <see cref="ObjectWriter.CommitAsync"/> then renames the file into place, so the
    /// content is written once and never read back (a download of any size costs one pass over it).
    /// </summary>
    public ObjectWriter CreateWriter()
    {
        EnsureDirectory(TempDirectory);
        return new ObjectWriter(this, Path.Combine(TempDirectory, $"{TempFiles.Unique()}.part"));
    }

    /// <summary>Moves a complete temp file whose SHA-256 is <paramref name="actual"/> into place (see <see cref="PutAsync"/>).</summary>
    internal StoredObject Place(string temp, string actual, string? expected, long length)
    {
        if (expected is not null && !string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Content hash mismatch: expected sha256 {expected} but the content hashes to {actual}; nothing was stored.");
        }

        var target = PathOf(actual);
        if (File.Exists(target) && Contains(actual))
        {
            // Content-addressed: an existing good object already has these bytes.
            File.Delete(temp);
        }
        else
        {
            var directory = Path.GetDirectoryName(target)!;
            EnsureDirectory(directory);
            MakeReadOnly(temp);

            // Overwriting is harmless if another writer won the race: the bytes are identical.
            File.Move(temp, target, overwrite: true);
            NativeFile.FsyncDirectory(directory);
        }

        Remember(target);
        return new StoredObject(actual, length);
    }

    /// <summary>Copies the file at <paramref name="path"/> into the store. See <see cref="PutAsync"/>.</summary>
    public async Task<StoredObject> PutFileAsync(string path, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        var input = OpenSequential(path);
        await using (input.ConfigureAwait(false))
        {
            return await PutAsync(input, expectedSha256, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes an object (a download found damaged after it was stored); exports elsewhere keep their own link.</summary>
    public void Delete(string sha256) => TryDelete(PathOf(Normalize(sha256)));

    /// <summary>The SHA-256 (lowercase hex) of a file, streamed.</summary>
    public async Task<string> HashFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var input = OpenSequential(path);
        await using (input.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(input, cancellationToken).ConfigureAwait(false);
            return Convert.ToHexStringLower(hash);
        }
    }

    /// <summary>True when <paramref name="value"/> is 64 hex digits.</summary>
    public static bool IsSha256(string? value)
    {
        if (value is null || value.Length != 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Normalize(string sha256)
    {
        // Validating also keeps caller-supplied hashes from escaping the store directory.
        if (!IsSha256(sha256))
        {
            throw new ArgumentException($"'{sha256}' is not a SHA-256 hash (64 hex digits).", nameof(sha256));
        }

        return sha256.ToLowerInvariant();
    }

    private static FileStream OpenSequential(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private static void MakeReadOnly(string path)
    {
        // Exports are hard links to the same inode: read-only keeps a tool writing to out/ from corrupting the store.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
