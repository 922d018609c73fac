using System.Collections.Immutable;
using System.Globalization;
using Reel.Engine.Core;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Reel.Engine.Storage;

/// <summary>Reading a lock file: formats 3 and 2 (a list of results per step) and format 1 (one entry per step).</summary>
public static partial class LockFile
{
    /// <summary>Parses lock text; <paramref name="displayName"/> names the file in errors.</summary>
    /// <exception cref="LockFileException">The text is not a valid lock.</exception>
    public static ScriptLock Parse(string text, string displayName)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (ReadCanonical(text) is { } canonical)
        {
            return canonical;
        }

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
                throw Error(root.Start, $"a lock file is a mapping with 'reel-lock: {FormatVersion}' and 'steps:'");
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
                        if (value.Value is not ("1" or "2" or "3"))
                        {
                            throw Error(value.Start, $"unsupported lock format 'reel-lock: {value.Value}'; this version of reel reads formats 1 to {FormatVersion}");
                        }

                        version = int.Parse(value.Value, CultureInfo.InvariantCulture);
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
                throw Error(root.Start, $"missing 'reel-lock: {FormatVersion}'");
            }

            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                throw Error(second.Start, "a lock file holds one YAML document");
            }

            try
            {
                return new ScriptLock(entries.ToImmutable()) { Format = version.Value };
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
                Previous: Optional("previous"),
                Profile: Optional("profile"));
        }

        private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
        {
            "key", "provider", "model", "job", "output", "thumbnail", "spritesheet",
            "seconds", "size", "cost", "created", "character", "seed", "inputs", "prompt", "roll", "previous", "profile",
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
