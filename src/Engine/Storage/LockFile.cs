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
public static class LockFile
{
    /// <summary>
    /// The format version written in <c>reel-lock:</c>. Format 2 lists every kept result of a step (one per provider and
    /// model); format 1 (one entry per step) is still read, and rewritten as format 2 by the next run.
    /// </summary>
    public const int FormatVersion = 2;

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

    /// <summary>Parses lock text; <paramref name="displayName"/> names the file in errors.</summary>
    /// <exception cref="LockFileException">The text is not a valid lock.</exception>
    public static ScriptLock Parse(string text, string displayName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Reader(displayName);
        try
        {
            var parser = new Parser(new Scanner(new StringReader(text), skipComments: true));
            return reader.ReadStream(parser);
        }
        catch (YamlException ex)
        {
            // YamlException.Message repeats the position in its own format; the location comes from Start.
            var reason = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
            var marker = reason.IndexOf("): ", StringComparison.Ordinal);
            if (reason.StartsWith("(Line:", StringComparison.Ordinal) && marker > 0)
            {
                reason = reason[(marker + 3)..];
            }

            throw new LockFileException(reader.Loc(ex.Start), $"invalid YAML: {reason}", ex);
        }
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

    private sealed class Reader(string file)
    {
        public SourceLocation Loc(Mark mark) => new(file, (int)mark.Line, (int)mark.Column);

        public ScriptLock ReadStream(IParser parser)
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return ScriptLock.Empty;
            }

            parser.Consume<DocumentStart>();
            var root = parser.Current!;
            if (!parser.TryConsume<MappingStart>(out _))
            {
                throw Error(root.Start, "a lock file is a mapping with 'reel-lock: 2' and 'steps:'");
            }

            int? version = null;
            var entries = ImmutableArray.CreateBuilder<LockEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = ReadKey(parser);
                if (!seen.Add(key.Value))
                {
                    throw Error(key.Start, $"duplicate key '{key.Value}'");
                }

                switch (key.Value)
                {
                    case "reel-lock":
                        var value = ReadScalar(parser);
                        if (value.Value is not ("1" or "2"))
                        {
                            throw Error(value.Start, $"unsupported lock format 'reel-lock: {value.Value}'; this version of reel reads formats 1 and {FormatVersion}");
                        }

                        version = FormatVersion;
                        break;
                    case "steps":
                        ReadSteps(parser, entries);
                        break;
                    default:
                        throw Error(key.Start, $"unknown key '{key.Value}' (expected 'reel-lock' or 'steps')");
                }
            }

            if (version is null)
            {
                throw Error(root.Start, "missing 'reel-lock: 2'");
            }

            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                throw Error(second.Start, "a lock file holds one YAML document");
            }

            try
            {
                return new ScriptLock(entries.ToImmutable());
            }
            catch (ArgumentException ex)
            {
                throw Error(root.Start, ex.Message.Split(" (Parameter", 2)[0].TrimEnd('.').Replace("The lock has", "the lock has", StringComparison.Ordinal));
            }
        }

        private void ReadSteps(IParser parser, ImmutableArray<LockEntry>.Builder entries)
        {
            var start = parser.Current!;
            if (parser.TryConsume<Scalar>(out var empty) && IsNull(empty))
            {
                return;
            }

            if (empty is not null || !parser.TryConsume<MappingStart>(out _))
            {
                throw Error(start.Start, "'steps' must be a mapping from step id to entry");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var step = ReadKey(parser);
                if (!seen.Add(step.Value))
                {
                    throw Error(step.Start, $"duplicate step '{step.Value}'");
                }

                if (step.Value.Length == 0)
                {
                    throw Error(step.Start, "empty step id");
                }

                if (parser.TryConsume<SequenceStart>(out _))
                {
                    // Format 2: every kept result of the step.
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        entries.Add(ReadEntry(parser, step.Value));
                    }
                }
                else
                {
                    // Format 1: the step's one entry.
                    entries.Add(ReadEntry(parser, step.Value));
                }
            }
        }

        private LockEntry ReadEntry(IParser parser, string step)
        {
            var start = parser.Current!;
            if (!parser.TryConsume<MappingStart>(out _))
            {
                throw Error(start.Start, $"step '{step}' must be a mapping of fields");
            }

            var fields = new Dictionary<string, Scalar>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var name = ReadKey(parser);
                var value = ReadScalar(parser);
                if (!KnownFields.Contains(name.Value))
                {
                    throw Error(name.Start, $"unknown field '{name.Value}' in step '{step}'");
                }

                if (!fields.TryAdd(name.Value, value))
                {
                    throw Error(name.Start, $"duplicate field '{name.Value}' in step '{step}'");
                }
            }

            string Required(string name) =>
                fields.TryGetValue(name, out var scalar) && !IsNull(scalar)
                    ? scalar.Value
                    : throw Error(start.Start, $"step '{step}' is missing '{name}'");

            string? Optional(string name) =>
                fields.TryGetValue(name, out var scalar) && !IsNull(scalar) ? scalar.Value : null;

            T? Number<T>(string name)
                where T : struct, IParsable<T>
            {
                if (!fields.TryGetValue(name, out var scalar) || IsNull(scalar))
                {
                    return null;
                }

                return T.TryParse(scalar.Value, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw Error(scalar.Start, $"'{name}' of step '{step}' is not a valid number: '{scalar.Value}'");
            }

            var key = Required("key");
            var provider = Required("provider");
            var costText = Required("cost");
            if (!decimal.TryParse(costText, NumberStyles.Number, CultureInfo.InvariantCulture, out var cost))
            {
                throw Error(fields["cost"].Start, $"'cost' of step '{step}' is not a decimal number: '{costText}'");
            }

            var createdText = Required("created");
            if (!DateTimeOffset.TryParse(createdText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
            {
                throw Error(fields["created"].Start, $"'created' of step '{step}' is not an ISO-8601 time: '{createdText}'");
            }

            return new LockEntry(
                Step: step,
                Key: key,
                Provider: provider,
                Model: Optional("model"),
                Job: Optional("job"),
                Output: Optional("output"),
                Thumbnail: Optional("thumbnail"),
                Spritesheet: Optional("spritesheet"),
                Seconds: Number<int>("seconds"),
                Size: Optional("size"),
                Cost: cost,
                Created: created.ToUniversalTime(),
                Character: Optional("character"),
                Seed: Number<long>("seed"),
                Prompt: Optional("prompt"),
                Inputs: Optional("inputs"),
                Roll: Number<int>("roll") is { } roll and >= 0 ? roll : fields.ContainsKey("roll") ? throw Error(fields["roll"].Start, $"'roll' of step '{step}' must be a whole number of 0 or more") : 0,
                Previous: Optional("previous"));
        }

        private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
        {
            "key", "provider", "model", "job", "output", "thumbnail", "spritesheet",
            "seconds", "size", "cost", "created", "character", "seed", "inputs", "prompt", "roll", "previous",
        };

        private static bool IsNull(Scalar scalar) =>
            scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

        private Scalar ReadKey(IParser parser)
        {
            var current = parser.Current!;
            return parser.TryConsume<Scalar>(out var key) ? key : throw Error(current.Start, "expected a plain key here");
        }

        private Scalar ReadScalar(IParser parser)
        {
            var current = parser.Current!;
            if (current is AnchorAlias)
            {
                throw Error(current.Start, "aliases are not allowed in a lock file");
            }

            return parser.TryConsume<Scalar>(out var value) ? value : throw Error(current.Start, "expected a single value here");
        }

        private LockFileException Error(Mark mark, string reason) => new(Loc(mark), reason);
    }
}
