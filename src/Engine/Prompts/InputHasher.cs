using System.Security.Cryptography;
using Reel.Engine.Storage;

namespace Reel.Engine.Prompts;

/// <summary>
/// Content hashes of the files steps read (images, character videos, music), each file read once. Bind already
/// judged each file; the hasher still opens only a regular file within the media cap, so a file swapped for a
/// device since is an error, not an endless read.
/// </summary>
internal sealed class InputHasher
{
    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);

    /// <summary>The input <paramref name="role"/> of a step: <paramref name="path"/> with its SHA-256.</summary>
    public InputFile Input(string role, string path) => new(role, path, Sha256(path));

    /// <summary>Lower-case hex SHA-256 of the file's content, cached per path.</summary>
    public string Sha256(string path)
    {
        if (!_hashes.TryGetValue(path, out var sha))
        {
            using var stream = ProjectFiles.OpenRead(path, ProjectFiles.MaxMediaBytes);
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            _hashes[path] = sha;
        }

        return sha;
    }
}
