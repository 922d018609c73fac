using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Providers;

/// <summary>Operations a model may lack even when its provider has them.</summary>
[Flags]
public enum ModelFeatures
{
    None = 0,

    /// <summary>A first-frame image.</summary>
    Image = 1,

    /// <summary>Native extension of a finished clip.</summary>
    Extend = 2,

    /// <summary>Registered characters passed to a generation.</summary>
    Characters = 4,

    /// <summary>Targeted edits of a finished clip.</summary>
    Edit = 8,

    /// <summary>A seed (when the provider takes seeds at all).</summary>
    Seed = 16,

    /// <summary>Several shots in one clip, each with its own prompt and seconds (a scene's <c>shots:</c>).</summary>
    MultiShot = 32,

    All = Image | Extend | Characters | Edit | Seed | MultiShot,
}

/// <summary>What one model of a provider can do.</summary>
public sealed record ModelCapability(
    string Id,
    ImmutableArray<VideoSize> Sizes,
    ImmutableArray<int> Seconds,
    decimal PricePerSecond,
    ImmutableDictionary<string, decimal> PricePerSecondBySize)
{
    /// <summary>Operations this model has (the provider's flags still apply).</summary>
    public ModelFeatures Features { get; init; } = ModelFeatures.All;

    /// <summary>Sizes an extension of this model's clip may have (default: any of <see cref="Sizes"/>).</summary>
    public ImmutableArray<VideoSize> ExtensionSizes { get; init; }

    /// <summary>Sizes this model makes only at some durations (Veo: 1080p only at 8 s), by size text.</summary>
    public ImmutableDictionary<string, ImmutableArray<int>> SecondsBySize { get; init; } = ImmutableDictionary<string, ImmutableArray<int>>.Empty;

    /// <summary>One line for the capability table: what the model is.</summary>
    public string? Note { get; init; }

    /// <summary>
    /// The neutral name of the model family (<c>veo-3.1</c>, <c>veo-3.1-fast</c>, <c>sora-2</c>) that every provider serving
    /// it accepts and resolves to its own id, so a script or a profile can move between providers; null when it has none.
    /// </summary>
    public string? Family { get; init; }

    public decimal PriceFor(VideoSize size) =>
        PricePerSecondBySize.TryGetValue(size.ToString(), out var p) ? p : PricePerSecond;
}

