using System.Globalization;
using System.Text;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;

namespace Reel.Engine.Reporting;

/// <summary>
/// The providers' capability tables as Markdown: a comparison, every model, every option. <c>reel providers</c>
/// prints it and the provider section of docs/providers.md is this text (a test keeps them equal).
/// </summary>
public static class CapabilityTable
{
    public static string Markdown() => Markdown(ProviderCatalog.Entries.Select(e => e.Capabilities));

    /// <summary>The same tables for <paramref name="providers"/> only (<c>reel providers NAME</c>).</summary>
    public static string Markdown(IEnumerable<ProviderCapabilities> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        var tables = providers.ToList();
        var text = new StringBuilder();
        text.Append("| | ").AppendJoin(" | ", tables.Select(t => $"`{t.Provider}`")).Append(" |\n");
        text.Append("|---|").AppendJoin("", tables.Select(_ => "---|")).Append('\n');
        Row(text, "What", tables, t => t.Description);
        Row(text, "Models (default first)", tables, t => t.AnyModel ? "any name" : string.Join(", ", new[] { t.DefaultModel }.Concat(t.Models.Select(m => m.Id).Where(id => id != t.DefaultModel)).Select(id => $"`{id}`")));
        Row(text, "Sizes", tables, t => t.AnyModel ? $"any even size, {t.MinSide}–{t.MaxSide} px a side" : string.Join(", ", t.Models.SelectMany(m => m.Sizes).Distinct().Select(s => s.ToString())));
        Row(text, "Seconds", tables, t => t.AnyModel ? $"{t.MinSeconds}–{t.MaxSeconds}" : string.Join(", ", t.Models.SelectMany(m => m.Seconds).Distinct().Order()));
        Row(text, "First-frame `image`", tables, t => Feature(t, ModelFeatures.Image));
        Row(text, "Last frame", tables, t => OptionCell(t, "last_frame"));
        Row(text, "Reference images", tables, t => OptionCell(t, "reference_images"));
        Row(text, "Characters", tables, t => Feature(t, ModelFeatures.Characters) + (t.SupportsCharacters && t.MaxCharacters < int.MaxValue ? $", ≤ {t.MaxCharacters} a clip" : "")
            + (t.SupportsCharacters && t.CharactersAsImages ? ", each sent as the first frame of its `video`" : ""));
        Row(text, "`extend` (native)", tables, t => t.SupportsExtend ? Feature(t, ModelFeatures.Extend) + Extension(t) : "no (continues from the last frame)");
        Row(text, "Edits", tables, t => Feature(t, ModelFeatures.Edit));
        Row(text, "Several shots in one clip (`shots:`)", tables, t => t.MultiShot is { } shots
            ? Feature(t, ModelFeatures.MultiShot) + $", ≤ {shots.MaxShots} shots" + (shots.MaxPromptLength < int.MaxValue ? $", ≤ {shots.MaxPromptLength} characters a shot" : "") + (shots.TakesLastFrame ? "" : ", no `last_frame`")
            : "no");
        Row(text, "Seed", tables, t => t.TakesSeed ? "derived from the step key, in the lock" + (t.FindOption("seed") is null ? "" : "; `seed` pins it") : "no");
        Row(text, "Audio", tables, t => t.FindOption("generate_audio") is null ? (t.Provider is "veo" ? "Veo 3 models always" : t.Provider == "local" ? "no" : "the model's") : "`generate_audio`");
        Row(text, "Other options", tables, t => string.Join(", ", t.Options.Where(o => o.Name is not ("last_frame" or "reference_images" or "seed" or "generate_audio")).Select(o => $"`{o.Name}`")) is { Length: > 0 } s ? s : "—");
        Row(text, "A submit whose answer was lost", tables, t => t.CanReconcile ? "found again in the job list" : "reported; `--resubmit-unanswered` pays again");
        Row(text, "Environment", tables, t => t.Environment.IsEmpty ? "—" : string.Join(", ", t.Environment.Select(e => $"`{e}`")));

        text.Append("\n| Provider | Model | Sizes | Seconds | USD / s | Notes |\n|---|---|---|---|---|---|\n");
        foreach (var t in tables.Where(t => !t.AnyModel))
        {
            foreach (var m in t.Models)
            {
                var seconds = string.Join(", ", m.Seconds) + string.Concat(m.SecondsBySize.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"; {p.Key}: {string.Join(", ", p.Value)}"));
                var price = m.PricePerSecondBySize.IsEmpty
                    ? m.PricePerSecond.ToString("0.00", CultureInfo.InvariantCulture)
                    : string.Join(", ", m.Sizes.Select(s => m.PriceFor(s)).Distinct().Select(p => p.ToString("0.00", CultureInfo.InvariantCulture)));
                text.Append(CultureInfo.InvariantCulture, $"| `{t.Provider}` | `{m.Id}` | {string.Join(", ", m.Sizes)} | {seconds} | {price} | {Escape(m.Note ?? "")} |\n");
            }
        }

        text.Append("\n| Provider | Option | Value | Applies to | What |\n|---|---|---|---|---|\n");
        foreach (var t in tables)
        {
            foreach (var o in t.Options)
            {
                var scope = new List<string>();
                scope.Add(o.Models.IsDefaultOrEmpty ? "every model" : string.Join(", ", o.Models.Select(m => $"`{m}`")));
                if (o.GenerateOnly)
                {
                    scope.Add("new clips only");
                }

                if (o.OnlySeconds is { } only)
                {
                    scope.Add($"{only} s clips");
                }

                if (o.NeedsImage)
                {
                    scope.Add("with `image`");
                }

                if (o.ExcludesImage)
                {
                    scope.Add("without `image`");
                }

                if (o.DropsSeed)
                {
                    scope.Add("no seed is sent");
                }

                text.Append(CultureInfo.InvariantCulture, $"| `{t.Provider}` | `{o.Name}` | {Escape(o.Shape)} | {string.Join("; ", scope)} | {Escape(o.Description)} |\n");
            }
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, List<ProviderCapabilities> tables, Func<ProviderCapabilities, string> cell) =>
        text.Append("| ").Append(name).Append(" | ").AppendJoin(" | ", tables.Select(t => Escape(cell(t)))).Append(" |\n");

    private static string Feature(ProviderCapabilities t, ModelFeatures feature)
    {
        if (t.AnyModel)
        {
            return t.Supports(t.DefaultModel, feature) ? "yes" : "no";
        }

        var models = t.Models.Where(m => t.Supports(m.Id, feature)).Select(m => m.Id).ToList();
        return models.Count == 0 ? "no" : models.Count == t.Models.Length ? "yes" : string.Join(", ", models.Select(m => $"`{m}`"));
    }

    private static string OptionCell(ProviderCapabilities t, string name) =>
        t.FindOption(name) is { } o ? $"`{o.Name}`" + (o.Models.IsDefaultOrEmpty ? "" : $" ({string.Join(", ", o.Models.Select(m => $"`{m}`"))})") : t.Provider == "local" ? "accepted, ignored" : "no";

    private static string Extension(ProviderCapabilities t) =>
        (t.ExtensionSeconds.IsDefaultOrEmpty ? "" : $", +{string.Join("/", t.ExtensionSeconds)} s")
        + (t.MaxTotalSeconds < int.MaxValue ? $", ≤ {t.MaxTotalSeconds} s in all" : "");

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
