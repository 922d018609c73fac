using System.Collections.Immutable;
using System.Globalization;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>Prompt or template text together with the YAML scalar it came from, for error positions.</summary>
public sealed record TemplateText(string Text, YScalar Node, SourceFile Source);

/// <summary>A reference to a step by name, as written (<c>pour[light=dawn]</c>, <c>open#2</c>).</summary>
public sealed record StepRef(string Text, SourceLocation Location);

public sealed record CharacterRef(string Id, SourceLocation Location);

public sealed record FileRef(string Path, SourceLocation Location);

public sealed record MatrixAxis(string Name, ImmutableArray<string> Values, SourceLocation Location);

public enum ContinuationMode
{
    Extend,
    LastFrame,
}

/// <summary>A provider option as written in the script, checked against the provider's table.</summary>
public sealed record OptionSetting(Providers.StepOption Option, SourceLocation Location)
{
    /// <summary>For a map option (comfy's <c>bind</c>): where each entry's value is written, by key; empty otherwise.</summary>
    public ImmutableSortedDictionary<string, SourceLocation> Entries { get; init; } = ImmutableSortedDictionary<string, SourceLocation>.Empty;

    /// <summary>Where the entry <paramref name="key"/> of a map option is written, else where the option is.</summary>
    public SourceLocation EntryLocation(string key) => Entries.GetValueOrDefault(key, Location);
}

/// <summary>Settings a step inherits unless it sets its own; options are inherited key by key.</summary>
public sealed record StepSettings(string? Model, VideoSize? Size, int? Seconds, SourceLocation ModelLocation, SourceLocation SizeLocation, SourceLocation SecondsLocation)
{
    public static StepSettings Empty { get; } = new(null, null, null, SourceLocation.None, SourceLocation.None, SourceLocation.None);

    /// <summary>Provider options, in name order.</summary>
    public ImmutableArray<OptionSetting> Options { get; init; } = [];

    public StepSettings InheritFrom(StepSettings parent) => new(
        Model ?? parent.Model,
        Size ?? parent.Size,
        Seconds ?? parent.Seconds,
        Model is null ? parent.ModelLocation : ModelLocation,
        Size is null ? parent.SizeLocation : SizeLocation,
        Seconds is null ? parent.SecondsLocation : SecondsLocation)
    {
        Options = Merge(parent.Options, Options),
    };

    /// <summary>
    /// The options of <paramref name="inherited"/> that <paramref name="own"/> does not set, then <paramref name="own"/>, sorted
    /// by name (stable). Every step inherits the defaults, mostly with no options on one side: then nothing is allocated.
    /// </summary>
    private static ImmutableArray<OptionSetting> Merge(ImmutableArray<OptionSetting> inherited, ImmutableArray<OptionSetting> own)
    {
        if (inherited.IsEmpty && InNameOrder(own.AsSpan()))
        {
            return own;
        }

        if (own.IsEmpty && InNameOrder(inherited.AsSpan()))
        {
            return inherited;
        }

        var merged = new OptionSetting[inherited.Length + own.Length];
        var count = 0;
        foreach (var p in inherited)
        {
            if (!own.Any(o => o.Option.Name == p.Option.Name))
            {
                merged[count++] = p;
            }
        }

        own.CopyTo(merged, count);
        count += own.Length;

        // Insertion sort: stable, as the ordering it replaces was, and the lists are a handful of options.
        for (var i = 1; i < count; i++)
        {
            var item = merged[i];
            var j = i - 1;
            while (j >= 0 && string.CompareOrdinal(merged[j].Option.Name, item.Option.Name) > 0)
            {
                merged[j + 1] = merged[j];
                j--;
            }

            merged[j + 1] = item;
        }

        return ImmutableArray.Create(merged, 0, count);
    }