/// <summary>
/// A provider's capability table; validation checks every step against it before anything is spent.
/// A provider with <see cref="AnyModel"/> accepts any model name, any even size within
/// <see cref="MinSide"/>..<see cref="MaxSide"/> and any whole seconds within <see cref="MinSeconds"/>..<see cref="MaxSeconds"/>.
/// </summary>
public sealed record ProviderCapabilities(
    string Provider,
    ImmutableArray<ModelCapability> Models,
    string DefaultModel,
    bool AnyModel = false,
    int MinSide = 64,
    int MaxSide = 4096,
    int MinSeconds = 1,
    int MaxSeconds = 120,
    bool SupportsImage = true,
    bool SupportsCharacters = true,
    bool SupportsExtend = true,
    bool SupportsEdit = true,
    int MaxCharacters = int.MaxValue,
    ImmutableArray<int> ExtensionSeconds = default,
    int MaxExtensionsPerClip = int.MaxValue,
    int MaxTotalSeconds = int.MaxValue,
    decimal DefaultPricePerSecond = 0m,
    TimeSpan? EstimatedRenderTimePerSecond = null)
{
    /// <summary>One line for the README and <c>reel providers</c>: what the provider is and how it is reached.</summary>
    public string Description { get; init; } = "";

    /// <summary>Provider-only settings a step may give under <c>options:</c>; anything else is rejected.</summary>
    public ImmutableArray<OptionSpec> Options { get; init; } = [];

    /// <summary>
    /// The provider takes a seed: Reel sends one derived from the step key (or the step's <c>options.seed</c>)
    /// and records it in the lock.
    /// </summary>
    public bool TakesSeed { get; init; }

    /// <summary>
    /// The provider lists recent jobs with their prompts, so a submit whose answer was lost (a dropped connection,
    /// a crash) can be found again instead of paid for twice. Without it such a submit is reported, not repeated.
    /// </summary>
    public bool CanReconcile { get; init; } = true;

    /// <summary>The provider serves thumbnails and spritesheets beside the video.</summary>
    public bool HasExtras { get; init; } = true;

    /// <summary>
    /// A native extend or edit names its source by the provider's job id alone (not its file), so the run submits it
    /// as soon as the source job succeeded, while the source clip is still downloading.
    /// </summary>
    public bool ExtendsFromJobId { get; init; }

    /// <summary>Environment variables the provider reads (names only; values are never printed).</summary>
    public ImmutableArray<string> Environment { get; init; } = [];

    /// <summary>
    /// Checks a step's options together, offline (comfy: the bind paths against the workflow file); the flag says the
    /// step starts from an image. Each problem names the option it is about (null: the step), and is reported at that option.
    /// </summary>
    public Func<ImmutableArray<StepOption>, bool, IReadOnlyList<OptionProblem>>? CheckOptions { get; init; }

    /// <summary>
    /// Characters are not registered with the provider: the first frame of a character's <c>video</c> travels as a
    /// reference image with every clip that lists it (Kling: omni-video's <c>image_list</c>, named in the prompt as
    /// <c>&lt;&lt;&lt;image_N&gt;&gt;&gt;</c>), so no character step is planned and the frame's clip is an input of the scene.
    /// </summary>
    public bool CharactersAsImages { get; init; }

    /// <summary>
    /// The provider renders several shots in one clip (a scene's <c>shots:</c>; Kling's <c>multi_prompt</c>), within these
    /// limits; null when it cannot, and validation refuses <c>shots:</c>.
    /// </summary>
    public ShotLimits? MultiShot { get; init; }

    /// <summary>An option whose value, when a step sets it, is the price per second (comfy's <c>price_per_second</c>).</summary>
    public string? PriceOption { get; init; }

    // Loops, not LINQ with a lambda: asked for every step of a plan, and each lambda over its argument is an allocation.
    public ModelCapability? FindModel(string id)
    {
        foreach (var model in Models)
        {
            if (model.Id == id)
            {
                return model;
            }
        }

        return null;
    }

    /// <summary>The provider's own id for <paramref name="name"/>: the name itself when it is one, else the model of that neutral family name.</summary>
    public string ResolveModel(string name)
    {
        if (FindModel(name) is not null)
        {
            return name;
        }

        foreach (var model in Models)
        {
            if (model.Family == name)
            {
                return model.Id;
            }
        }

        return name;
    }

    public OptionSpec? FindOption(string name)
    {
        foreach (var option in Options)
        {
            if (option.Name == name)
            {
                return option;
            }
        }

        return null;
    }

    /// <summary>True when the provider, and the model when it is in the table, have <paramref name="feature"/>.</summary>
    public bool Supports(string model, ModelFeatures feature)
    {
        var provider = feature switch
        {
            ModelFeatures.Image => SupportsImage,
            ModelFeatures.Extend => SupportsExtend,
            ModelFeatures.Characters => SupportsCharacters,
            ModelFeatures.Edit => SupportsEdit,
            ModelFeatures.Seed => TakesSeed,
            ModelFeatures.MultiShot => MultiShot is not null,
            _ => true,
        };
        return provider && (FindModel(model) is not { } m || (m.Features & feature) == feature);
    }

    public TimeSpan RenderTimePerSecond => EstimatedRenderTimePerSecond ?? TimeSpan.FromSeconds(10);
}

/// <summary>How many shots one clip may have and how long each shot's prompt may render.</summary>
/// <param name="MaxShots">The most shots in one clip.</param>
/// <param name="MaxPromptLength">The longest a shot's rendered prompt may be, in characters.</param>
public sealed record ShotLimits(int MaxShots, int MaxPromptLength)
{
    /// <summary>Whether a multi-shot clip may also have a last frame (<c>options.last_frame</c>); Kling's may not.</summary>
    public bool TakesLastFrame { get; init; } = true;
}

/// <summary>A problem <see cref="ProviderCapabilities.CheckOptions"/> found: the option it is about (null: the step) and why.</summary>
public sealed record OptionProblem(string? Option, string Message);
