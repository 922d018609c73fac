using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Reel.Engine.Prompts;

namespace Reel.Engine.Planning;

/// <summary>
/// A step's content address (design.md §5): SHA-256 over the canonical JSON of its request and
/// the keys of its upstream steps. No timestamps, no randomness, no absolute paths.
/// </summary>
public static class StepKeys
{
    private static readonly JsonWriterOptions Options = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Planning hashes every step of the script: one buffer and one writer per thread, reused, and the written bytes hashed in place.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    public static string Compute(StepRequest step, IReadOnlyList<string> upstreamKeys)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        var writer = _writer ??= new Utf8JsonWriter(buffer, Options);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        Write(writer, step, upstreamKeys);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// The key of the <paramref name="roll"/>th re-roll of a step (<c>run --force</c>): roll 0 is the step's own key, every
    /// later roll a new content address, so the re-roll is a new job with its own seed, and the steps that need it
    /// render again from its clip.
    /// </summary>
    public static string Rolled(string key, int roll)
    {
        if (roll == 0)
        {
            return key;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"roll:{roll}:{key}")), hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// The seed sent to providers that take one: 31 bits of SHA-256 over "seed:" and the step key, so the same step
    /// asks for the same seed on every machine, and a lost clip can be regenerated as closely as the provider allows.
    /// </summary>
    public static long Seed(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("seed:" + key), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash) & 0x7FFF_FFFF;
    }

    /// <summary>Properties in ordinal order, no whitespace, invariant numbers.</summary>
    public static byte[] CanonicalJson(StepRequest step, IReadOnlyList<string> upstreamKeys)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, step, upstreamKeys);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The kind as written in the key: its name in lower case.</summary>
    private static string KindName(StepKind kind) => kind switch
    {
        StepKind.Character => "character",
        StepKind.Generate => "generate",
        StepKind.Extend => "extend",
        StepKind.Edit => "edit",
        StepKind.Cut => "cut",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>A cut's options, only when it has any, so plain cuts keep their keys.</summary>
    private static void WriteCut(Utf8JsonWriter w, CutSettings cut)
    {
        w.WriteStartObject("cut");
        if (cut.Loudness is { } lufs)
        {
            w.WriteNumber("loudness", lufs);
        }

        if (cut.Music is { } music)
        {
            w.WriteStartObject("music");
            w.WriteBoolean("duck", music.Duck);
            w.WriteNumber("volume", music.VolumeDb);
            w.WriteEndObject();
        }

        w.WriteStartArray("shots");
        foreach (var shot in cut.Shots)
        {
            w.WriteStartObject();
            if (shot.TrimIn is { } i)
            {
                w.WriteNumber("in", i);
            }

            if (shot.TrimOut is { } o)
            {
                w.WriteNumber("out", o);
            }

            w.WriteNumber("overlap", shot.Transition.Overlap);
            w.WriteString("transition", shot.Transition.Kind.ToString().ToLowerInvariant());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (cut.Video is { } video)
        {
            w.WriteStartObject("video");
            w.WriteBoolean("crop", video.Crop);
            if (video.Crf is { } crf)
            {
                w.WriteNumber("crf", crf);
            }

            if (video.FramesPerSecond is { } fps)
            {
                w.WriteNumber("fps", fps);
            }

            if (video.Preset is { } preset)
            {
                w.WriteString("preset", preset);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>The canonical fields every kind writes, in ordinal order (<see cref="StepFacts"/> fills them for every kind).</summary>
    private static void Write(Utf8JsonWriter w, StepRequest step, IReadOnlyList<string> upstreamKeys)
    {
        var (model, size, prompt, take) = (StepFacts.Model(step), StepFacts.Size(step), StepFacts.Prompt(step), StepFacts.Take(step));

        // A cut's key never held its length: only a clip's own seconds (and options).
        var (seconds, options) = step is ClipStep clip ? (clip.Seconds, clip.Options) : (0, []);
        var mode = step switch
        {
            ExtendStep => "extend",
            GenerateStep { LastFrameOf: not null } => "lastframe",
            _ => null,
        };
        {
            w.WriteStartObject();
            if (step is CutStep cutStep)
            {
                if (cutStep.Cut.HasEffects)
                {
                    WriteCut(w, cutStep.Cut);
                }

                w.WriteString("fit", "pad");
            }

            if (step is ClipStep { Draft: { } draft })
            {
                // Only under 'takes: picked', so other keys stay: the picked take's key gives the seed, so it is part of the final's.
                w.WriteString("draft", draft.Key);
            }

            w.WriteStartArray("inputs");
            foreach (var input in step.Inputs)
            {
                w.WriteStringValue($"{input.Role}:{input.Sha256}");
            }

            w.WriteEndArray();
            w.WriteString("kind", KindName(step.Kind));
            if (mode is not null)
            {
                w.WriteString("mode", mode);
            }

            w.WriteString("model", model);
            if (options.Any(o => !o.IsPath))
            {
                // Only when set, so steps without options keep their keys; image options are inputs.
                w.WriteStartObject("options");
                foreach (var option in options.Where(o => !o.IsPath))
                {
                    w.WriteString(option.Name, option.Value);
                }

                w.WriteEndObject();
            }

            w.WriteString("prompt", prompt);
            w.WriteString("provider", step.Provider);
            w.WriteNumber("seconds", seconds);
            if (step is GenerateStep { Shots.IsEmpty: false } multiShot)
            {
                // Only with 'shots:', so single-shot steps keep their keys: each shot's rendered prompt and seconds, in order.
                w.WriteStartArray("shots");
                foreach (var shot in multiShot.Shots)
                {
                    w.WriteStartObject();
                    w.WriteString("prompt", shot.Prompt);
                    w.WriteNumber("seconds", shot.Seconds);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteString("size", size.ToString());
            w.WriteNumber("take", take);
            w.WriteStartArray("upstream");
            foreach (var key in upstreamKeys)
            {
                w.WriteStringValue(key);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
        }
    }
}
