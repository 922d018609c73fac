using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Scripts;

namespace Reel.Engine.Prompts;

public enum StepKind
{
    Character,
    Generate,
    Extend,
    Edit,
    Cut,
}

/// <summary>A file a step reads: its absolute path and content hash.</summary>
public sealed record InputFile(string Role, string Path, string Sha256);

/// <summary>One concrete step after defaults, matrix, takes and templates are applied.</summary>
public sealed record StepRequest(
    string Id,
    string Source,
    StepKind Kind,
    int Take,
    ImmutableArray<string> Needs,
    string Provider,
    string Model,
    VideoSize Size,
    int Seconds,
    int TotalSeconds,
    string Prompt,
    ImmutableArray<InputFile> Inputs,
    ImmutableArray<string> Characters,
    ContinuationMode? Mode,
    string? From,
    ImmutableArray<string> Shots,
    string? Output,
    ImageFit Fit,
    ImmutableArray<KeyValuePair<string, string>> Matrix,
    SourceLocation Location)
{
    /// <summary>For cuts: how the shots are joined.</summary>
    public CutSettings? Cut { get; init; }

    /// <summary>Provider options (checked), in name order; image options are also in <see cref="Inputs"/>.</summary>
    public ImmutableArray<Providers.StepOption> Options { get; init; } = [];

    /// <summary>Number of native extensions in this clip's history (for provider limits).</summary>
    public int ExtensionDepth { get; init; }

    /// <summary>The first-frame image, when the step has one.</summary>
    public InputFile? Image => Inputs.FirstOrDefault(i => i.Role == "image");

    /// <summary>The explicit seed (<c>options.seed</c>), when the step sets one.</summary>
    public long? SeedOption => Options.FirstOrDefault(o => o.Name == "seed")?.Value is { } v ? long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    public bool IsClip => Kind is StepKind.Generate or StepKind.Extend or StepKind.Edit;
}

/// <summary>One shot of a cut, resolved to a step, with the transition that leads into it.</summary>
public sealed record CutShotRequest(string StepId, double? TrimIn, double? TrimOut, TransitionSpec Transition, double Length);

/// <summary>How a cut joins its shots.</summary>
public sealed record CutSettings(ImmutableArray<CutShotRequest> Shots, MusicSpec? Music, double? Loudness, CutVideoSpec? Video)
{
    /// <summary>Anything beyond joining whole clips with hard cuts: such a cut is rendered with ffmpeg.</summary>
    public bool HasEffects =>
        Music is not null || Loudness is not null || Video is not null
        || Shots.Any(s => s.TrimIn is not null || s.TrimOut is not null || s.Transition.Kind != TransitionKind.Cut);
}

/// <summary>Expand stage output: every concrete step, in declaration order.</summary>
public sealed record ExpandedScript(Script Script, string Provider, ImmutableArray<StepRequest> Steps)
{
    public StepRequest? Find(string id) => Steps.FirstOrDefault(s => s.Id == id);
}
