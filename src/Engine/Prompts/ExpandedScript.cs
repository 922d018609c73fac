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

/// <summary>The take a final render finishes (<c>takes: picked</c>): its step key in the profile it was picked from.</summary>
/// <param name="Profile">The profile the take was rendered by.</param>
/// <param name="Key">Its step key there.</param>
/// <param name="Output">The SHA-256 of its clip, when it is rendered and in the store.</param>
public sealed record DraftTake(string Profile, string Key, string? Output);

/// <summary>A character whose image travels with a clip: the name prompts use and its clip (an input, role <c>character:ID</c>).</summary>
public sealed record CharacterVideo(string Name, InputFile Video);

/// <summary>A file a step reads: its absolute path and content hash.</summary>
public sealed record InputFile(string Role, string Path, string Sha256);

/// <summary>
/// One concrete step after defaults, matrix, takes and templates are applied: a <see cref="CharacterStep"/>,
/// a <see cref="ClipStep"/> (<see cref="GenerateStep"/>, <see cref="ExtendStep"/>, <see cref="EditStep"/>) or a
/// <see cref="CutStep"/>, each with only its own fields.
/// </summary>
/// <param name="Id">The step's id.</param>
/// <param name="Needs">The steps whose results this one uses, in order.</param>
/// <param name="Provider">The provider that runs it.</param>
/// <param name="Inputs">The files it reads (hashed: their content enters its key).</param>
/// <param name="Location">Where the script declares it.</param>
public abstract record StepRequest(StepId Id, ImmutableArray<StepId> Needs, string Provider, ImmutableArray<InputFile> Inputs, SourceLocation Location)
{
    public abstract StepKind Kind { get; }

    /// <summary>The script entry the step comes from (scene, continuation, edit, cut or character id).</summary>
    public string Source => Id.Source;
}

/// <summary>The registration of a character with the provider, from a clip of it.</summary>
/// <param name="Name">The character's name, as prompts use it.</param>
/// <param name="Model">The provider model it is registered for (the provider's default).</param>
public sealed record CharacterStep(StepId Id, string Provider, string Name, string Model, InputFile Video, SourceLocation Location)
    : StepRequest(Id, [], Provider, [Video], Location)
{
    public override StepKind Kind => StepKind.Character;
}

/// <summary>A step that asks the provider for a clip from a prompt.</summary>
/// <param name="Seconds">The seconds this step asks the provider for.</param>
/// <param name="TotalSeconds">The length of the clip the step ends with (an extension: source and extension together).</param>
/// <param name="Matrix">The matrix cell the step belongs to (a continuation or edit: its source's).</param>
public abstract record ClipStep(
    StepId Id,
    ImmutableArray<StepId> Needs,
    string Provider,
    string Model,
    VideoSize Size,
    int Seconds,
    int TotalSeconds,
    string Prompt,
    ImmutableArray<InputFile> Inputs,
    ImmutableArray<KeyValuePair<string, string>> Matrix,
    SourceLocation Location) : StepRequest(Id, Needs, Provider, Inputs, Location)
{
    /// <summary>The take, 1-based; 0 when the step has a single take.</summary>
    public int Take => Id.Take;

    /// <summary>Provider options (checked), in name order; image options are also in <see cref="StepRequest.Inputs"/>.</summary>
    public ImmutableArray<Providers.StepOption> Options { get; init; } = [];

    /// <summary>The clip this one continues or edits (an extension's, an edit's or a last-frame continuation's source); null for a scene.</summary>
    public StepId? FromClip => this switch
    {
        ExtendStep e => e.From,
        EditStep e => e.From,
        GenerateStep g => g.LastFrameOf,
        _ => null,
    };

    /// <summary>A last-frame continuation: a new clip from its source's last frame, played after it.</summary>
    public bool IsLastFrame => this is GenerateStep { LastFrameOf: not null };

    /// <summary>
    /// Under <c>takes: picked</c>: the picked take this step finishes, as the profile it was picked from planned it; its
    /// key gives the seed (where the provider takes seeds) and enters this step's key. Null otherwise.
    /// </summary>
    public DraftTake? Draft { get; init; }

    /// <summary>The explicit seed (<c>options.seed</c>), when the step sets one.</summary>
    public long? SeedOption => Options.FirstOrDefault(o => o.Name == "seed")?.Value is { } v ? long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : null;
}

