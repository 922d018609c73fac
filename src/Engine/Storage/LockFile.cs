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
        FormatInto(text, @lock);
        return text.ToString();
    }

    /// <summary><see cref="Format"/>'s text, appended to <paramref name="text"/>: each value is written in place, not made a string first.</summary>
    private static void FormatInto(StringBuilder text, ScriptLock @lock)
    {
        text.Append(Header).Append('\n');
        text.Append("reel-lock: ").Append(FormatVersion.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (@lock.Entries.IsEmpty)
        {
            text.Append("steps: {}\n");
            return;
        }

        text.Append("steps:\n");
        string? step = null;
        Span<char> number = stackalloc char[64];
        foreach (var entry in @lock.Entries)
        {
            if (string.IsNullOrEmpty(entry.Step))
            {
                throw new ArgumentException("A lock entry has an empty step id.", nameof(@lock));
            }

            if (entry.Step != step)
            {
                text.Append("  ");
                if (IsPlainSafe(entry.Step))
                {
                    text.Append(entry.Step);
                }
                else
                {
                    AppendQuoted(text, entry.Step);
                }

                text.Append(":\n");
                step = entry.Step;
            }

            // The first field opens the list item: "    - key: …", the others follow at its indentation.
            var first = true;
            void Name(string name)
            {
                text.Append(first ? "    - " : "      ").Append(name).Append(": ");
                first = false;
            }

            void Item(string name, string? value)
            {
                if (value is not null)
                {
                    Name(name);
                    AppendQuoted(text, value);
                    text.Append('\n');
                }
            }

            void Plain(string name, ReadOnlySpan<char> value)
            {
                Name(name);
                text.Append(value).Append('\n');
            }

            Item("key", entry.Key);
            Item("provider", entry.Provider);
            Item("model", entry.Model);
            Item("profile", entry.Profile);
            Item("job", entry.Job);
            Item("output", entry.Output);
            Item("thumbnail", entry.Thumbnail);
            Item("spritesheet", entry.Spritesheet);
            if (entry.Seconds is { } seconds && seconds.TryFormat(number, out var written, default, CultureInfo.InvariantCulture))
            {
                Plain("seconds", number[..written]);
            }

            Item("size", entry.Size);
            Plain("cost", FormatDecimal(entry.Cost));
            _ = entry.Created.UtcDateTime.TryFormat(number, out written, TimestampFormat, CultureInfo.InvariantCulture);
            Plain("created", number[..written]);
            Item("character", entry.Character);
            if (entry.Seed is { } seed && seed.TryFormat(number, out written, default, CultureInfo.InvariantCulture))
            {
                Plain("seed", number[..written]);
            }

            Item("inputs", entry.Inputs);
            if (entry.Roll != 0 && entry.Roll.TryFormat(number, out written, default, CultureInfo.InvariantCulture))
            {
                Plain("roll", number[..written]);
            }

            Item("previous", entry.Previous);
            Item("prompt", entry.Prompt);
        }
    }

    private static string FormatDecimal(decimal value) =>
        // Equal decimals (1.5m, 1.50m) must give equal bytes, so the scale is not kept.
        value.ToString("0.############################", CultureInfo.InvariantCulture);

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

    /// <summary>Appends <paramref name="value"/> double-quoted, escaped as YAML reads it back.</summary>
    private static void AppendQuoted(StringBuilder text, string value)
    {
        text.Append('"');
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

        text.Append('"');
    }
}
