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
    private readonly Func<ImmutableArray<OptionSpec>> _buildSpecs;
    private ImmutableArray<OptionSpec> _specs;

    private OptionBinder(string provider, Func<ImmutableArray<OptionSpec>> specs)
    {
        _provider = provider;
        _buildSpecs = specs;
    }

    // Built on first use: for 'local' it needs every provider's table, which a script without options never does.
    // A default-array field, not Lazy<ImmutableArray<…>>: that value-type instantiation is JIT-compiled on every cold start.
    private ImmutableArray<OptionSpec> Specs => _specs.IsDefault ? _specs = _buildSpecs() : _specs;

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

    public ImmutableArray<OptionSetting> Bind(YMapping map, DiagnosticBag diagnostics, Func<string, SourceLocation, bool, string?> resolvePath)
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
                result.Add(new OptionSetting(option, entry.Key.Location)
                {
                    Entries = entry.Value is YMapping entries && spec.Kind == OptionKind.Map
                        ? entries.Entries.DistinctBy(e => e.Key.Value).ToImmutableSortedDictionary(e => e.Key.Value, e => e.Value.Location, StringComparer.Ordinal)
                        : ImmutableSortedDictionary<string, SourceLocation>.Empty,
                });
            }
        }

        return [.. result.OrderBy(o => o.Option.Name, StringComparer.Ordinal)];
    }

    private StepOption? Value(OptionSpec spec, YNode node, DiagnosticBag diagnostics, Func<string, SourceLocation, bool, string?> resolvePath)
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

        if (spec.Kind == OptionKind.Map)
        {
            return Map(spec, node, diagnostics);
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
            case OptionKind.Decimal:
                return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d)
                    ? Scalar(d.ToString(CultureInfo.InvariantCulture))
                    : Bad($"takes a number ≥ 0 such as 0.02 (got '{text}')");
            case OptionKind.File:
                var extension = Path.GetExtension(text).ToLowerInvariant();
                return !spec.Values.Contains(extension, StringComparer.Ordinal)
                    ? Bad($"takes a {string.Join(" or ", spec.Values)} file (got '{text}')")
                    : resolvePath(text, scalar.Location, false) is { } file ? new StepOption(spec.Name, spec.Kind, null, [file]) : null;
            default:
                return Image(scalar, diagnostics, resolvePath) is { } image ? new StepOption(spec.Name, spec.Kind, null, [image]) : null;
        }
    }

    /// <summary>A map of names from <see cref="OptionSpec.Values"/> to non-empty text, as canonical JSON with sorted keys.</summary>
    private StepOption? Map(OptionSpec spec, YNode node, DiagnosticBag diagnostics)
    {
        if (node is not YMapping map || map.Entries.Length == 0)
        {
            diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_provider}' takes {Describe(spec)}", node.Location);
            return null;
        }

        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var ok = true;
        foreach (var entry in map.Entries)
        {
            var key = entry.Key.Value;
            if (!spec.Values.Contains(key, StringComparer.Ordinal))
            {
                diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_provider}' has no field '{key}'{Suggestions.DidYouMean(key, spec.Values)} (fields: {string.Join(", ", spec.Values)})", entry.Key.Location);
                ok = false;
            }
            else if (entry.Value is not YScalar { IsNull: false } value || value.Value.Trim().Length == 0)
            {
                diagnostics.Report(DiagnosticCodes.BadOption, $"option '{spec.Name}' on '{_provider}': '{key}' takes text such as \"6.text\"", entry.Value.Location);
                ok = false;
            }
            else
            {
                values[key] = value.Value.Trim();
            }
        }

        return ok ? new StepOption(spec.Name, spec.Kind, System.Text.Json.JsonSerializer.Serialize(values), []) : null;
    }

    private string? Image(YScalar node, DiagnosticBag diagnostics, Func<string, SourceLocation, bool, string?> resolvePath)
    {
        var ext = Path.GetExtension(node.Value).ToLowerInvariant();
        if (ext is not (".png" or ".jpg" or ".jpeg" or ".webp"))
        {
            diagnostics.Report(DiagnosticCodes.BadOption, $"'{node.Value}' is not a PNG, JPEG or WebP image (an option of '{_provider}' that takes images)", node.Location);
            return null;
        }

        return resolvePath(node.Value, node.Location, true);
    }

    private static string Describe(OptionSpec spec) => spec.Kind switch
    {
        OptionKind.Text => "text",
        OptionKind.Flag => "true or false",
        OptionKind.Integer => $"a whole number {spec.Min}–{spec.Max}",
        OptionKind.Choice => string.Join(", ", spec.Values),
        OptionKind.Map => $"a map from {string.Join(", ", spec.Values)} to text",
        OptionKind.Decimal => "a number ≥ 0",
        OptionKind.File => $"a {string.Join(" or ", spec.Values)} file path",
        _ => "an image path",
    };
}