/// <summary>
/// A new clip: a scene, or a last-frame continuation (<see cref="LastFrameOf"/>), which starts from the last
/// frame of its source and ends up played after it.
/// </summary>
/// <param name="Characters">The character registrations the clip uses.</param>
/// <param name="Fit">How the first-frame image is fitted to the size.</param>
public sealed record GenerateStep(
    StepId Id,
    ImmutableArray<StepId> Needs,
    string Provider,
    string Model,
    VideoSize Size,
    int Seconds,
    int TotalSeconds,
    string Prompt,
    ImmutableArray<InputFile> Inputs,
    ImmutableArray<StepId> Characters,
    ImageFit Fit,
    ImmutableArray<KeyValuePair<string, string>> Matrix,
    SourceLocation Location) : ClipStep(Id, Needs, Provider, Model, Size, Seconds, TotalSeconds, Prompt, Inputs, Matrix, Location)
{
    public override StepKind Kind => StepKind.Generate;

    /// <summary>For a last-frame continuation: the step whose last frame is the first frame.</summary>
    public StepId? LastFrameOf { get; init; }

    /// <summary>The first-frame image, when the scene has one.</summary>
    public InputFile? Image => Inputs.FirstOrDefault(i => i.Role == "image");

    /// <summary><c>carry: first-frame</c>: the scene starts from the first frame of its picked take's clip (<see cref="CarriedClip"/>).</summary>
    public bool CarryFirstFrame { get; init; }

    /// <summary>With <see cref="CarryFirstFrame"/>, once linked to its draft: the picked take's clip, an input by content (role <c>carry</c>).</summary>
    public InputFile? CarriedClip => Inputs.FirstOrDefault(i => i.Role == CarryRole);

    /// <summary>The input role of the carried clip.</summary>
    public const string CarryRole = "carry";

    /// <summary>A multi-shot scene's shots, each prompt rendered (<c>shots:</c>); empty for a single shot.</summary>
    public ImmutableArray<Providers.ShotPrompt> Shots
    {
        get => _shots;
        init => _shots = value.IsDefault ? [] : value;
    }

    private readonly ImmutableArray<Providers.ShotPrompt> _shots = [];
    private readonly ImmutableArray<CharacterVideo> _characterVideos = [];

    /// <summary>
    /// Where characters travel as images (<see cref="Providers.ProviderCapabilities.CharactersAsImages"/>): the listed
    /// characters with a video, whose first frame goes with the request; each video is also in <see cref="StepRequest.Inputs"/>.
    /// </summary>
    public ImmutableArray<CharacterVideo> CharacterVideos
    {
        get => _characterVideos;
        init => _characterVideos = value.IsDefault ? [] : value;
    }
}

/// <summary>A native extension of a finished clip; its result is the one longer, stitched clip.</summary>
/// <param name="ExtensionDepth">Native extensions in the clip's history, this one included (for provider limits).</param>
public sealed record ExtendStep(
    StepId Id,
    StepId From,
    string Provider,
    string Model,
    VideoSize Size,
    int Seconds,
    int TotalSeconds,
    string Prompt,
    ImmutableArray<InputFile> Inputs,
    ImmutableArray<KeyValuePair<string, string>> Matrix,
    int ExtensionDepth,
    SourceLocation Location) : ClipStep(Id, [From], Provider, Model, Size, Seconds, TotalSeconds, Prompt, Inputs, Matrix, Location)
{
    public override StepKind Kind => StepKind.Extend;
}

/// <summary>A targeted change of a finished clip; it keeps the clip's size and length.</summary>
/// <param name="ExtensionDepth">Native extensions in the edited clip's history.</param>
public sealed record EditStep(
    StepId Id,
    StepId From,
    string Provider,
    string Model,
    VideoSize Size,
    int Seconds,
    string Prompt,
    ImmutableArray<InputFile> Inputs,
    ImmutableArray<KeyValuePair<string, string>> Matrix,
    int ExtensionDepth,
    SourceLocation Location) : ClipStep(Id, [From], Provider, Model, Size, Seconds, Seconds, Prompt, Inputs, Matrix, Location)
{
    public override StepKind Kind => StepKind.Edit;
}

/// <summary>A film: its shots joined, with the cut's options.</summary>
/// <param name="Shots">The clips in the order they play (a clip may play more than once).</param>
/// <param name="Output">The output path, relative to the script's directory.</param>
/// <param name="Size">The film's size: the cut's own, else its first shot's.</param>
/// <param name="TotalSeconds">The film's length, after trims and transitions.</param>
public sealed record CutStep(
    StepId Id,
    string Provider,
    ImmutableArray<StepId> Shots,
    string Output,
    VideoSize Size,
    int TotalSeconds,
    CutSettings Cut,
    ImmutableArray<InputFile> Inputs,
    SourceLocation Location) : StepRequest(Id, Distinct(Shots), Provider, Inputs, Location)
{
    public override StepKind Kind => StepKind.Cut;

    /// <summary>Each shot's clip once, in the order first played (a loop over the ids' text: LINQ over step ids is compiled at run time in a cold process).</summary>
    private static ImmutableArray<StepId> Distinct(ImmutableArray<StepId> shots)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var distinct = new StepId[shots.Length];
        var count = 0;
        foreach (var shot in shots)
        {
            if (seen.Add(shot.Text))
            {
                distinct[count++] = shot;
            }
        }

        Array.Resize(ref distinct, count);
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(distinct);
    }
}

/// <summary>One shot of a cut, resolved to a step, with the transition that leads into it.</summary>
public sealed record CutShotRequest(StepId StepId, double? TrimIn, double? TrimOut, TransitionSpec Transition, double Length);

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
    public StepRequest? Find(string id) => Steps.FirstOrDefault(s => s.Id.Text == id);
}
