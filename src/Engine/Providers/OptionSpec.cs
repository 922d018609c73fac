using System.Collections.Immutable;

namespace Reel.Engine.Providers;

/// <summary>The type of a provider option's value.</summary>
public enum OptionKind
{
    /// <summary>Free text.</summary>
    Text,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Flag,

    /// <summary>A whole number within <see cref="OptionSpec.Min"/>..<see cref="OptionSpec.Max"/>.</summary>
    Integer,

    /// <summary>One of <see cref="OptionSpec.Values"/>.</summary>
    Choice,

    /// <summary>An image file beside the script (PNG, JPEG or WebP).</summary>
    Image,

    /// <summary>A list of image files beside the script, at most <see cref="OptionSpec.Max"/>.</summary>
    ImageList,

    /// <summary>A file beside the script with one of <see cref="OptionSpec.Values"/> as its extension (a workflow); its content enters the step key.</summary>
    File,

    /// <summary>A map from names in <see cref="OptionSpec.Values"/> to text, normalised to canonical JSON (sorted keys).</summary>
    Map,

    /// <summary>A non-negative decimal number (a price).</summary>
    Decimal,
}

/// <summary>
/// One provider-only option a step may set under <c>options:</c>, with its type and where it applies.
/// Values are checked when the script is validated, before anything is spent.
/// </summary>
/// <param name="Name">The key under <c>options:</c> (the provider's own field name in snake_case).</param>
/// <param name="Kind">The value's type.</param>
/// <param name="Description">One line for the README and error messages.</param>
public sealed record OptionSpec(string Name, OptionKind Kind, string Description)
{
    /// <summary>Allowed values of a <see cref="OptionKind.Choice"/>.</summary>
    public ImmutableArray<string> Values { get; init; } = [];

    public long Min { get; init; } = long.MinValue;

    public long Max { get; init; } = long.MaxValue;

    /// <summary>Models that take the option; empty means every model.</summary>
    public ImmutableArray<string> Models { get; init; } = [];

    /// <summary>The option applies to generations only (not to extensions or edits).</summary>
    public bool GenerateOnly { get; init; }

    /// <summary>The option needs the step's first-frame <c>image</c> (a last frame needs a first).</summary>
    public bool NeedsImage { get; init; }

    /// <summary>The option can't be combined with a first-frame <c>image</c>.</summary>
    public bool ExcludesImage { get; init; }

    /// <summary>With this option the provider takes no seed (fal's reference-to-video): none is sent or locked.</summary>
    public bool DropsSeed { get; init; }

    /// <summary>The option works only with clips of this many seconds.</summary>
    public int? OnlySeconds { get; init; }

    /// <summary>How the value reads in the capability table.</summary>
    public string Shape => Kind switch
    {
        OptionKind.Text => "text",
        OptionKind.Flag => "true|false",
        OptionKind.Integer => Min == long.MinValue ? "integer" : $"{Min}–{Max}",
        OptionKind.Choice => string.Join("|", Values),
        OptionKind.Image => "image path",
        OptionKind.File => $"{string.Join("|", Values)} file path",
        OptionKind.Map => $"map of {string.Join("|", Values)}",
        OptionKind.Decimal => "decimal ≥ 0",
        _ => $"1–{Max} image paths",
    };
}

/// <summary>
/// A checked option of one step: scalar values normalised to text (<c>true</c>, <c>42</c>, <c>allow_adult</c>),
/// image options as absolute paths.
/// </summary>
public sealed record StepOption(string Name, OptionKind Kind, string? Value, ImmutableArray<string> Paths)
{
    public bool IsPath => Kind is OptionKind.Image or OptionKind.ImageList or OptionKind.File;
}

/// <summary>
/// The options that mean the same on every provider that has them. Providers get them as typed fields of the
/// request (<see cref="GenerateRequest.Seed"/>, <see cref="GenerateRequest.LastFramePath"/>,
/// <see cref="GenerateRequest.ReferenceImagePaths"/>); <see cref="JobRequest.Options"/> holds only the rest.
/// </summary>
public static class NeutralOptions
{
    public const string Seed = "seed";

    public const string LastFrame = "last_frame";

    public const string ReferenceImages = "reference_images";

    public static bool IsNeutral(string name) => name is Seed or LastFrame or ReferenceImages;

    /// <summary>The last-frame image of a step's options, or null.</summary>
    public static string? LastFramePath(ImmutableArray<StepOption> options) => Paths(options, LastFrame) is [var path, ..] ? path : null;

    /// <summary>The reference images of a step's options (empty when it has none).</summary>
    public static ImmutableArray<string> ReferenceImagePaths(ImmutableArray<StepOption> options) => Paths(options, ReferenceImages);

    /// <summary>The options left for the provider once the neutral ones are taken out.</summary>
    public static ImmutableArray<StepOption> ProviderOnly(ImmutableArray<StepOption> options) => [.. options.Where(o => !IsNeutral(o.Name))];

    private static ImmutableArray<string> Paths(ImmutableArray<StepOption> options, string name) =>
        options.FirstOrDefault(o => o.Name == name)?.Paths ?? [];
}
