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
    private static ScriptLock? ReadCanonical(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length < 4 || lines[0] != Header || lines[1] != $"reel-lock: {FormatVersion}" || lines[^1].Length != 0)
        {
            return null;
        }

        if (lines[2] == "steps: {}")
        {
            return text == Format(ScriptLock.Empty) ? ScriptLock.Empty : null;
        }

        if (lines[2] != "steps:")
        {
            return null;
        }

        var entries = ImmutableArray.CreateBuilder<LockEntry>();
        string? step = null;
        Dictionary<string, string>? fields = null;
        for (var i = 3; i < lines.Length - 1; i++)
        {
            var line = lines[i];
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

                    fields = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                var colon = line.IndexOf(": ", 6, StringComparison.Ordinal);
                if (fields is null || colon < 0 || Unquote(line[(colon + 2)..]) is not { } value || !fields.TryAdd(line[6..colon], value))
                {
                    return null;
                }
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
                step = line[2] == '"' ? Unquote(line[2..^1]) : line[2..^1];
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
        return Format(read) == text ? read : null;
    }

    /// <summary>An entry from its fields as the YAML reader makes it (the same parsing of each value), or null.</summary>
    private static LockEntry? Entry(string step, Dictionary<string, string> fields)
    {
        string? Text(string name) => fields.GetValueOrDefault(name);

        // Two plain parsers, not one generic over the number type: a generic local over int and long was JIT-compiled in every cold process.
        bool Int(string name, out int? value)
        {
            value = null;
            if (Text(name) is not { } text)
            {
                return true;
            }

            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                return false;
            }

            value = parsed;
            return true;
        }

        bool Long(string name, out long? value)
        {
            value = null;
            if (Text(name) is not { } text)
            {
                return true;
            }

            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                return false;
            }

            value = parsed;
            return true;
        }

        if (Text("key") is not { } key || Text("provider") is not { } provider
            || !decimal.TryParse(Text("cost"), NumberStyles.Number, CultureInfo.InvariantCulture, out var cost)
            || !DateTimeOffset.TryParse(Text("created"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            || !Int("seconds", out var seconds) || !Long("seed", out var seed) || !Int("roll", out var roll) || roll is < 0)
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
            Seconds: seconds,
            Size: Text("size"),
            Cost: cost,
            Created: created.ToUniversalTime(),
            Character: Text("character"),
            Seed: seed,
            Prompt: Text("prompt"),
            Inputs: Text("inputs"),
            Roll: roll ?? 0,
            Previous: Text("previous"),
            Profile: Text("profile"));
    }

    /// <summary>A value as <see cref="Quoted"/> writes it, or a plain one (numbers, times); null when it is neither.</summary>
    private static string? Unquote(string value)
    {
        if (value.Length == 0 || value[0] != '"')
        {
            return value.Length > 0 && !value.Contains('"') && !value.Contains('\\') ? value : null;
        }

        if (value.Length < 2 || value[^1] != '"')
        {
            return null;
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
                case 'u' when i + 4 < value.Length - 1 && ushort.TryParse(value.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) && !char.IsSurrogate((char)code):
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
