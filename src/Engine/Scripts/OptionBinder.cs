using System.Collections.Immutable;
using System.Globalization;
using Reel.Engine.Core;
using Reel.Engine.Providers;

namespace Reel.Engine.Scripts;

/// <summary>
/// Checks a step's <c>options:</c> map against the provider's option table (<see cref="DiagnosticCodes.UnknownOption"/>, <see cref="DiagnosticCodes.BadOption"/> for a bad value).
/// The <c>local</c> provider takes every option some other provider defines, so a script written for a remote
/// provider previews offline unchanged; it ignores them when rendering.
/// </summary>
internal sealed class OptionBinder
{
    private readonly string _provider;
    private readonly Lazy<ImmutableArray<OptionSpec>> _lazySpecs;

    private OptionBinder(string provider, Func<ImmutableArray<OptionSpec>> specs)
    {
        _provider = provider;
        _lazySpecs = new(specs, LazyThreadSafetyMode.None);
    }

    // Built on first use: for 'local' it needs every provider's table, which a script without options never does.
    private ImmutableArray<OptionSpec> Specs => _lazySpecs.Value;

    /// <summary>The binder of <paramref name="provider"/>, or null for an unknown provider (reported elsewhere).</summary>
    public static OptionBinder? For(string provider)
    {
        if (ProviderCatalog.Find(provider) is not { } caps)
        {
            return null;
        }

        if (caps.Provider != "local")
        {
            return new OptionBinder(provider, () => caps.Options);
        }

        return new OptionBinder(provider, static () => ProviderCatalog.Tables.Values
            .OrderBy(t => t.Provider, StringComparer.Ordinal)
            .SelectMany(t => t.Options)
            .DistinctBy(o => o.Name)
            .Select(o => o with { Models = [] })
            .ToImmutableArray());
    }

    public ImmutableArray<OptionSetting> Bind(YMapping map, DiagnosticBag diagnostics, Func<string, SourceLocation, string?> resolvePath)
    {
        var result = ImmutableArray.CreateBuilder<OptionSetting>();
        foreach (var entry in map.Entries)
        {
            var name = entry.Key.Value;
            var spec = Specs.FirstOrDefault(s => s.Name == name);
            if (spec is null)
            {
                var known = Specs.Select(s => s.Name).ToList();
                diagnostics.Report(
                    DiagnosticCodes.UnknownOption,
                    known.Count == 0
                        ? $"provider '{_provider}' takes no options (remove 'options', or pick a provider that has '{name}')"
                        : $"provider '{_provider}' has no option '{name}'{Suggestions.DidYouMean(name, known)} (options: {string.Join(", ", known)})",
                    entry.Key.Location);
                continue;
            }

            if (Value(spec, entry.Value, diagnostics, resolvePath) is { } option)
            {
                result.Add(new OptionSetting(option, entry.Key.Location));
            }
        }

        return [.. result.OrderBy(o => o.Option.Name, StringComparer.Ordinal)];
    }

    private StepOption? Value(OptionSpec spec, YNode node, DiagnosticBag diagnostics, Func<string, SourceLocation, string?> resolvePath)
    {
        StepOption? Bad(string why)
        {
            diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_provider}' {why}", node.Location);
            return null;
        }

        StepOption Scalar(string value) => new(spec.Name, spec.Kind, value, []);

        if (spec.Kind == OptionKind.ImageList)
        {
            if (node is not YSequence list || list.Items.Length == 0 || list.Items.Length > spec.Max || list.Items.Any(i => i is not YScalar))
            {
                return Bad($"takes a list of 1–{spec.Max} image paths");
            }

            var paths = ImmutableArray.CreateBuilder<string>();
            foreach (var item in list.Items.Cast<YScalar>())
            {
                if (Image(item, diagnostics, resolvePath) is { } path)
                {
                    paths.Add(path);
                }
            }

            return paths.Count == list.Items.Length ? new StepOption(spec.Name, spec.Kind, null, paths.ToImmutable()) : null;
        }

        if (node is not YScalar scalar || scalar.IsNull)
        {
            return Bad($"takes {Describe(spec)}");
        }

        var text = scalar.Value;
        switch (spec.Kind)
        {
            case OptionKind.Text:
                return text.Trim().Length == 0 ? Bad("must not be empty") : Scalar(text);
            case OptionKind.Flag:
                return text switch
                {
                    "true" or "True" or "TRUE" => Scalar("true"),
                    "false" or "False" or "FALSE" => Scalar("false"),
                    _ => Bad($"takes true or false (got '{text}')"),
                };
            case OptionKind.Integer:
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    return Bad($"takes a whole number (got '{text}')");
                }

                return n < spec.Min || n > spec.Max
                    ? Bad($"takes {spec.Min}–{spec.Max} (got {n}; nearest: {Math.Clamp(n, spec.Min, spec.Max)})")
                    : Scalar(n.ToString(CultureInfo.InvariantCulture));
            case OptionKind.Choice:
                return spec.Values.Contains(text, StringComparer.Ordinal)
                    ? Scalar(text)
                    : Bad($"takes {string.Join(", ", spec.Values)} (got '{text}'){(text.Length > 2 ? Suggestions.DidYouMean(text, spec.Values) : "")}");
            default:
                return Image(scalar, diagnostics, resolvePath) is { } image ? new StepOption(spec.Name, spec.Kind, null, [image]) : null;
        }
    }

    private string? Image(YScalar node, DiagnosticBag diagnostics, Func<string, SourceLocation, string?> resolvePath)
    {
        var ext = Path.GetExtension(node.Value).ToLowerInvariant();
        if (ext is not (".png" or ".jpg" or ".jpeg" or ".webp"))
        {
            diagnostics.Report(DiagnosticCodes.BadOption, $"'{node.Value}' is not a PNG, JPEG or WebP image (an option of '{_provider}' that takes images)", node.Location);
            return null;
        }

        return resolvePath(node.Value, node.Location);
    }

    private static string Describe(OptionSpec spec) => spec.Kind switch
    {
        OptionKind.Text => "text",
        OptionKind.Flag => "true or false",
        OptionKind.Integer => $"a whole number {spec.Min}–{spec.Max}",
        OptionKind.Choice => string.Join(", ", spec.Values),
        _ => "an image path",
    };
}
