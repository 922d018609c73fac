using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Reel.Engine.Storage;

/// <summary>
/// Reading a lock exactly as <see cref="LockFile.Format"/> writes it, line by line, without a YAML parser (a 500-step
/// lock is 280 KB: YamlDotNet's scanner took most of a cold plan's lock read). What it reads is formatted again and
/// must give the very same text, so any lock it does not read exactly (edited by hand, merged, format 1, an error)
/// goes to the YAML reader, which also words every error.
/// </summary>
public static partial class LockFile
{
    /// <summary>The fields of an entry in the order <see cref="Format"/> writes them.</summary>
    private static readonly string[] FieldNames =
        ["key", "provider", "model", "profile", "job", "output", "thumbnail", "spritesheet", "seconds", "size", "cost", "created", "character", "seed", "inputs", "roll", "previous", "prompt"];

    private static ScriptLock? ReadCanonical(string text)
    {
        // Line by line over spans: a string is made only for a value, and the check at the end formats into one buffer.
        var position = 0;
        if (!text.EndsWith('\n') || !NextLine(text, ref position, out var line) || !line.SequenceEqual(Header)
            || !NextLine(text, ref position, out line) || !line.SequenceEqual($"reel-lock: {FormatVersion}")
            || !NextLine(text, ref position, out line))
        {
            return null;
        }

        if (line.SequenceEqual("steps: {}"))
        {
            return text == Format(ScriptLock.Empty) ? ScriptLock.Empty : null;
        }

        if (!line.SequenceEqual("steps:"))
        {
            return null;
        }

        var entries = ImmutableArray.CreateBuilder<LockEntry>();
        string? step = null;
        string?[]? fields = null;
        while (NextLine(text, ref position, out line))
        {
            if (line.StartsWith("    - ", StringComparison.Ordinal) || line.StartsWith("      ", StringComparison.Ordinal))
            {
                if (step is null)
                {
                    return null;
                }

                if (line[4] == '-')
                {
                    if (fields is not null)
                    {
                        if (Entry(step, fields) is not { } entry)
                        {
                            return null;
                        }

                        entries.Add(entry);
                    }

                    fields = new string?[FieldNames.Length];
                }

                var colon = line[6..].IndexOf(": ", StringComparison.Ordinal);
                var field = colon < 0 ? -1 : FieldIndex(line.Slice(6, colon));
                if (fields is null || field < 0 || fields[field] is not null || Unquote(line[(6 + colon + 2)..]) is not { } value)
                {
                    return null;
                }

                fields[field] = value;
            }
            else if (line.Length > 3 && line.StartsWith("  ", StringComparison.Ordinal) && line[2] != ' ' && line[^1] == ':')
            {
                if (fields is not null)
                {
                    if (step is null || Entry(step, fields) is not { } entry)
                    {
                        return null;
                    }

                    entries.Add(entry);
                }

                fields = null;
                step = line[2] == '"' ? Unquote(line[2..^1]) : line[2..^1].ToString();
            }
            else
            {
                return null;
            }
        }

        if (step is null || fields is null || Entry(step, fields) is not { } last)
        {
            return null;
        }

        entries.Add(last);
        ScriptLock read;
        try
        {
            read = new ScriptLock(entries.ToImmutable());
        }
        catch (ArgumentException)
        {
            return null;
        }

        // Only a lock that formats to the very same text was read exactly; anything else is the YAML reader's.
        var again = new StringBuilder(text.Length);
        FormatInto(again, read);
        return again.Equals(text.AsSpan()) ? read : null;
    }

    /// <summary>The next line of <paramref name="text"/> (which ends with a line break) without its break; false after the last.</summary>
    private static bool NextLine(string text, ref int position, out ReadOnlySpan<char> line)
    {
        if (position >= text.Length)
        {
            line = default;
            return false;
        }

        var end = text.IndexOf('\n', position);
        line = text.AsSpan(position, end - position);
        position = end + 1;
        return true;
    }

    private static int FieldIndex(ReadOnlySpan<char> name)
    {
        for (var i = 0; i < FieldNames.Length; i++)
        {
            if (name.SequenceEqual(FieldNames[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>An entry from its fields as the YAML reader makes it (the same parsing of each value), or null.</summary>
    private static LockEntry? Entry(string step, string?[] fields)
    {
        string? Text(string name) => fields[Array.IndexOf(FieldNames, name)];

        // One parser for every integer field, with the field's range: a generic one over int and long was JIT-compiled in every cold process.
        bool Integer(string name, long min, long max, out long? value)
        {
            value = null;
            if (Text(name) is not { } text)
            {
                return true;
            }

            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
            {
                return false;
            }

            value = parsed;
            return true;
        }

        if (Text("key") is not { } key || Text("provider") is not { } provider
            || !decimal.TryParse(Text("cost"), NumberStyles.Number, CultureInfo.InvariantCulture, out var cost)
            || !DateTimeOffset.TryParse(Text("created"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            || !Integer("seconds", int.MinValue, int.MaxValue, out var seconds) || !Integer("seed", long.MinValue, long.MaxValue, out var seed)
            || !Integer("roll", int.MinValue, int.MaxValue, out var roll) || roll is < 0)
        {
            return null;
        }

        return new LockEntry(
            Step: step,
            Key: key,
            Provider: provider,
            Model: Text("model"),
            Job: Text("job"),
            Output: Text("output"),
            Thumbnail: Text("thumbnail"),
            Spritesheet: Text("spritesheet"),
            Seconds: (int?)seconds,
            Size: Text("size"),
            Cost: cost,
            Created: created.ToUniversalTime(),
            Character: Text("character"),
            Seed: seed,
            Prompt: Text("prompt"),
            Inputs: Text("inputs"),
            Roll: (int)(roll ?? 0),
            Previous: Text("previous"),
            Profile: Text("profile"));
    }

    /// <summary>A value as <see cref="AppendQuoted"/> writes it, or a plain one (numbers, times); null when it is neither.</summary>
    private static string? Unquote(ReadOnlySpan<char> value)
    {
        if (value.Length == 0 || value[0] != '"')
        {
            return value.Length > 0 && !value.ContainsAny('"', '\\') ? value.ToString() : null;
        }

        if (value.Length < 2 || value[^1] != '"')
        {
            return null;
        }

        if (!value[1..^1].ContainsAny('"', '\\'))
        {
            // Most values (keys, hashes, ids) have nothing escaped.
            return value[1..^1].ToString();
        }

        var text = new StringBuilder(value.Length);
        for (var i = 1; i < value.Length - 1; i++)
        {
            var c = value[i];
            if (c == '"')
            {
                return null;
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            if (++i >= value.Length - 1)
            {
                return null;
            }

            switch (value[i])
            {
                case '"': text.Append('"'); break;
                case '\\': text.Append('\\'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                // A lone surrogate is written as \uXXXX but YAML refuses it: left to the YAML reader, which says so.
                case 'u' when i + 4 < value.Length - 1 && ushort.TryParse(value.Slice(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) && !char.IsSurrogate((char)code):
                    text.Append((char)code);
                    i += 4;
                    break;
                default:
                    return null;
            }
        }

        return text.ToString();
    }
}
