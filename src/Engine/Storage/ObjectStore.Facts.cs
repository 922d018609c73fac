namespace Reel.Engine.Storage;

/// <summary>What was learned about an object's bytes, kept beside the store's objects.</summary>
public sealed partial class ObjectStore
{
    /// <summary><c>&lt;root&gt;/facts/sha256</c>: what was learned about an object's bytes (e.g. ffprobe's JSON), keyed by its hash.</summary>
    public string FactsDirectory => Path.Combine(Root, "facts", "sha256");

    /// <summary>
    /// A fact kept about the object with this hash (<paramref name="kind"/> names it, e.g. <c>ffprobe.json</c>), or null.
    /// Objects never change, so a fact about their bytes stays true; it is read only while the object itself is present.
    /// </summary>
    public string? ReadFact(string sha256, string kind)
    {
        var path = FactPath(sha256, kind);
        try
        {
            return File.Exists(PathOf(sha256)) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Keeps a fact about an object's bytes, written atomically (temp file, rename); a failure to write it is not an error.</summary>
    public void WriteFact(string sha256, string kind, string text)
    {
        var path = FactPath(sha256, kind);
        var temp = Path.Combine(TempDirectory, $"{TempFiles.Unique()}.fact");
        try
        {
            EnsureDirectory(TempDirectory);
            EnsureDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only a cache: the fact is learned again next time.
            TryDelete(temp);
        }
    }

    private string FactPath(string sha256, string kind)
    {
        var hash = Normalize(sha256);
        if (kind.Length == 0 || kind.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-')))
        {
            throw new ArgumentException($"a fact kind is letters, digits, '.' and '-': '{kind}'", nameof(kind));
        }

        return Path.Combine(FactsDirectory, hash[..2], hash[2..] + "." + kind);
    }
}
