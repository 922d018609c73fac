using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Reel.Engine.Core;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Reel.Engine.Storage;

/// <summary>A lock file that cannot be read. The message starts with <c>file(line,col):</c>.</summary>
public sealed class LockFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LockFileException(SourceLocation location, string reason, Exception? innerException = null)
        : base($"{location}: {reason}", innerException)
    {
        Location = location;
        Reason = reason;
    }

    /// <summary>Where in the lock file the problem is.</summary>
    public SourceLocation Location { get; }

    /// <summary>The message without the location.</summary>
    public string Reason { get; }
}

/// <summary>
/// Reads and writes <c>&lt;script&gt;.lock.yaml</c>. The format is stable and diff-friendly: entries
/// sorted by step id, fields in a fixed order, strings double-quoted, UTC timestamps, invariant
/// numbers, no nulls. Equal locks give identical bytes.
/// </summary>
public static partial class LockFile
{
    /// <summary>
    /// The format version written in <c>reel-lock:</c>. Format 3 names each result's profile; format 2 (every kept
    /// result of a step, no profile) and format 1 (one entry per step) are still read, and rewritten as format 3 by the
    /// next run.
    /// </summary>
    public const int FormatVersion = 3;

    /// <summary>The first line of every lock file.</summary>
    public const string Header = "# reel lock — generated; commit this file";

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The lock path for a script: <c>storyboard.yaml</c> → <c>storyboard.lock.yaml</c>.</summary>
    public static string PathFor(string scriptPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(scriptPath);
        var directory = Path.GetDirectoryName(scriptPath) ?? "";
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(scriptPath) + ".lock.yaml");
    }

    /// <summary>
    /// The name a script goes by in the journal's ledger: its lock file's name without <c>.lock.yaml</c>
    /// (<c>storyboard.yaml</c> → <c>storyboard</c>), unique among the scripts that share a project's journal.
    /// </summary>
    public static string ScriptName(string lockPath)
    {
        var name = Path.GetFileName(lockPath);
        return name.EndsWith(".lock.yaml", StringComparison.Ordinal) ? name[..^".lock.yaml".Length] : name;
    }

    /// <summary>Reads a lock file; a missing file is an empty lock.</summary>
    /// <exception cref="LockFileException">The file is not a valid lock.</exception>
    public static ScriptLock Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path, Utf8NoBom);
        }
        catch (FileNotFoundException)
        {
            return ScriptLock.Empty;
        }
        catch (DirectoryNotFoundException)
        {
            return ScriptLock.Empty;
        }
        catch (DecoderFallbackException ex)
        {
            throw new LockFileException(new SourceLocation(path, 0, 0), "the lock file is not valid UTF-8", ex);
        }

        return Parse(text, path);
    }

    /// <summary>Writes a lock file atomically (temp file, fsync, rename).</summary>
    public static void Write(string path, ScriptLock @lock)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllBytes(path, Utf8NoBom.GetBytes(Format(@lock)));
    }

    /// <summary>The exact text <see cref="Write"/> puts in the file.</summary>
    public static string Format(ScriptLock @lock)
    {
        ArgumentNullException.ThrowIfNull(@lock);
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        text.Append("reel-lock: ").Append(FormatVersion.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (@lock.Entries.IsEmpty)
        {
            text.Append("steps: {}\n");
            return text.ToString();
        }

        text.Append("steps:\n");
        string? step = null;
        foreach (var entry in @lock.Entries)
        {
            if (string.IsNullOrEmpty(entry.Step))
            {
                throw new ArgumentException("A lock entry has an empty step id.", nameof(@lock));
            }

            if (entry.Step != step)
            {
                text.Append("  ").Append(Key(entry.Step)).Append(":\n");
                step = entry.Step;
            }

            // The first field opens the list item: "    - key: …", the others follow at its indentation.
            var first = true;
            void Item(string name, string? value)
            {
                if (value is not null)
                {
                    text.Append(first ? "    - " : "      ").Append(name).Append(": ").Append(value).Append('\n');
                    first = false;
                }
            }

            Item("key", Quoted(entry.Key));
            Item("provider", Quoted(entry.Provider));
            Item("model", Quoted(entry.Model));
            Item("profile", Quoted(entry.Profile));
            Item("job", Quoted(entry.Job));
            Item("output", Quoted(entry.Output));
            Item("thumbnail", Quoted(entry.Thumbnail));
            Item("spritesheet", Quoted(entry.Spritesheet));
            Item("seconds", entry.Seconds?.ToString(CultureInfo.InvariantCulture));
            Item("size", Quoted(entry.Size));
            Item("cost", FormatDecimal(entry.Cost));
            Item("created", entry.Created.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture));
            Item("character", Quoted(entry.Character));
            Item("seed", entry.Seed?.ToString(CultureInfo.InvariantCulture));
            Item("inputs", Quoted(entry.Inputs));
            Item("roll", entry.Roll == 0 ? null : entry.Roll.ToString(CultureInfo.InvariantCulture));
            Item("previous", Quoted(entry.Previous));
            Item("prompt", Quoted(entry.Prompt));
        }

        return text.ToString();
    }

    private static string FormatDecimal(decimal value) =>
        // Equal decimals (1.5m, 1.50m) must give equal bytes, so the scale is not kept.
        value.ToString("0.############################", CultureInfo.InvariantCulture);

    private static string Key(string step) => IsPlainSafe(step) ? step : Quoted(step)!;

    private static bool IsPlainSafe(string value)
    {
        if (value.Length == 0 || !(char.IsAsciiLetter(value[0]) || value[0] == '_'))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        // YAML 1.1 reads these as booleans or null.
        return value.ToUpperInvariant() is not ("Y" or "N" or "YES" or "NO" or "ON" or "OFF" or "TRUE" or "FALSE" or "NULL");
    }

    private static string? Quoted(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    var lone = char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]));
                    if (char.IsHighSurrogate(c) && !lone)
                    {
                        text.Append(c).Append(value[++i]);
                    }
                    else if (c < 0x20 || c is '\u007f' or '\u0085' or '\u2028' or '\u2029' or '\ufeff' || lone)
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }
}