    private static bool InNameOrder(ReadOnlySpan<OptionSetting> options)
    {
        for (var i = 1; i < options.Length; i++)
        {
            if (string.CompareOrdinal(options[i - 1].Option.Name, options[i].Option.Name) > 0)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A profile (<c>profiles.&lt;name&gt;</c>): settings laid over every step when it is chosen. Where it sets
/// <c>provider</c>, <c>model</c>, <c>size</c>, an option or <c>takes</c>, it wins over the script, the steps and
/// <c>defaults</c>; <c>--provider</c> still wins over its provider.
/// </summary>
/// <param name="Name">The profile's name, as <c>--profile</c> takes it.</param>
/// <param name="Provider">The provider it sets, or null.</param>
/// <param name="Settings">The model, size and options it sets (seconds are never set by a profile).</param>
/// <param name="Takes">The number of takes it gives every step, or null (also with <c>takes: picked</c>).</param>
/// <param name="TakesPicked">Whether it renders only each step's picked take (<c>takes: picked</c>).</param>
/// <param name="CarryFirstFrame">Whether scenes without an image start from the first frame of their picked take (<c>carry: first-frame</c>).</param>
public sealed record ProfileDecl(string Name, string? Provider, StepSettings Settings, int? Takes, bool TakesPicked, bool CarryFirstFrame, SourceLocation Location)
{
    /// <summary>Where <c>carry</c> is written, for the diagnostics about it.</summary>
    public SourceLocation CarryLocation { get; init; } = SourceLocation.None;
}

public sealed record CharacterDecl(string Id, string Name, string? Description, FileRef? Video, SourceLocation Location);

public abstract record StepDecl(string Id, TemplateText Prompt, StepSettings Settings, int Takes, int Pick, ImmutableArray<MatrixAxis> Matrix, SourceLocation Location)
{
    public SourceLocation PickLocation { get; init; } = SourceLocation.None;
}

/// <summary>One shot of a multi-shot scene (<c>shots:</c>): its prompt template and seconds.</summary>
public sealed record SceneShot(TemplateText Prompt, int Seconds, SourceLocation Location, SourceLocation SecondsLocation);

public sealed record SceneDecl(
    string Id,
    TemplateText Prompt,
    StepSettings Settings,
    FileRef? Image,
    ImageFit Fit,
    ImmutableArray<CharacterRef> Characters,
    int Takes,
    int Pick,
    ImmutableArray<MatrixAxis> Matrix,
    SourceLocation Location) : StepDecl(Id, Prompt, Settings, Takes, Pick, Matrix, Location)
{
    private readonly ImmutableArray<SceneShot> _shots = [];

    /// <summary>The shots of a multi-shot clip, in order (<c>shots:</c>); empty for a single shot.</summary>
    public ImmutableArray<SceneShot> Shots
    {
        get => _shots;
        init => _shots = value.IsDefault ? [] : value;
    }

    /// <summary>Where <c>shots</c> is written, for the diagnostics about the list as a whole.</summary>
    public SourceLocation ShotsLocation { get; init; } = SourceLocation.None;
}

public sealed record ContinuationDecl(
    string Id,
    StepRef From,
    TemplateText Prompt,
    StepSettings Settings,
    ContinuationMode Mode,
    bool ModeGiven,
    int Takes,
    int Pick,
    SourceLocation Location) : StepDecl(Id, Prompt, Settings, Takes, Pick, [], Location);

public sealed record EditDecl(
    string Id,
    StepRef From,
    TemplateText Prompt,
    StepSettings Settings,
    int Takes,
    int Pick,
    SourceLocation Location) : StepDecl(Id, Prompt, Settings, Takes, Pick, [], Location);

/// <summary>How a shot is entered from the previous one.</summary>
public sealed record TransitionSpec(TransitionKind Kind, double Seconds)
{
    public static TransitionSpec HardCut { get; } = new(TransitionKind.Cut, 0);

    public double Overlap => Kind == TransitionKind.Cut ? 0 : Seconds;
}

/// <summary>One shot of a cut with its options; <see cref="Transition"/> leads into it.</summary>
public sealed record ShotSpec(StepRef Ref, double? TrimIn, double? TrimOut, TransitionSpec? Transition);

public sealed record MusicSpec(FileRef File, double VolumeDb, bool Duck);

public sealed record CutVideoSpec(VideoSize? Size, double? FramesPerSecond, int? Crf, string? Preset, bool Crop);

/// <summary>A cut. Options beyond plain shots (trims, transitions, music, loudness, video) make it render with ffmpeg.</summary>
public sealed record CutDecl(string Id, FileRef Output, ImmutableArray<StepRef> Shots, SourceLocation Location)
{
    public ImmutableArray<ShotSpec> ShotSpecs { get; init; } = [];

    public TransitionSpec? Transition { get; init; }

    public MusicSpec? Music { get; init; }

    public double? Loudness { get; init; }

    public CutVideoSpec? Video { get; init; }
}

/// <summary>Bind stage output: the typed, checked script.</summary>
public sealed record Script(
    SourceFile File,
    string ScriptPath,
    string? Title,
    string Provider,
    SourceLocation ProviderLocation,
    StepSettings Defaults,
    ImmutableDictionary<string, object?> Vars,
    ImmutableDictionary<string, TemplateText> Templates,
    ImmutableArray<CharacterDecl> Characters,
    ImmutableArray<SceneDecl> Scenes,
    ImmutableArray<ContinuationDecl> Continuations,
    ImmutableArray<EditDecl> Edits,
    ImmutableArray<CutDecl> Cuts)
{
    /// <summary>Directory every relative path in the script is resolved against.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(ScriptPath)!;

    /// <summary>Whether <see cref="Provider"/> came from the command line (<c>--provider</c>) rather than the script.</summary>
    public bool ProviderFromCommandLine { get; init; }

    /// <summary>Absolute paths of the files pulled in with <c>include:</c>.</summary>
    public ImmutableArray<string> IncludedFiles { get; init; } = [];

    /// <summary>The team's shared remote store (<c>remote:</c>); <c>REEL_REMOTE</c> overrides it at run time.</summary>
    public Storage.Remote.RemoteDeclaration? Remote { get; init; }

    /// <summary>The names of the script's profiles, in the order listed (empty without <c>profiles:</c>).</summary>
    public ImmutableArray<string> ProfileNames { get; init; } = [];

    /// <summary>The profile in force (<c>--profile</c>, <c>REEL_PROFILE</c>, else the first listed); null without <c>profiles:</c>.</summary>
    public ProfileDecl? Profile { get; init; }

    /// <summary>
    /// With <c>takes: picked</c>: the profile whose takes are picked from (the first listed without <c>takes: picked</c>),
    /// whose picked take lends the final its seed and, with <c>carry: first-frame</c>, its first frame.
    /// </summary>
    public string? PicksFrom { get; init; }

    /// <summary>Whether each step renders only its picked take (the profile in force says <c>takes: picked</c>).</summary>
    public bool TakesPicked => Profile?.TakesPicked == true;

    public IEnumerable<StepDecl> Steps => Scenes.Cast<StepDecl>().Concat(Continuations).Concat(Edits);
}
