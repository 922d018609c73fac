using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Reel.Engine.Core;
using Reel.Emulator.OpenAi;
using Reel.Emulator.Rendering;

namespace Reel.Emulator.Google;

/// <summary>
/// Google Veo's long-running video operations, behind both the Gemini Developer API (<c>/v1beta</c>, results as file
/// uris) and Vertex AI (<c>/v1beta1</c>, results as inline bytes). Jobs are the OpenAI side's <see cref="VideoJob"/>s,
/// rendered by the same <see cref="ClipStore"/>.
/// </summary>
internal sealed partial class VeoApi(JobHost jobs)
{
    /// <summary>Gemini keeps generated videos for two days.</summary>
    public static readonly TimeSpan FileLifetime = TimeSpan.FromHours(48);

    /// <summary>The moderation outcome's reason, as Veo words its RAI filter.</summary>
    public const string FilteredReason =
        "Unable to generate videos because the prompt could violate our policies. Try rephrasing the prompt. Support codes: 58061214";

    private readonly JobHost _jobs = jobs;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, VeoOperation> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (VeoOperation Operation, int Sample)> _files = new(StringComparer.Ordinal);

    /// <summary>The nominal frame size of a Veo output.</summary>
    private static VideoSize SizeOf(string aspectRatio, string resolution) => (aspectRatio, resolution) switch
    {
        ("9:16", "1080p") => new VideoSize(1080, 1920),
        ("9:16", _) => new VideoSize(720, 1280),
        (_, "1080p") => new VideoSize(1920, 1080),
        _ => new VideoSize(1280, 720),
    };

    /// <summary>A clip to extend: an earlier job of this emulator, or an MP4 saved from inline bytes.</summary>
    private readonly record struct ExtensionSource(VideoJob? Job, string? Path, int Seconds, VideoSize Size, int Extensions);

    /// <summary>Creates the operation: one moderation draw, one audit line, one job per sample.</summary>
    private VeoOperation Create(VeoSurface surface, string resource, VeoRequest request, ExtensionSource? source, JsonObject body)
    {
        var id = surface == VeoSurface.Gemini ? NewId(12) : Guid.NewGuid().ToString("D");
        var name = $"{resource}/operations/{id}";
        var fingerprint = JobHost.Fingerprint(new JsonObject
        {
            ["surface"] = surface.ToString(),
            ["model"] = request.Model.Name,
            ["request"] = body.DeepClone(),
        });
        string? referencePath = null;
        if (request.Image is { } image)
        {
            referencePath = Path.Combine(_jobs.Uploads, "veo_" + NewId(16) + image.Extension);
            File.WriteAllBytes(referencePath, image.Bytes);
        }

        var blocked = _jobs.Faults.NextModeration();
        var now = _jobs.Now;
        var segment = source is null ? request.DurationSeconds : VeoModel.ExtensionSeconds;
        var jobs = ImmutableArray.CreateBuilder<VideoJob>(request.SampleCount);
        for (var i = 0; i < request.SampleCount; i++)
        {
            var jobId = $"veo_{NewId(16)}_{i}";
            jobs.Add(new VideoJob
            {
                Id = jobId,
                Kind = source is null ? "generate" : "extend",
                Model = request.Model.Name,
                Prompt = request.Prompt,
                Size = source?.Size ?? SizeOf(request.AspectRatio, request.Resolution),
                Seconds = (source?.Seconds ?? 0) + segment,
                SegmentSeconds = segment,
                CreatedAt = now,
                Duration = _jobs.DurationOf(segment),
                AssetLifetime = FileLifetime,
                Seed = request.Seed is { } seed ? seed + (ulong)i : JobHost.SeedOf(fingerprint, jobId),
                Sequence = _jobs.NextSequence(),
                Blocked = blocked,
                Source = source?.Job,
                SourcePath = source?.Path,
                Extensions = source is { } from ? from.Extensions + 1 : 0,
                ReferencePath = referencePath,
            });
        }

        var operation = new VeoOperation
        {
            Name = name,
            Surface = surface,
            Model = request.Model.Name,
            Samples = jobs.MoveToImmutable(),
            FileIds = surface == VeoSurface.Gemini ? [.. Enumerable.Range(0, request.SampleCount).Select(_ => NewId(12))] : [],
            StorageUri = request.StorageUri,
        };
        lock (_gate)
        {
            _operations.Add(name, operation);
            for (var i = 0; i < operation.FileIds.Length; i++)
            {
                _files.Add(operation.FileIds[i], (operation, i));
            }
        }

        _jobs.Created(name, operation.Samples[0].Kind, fingerprint, operation.Samples, request.Seed is { } asked ? (long)asked : null, image: request.Image is not null);

        return operation;
    }

    private VeoOperation? FindOperation(VeoSurface surface, string name)
    {
        lock (_gate)
        {
            return _operations.TryGetValue(name, out var operation) && operation.Surface == surface ? operation : null;
        }
    }

    /// <summary>The operation's JSON: <c>{name}</c> while it runs, <c>{name, done: true, response}</c> once it ended.</summary>
    private static JsonObject OperationJson(VeoOperation operation, VideoSnapshot state, Func<JsonObject> response)
    {
        var json = new JsonObject { ["name"] = operation.Name };
        if (state.IsTerminal)
        {
            json["done"] = true;
            json["response"] = response();
        }

        return json;
    }

    /// <summary>Lowercase letters and digits, as Google's operation and file ids are (the SDK's file-name parser expects <c>[a-z0-9]+</c>).</summary>
    private static string NewId(int length) => JobHost.NewToken()[..length];
}
