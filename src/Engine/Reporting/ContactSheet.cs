using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;
using Reel.Engine.Execution;
using Reel.Engine.Prompts;
using Reel.Engine.Storage;

namespace Reel.Engine.Reporting;

/// <summary>How the sheet links its files: from disk (<c>out/report.html</c>) or through the review server.</summary>
/// <param name="Href">The link to a file given relative to the script's directory (<c>out/shots/open.mp4</c>).</param>
/// <param name="Live">The review page: a pick button per take, and updates pushed by the server.</param>
public sealed record SheetLinks(Func<string, string> Href, bool Live = false);

/// <summary>
/// The contact sheet: every step of the storyboard grouped under its scene (takes side by side, matrix cells as a grid),
/// the picked take marked, a thumbnail and an inline player per clip. <c>out/report.html</c> opens from disk, no
/// server; <c>reel review</c> serves the live version of the same page.
/// </summary>
public static partial class ContactSheet
{
    /// <summary>The whole page.</summary>
    public static string Render(Sheet sheet, SheetLinks links) => RenderInto(sheet, links).ToString();

    /// <summary>The page in a builder: <see cref="Write"/> compares it with the file on disk without making it one string.</summary>
    private static StringBuilder RenderInto(Sheet sheet, SheetLinks links)
    {
        ArgumentNullException.ThrowIfNull(sheet);
        ArgumentNullException.ThrowIfNull(links);
        // Sized for a thousand characters a step: one buffer, not a doubling chain, for a large storyboard's sheet.
        var sb = new StringBuilder(ContactSheetAssets.Css.Length + ContactSheetAssets.Script.Length + ContactSheetAssets.LiveScript.Length + 4096 + (1024 * sheet.Entries.Count()));
        sb.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append("<title>").Append(E(sheet.Title)).Append(" — Reel contact sheet</title>\n<style>\n").Append(ContactSheetAssets.Css).Append("</style></head><body>\n");
        sb.Append("<main id=\"sheet\">");
        AppendBody(sb, sheet, links);
        sb.Append("</main>\n");
        sb.Append("<script>\n").Append(ContactSheetAssets.Script).Append(links.Live ? ContactSheetAssets.LiveScript : "").Append("</script>\n</body></html>\n");
        return sb;
    }

    /// <summary>The page's content (what the live page swaps in when something changes).</summary>
    public static string Body(Sheet sheet, SheetLinks links)
    {
        ArgumentNullException.ThrowIfNull(sheet);
        ArgumentNullException.ThrowIfNull(links);
        var sb = new StringBuilder();
        AppendBody(sb, sheet, links);
        return sb.ToString();
    }

    private static void AppendBody(StringBuilder sb, Sheet sheet, SheetLinks links)
    {
        sb.Append("<header><h1>").Append(E(sheet.Title)).Append("</h1><p class=\"meta\">")
            .Append(E(sheet.ScriptName)).Append(" · provider <b>").Append(E(sheet.Provider)).Append("</b> · ")
            .Append(sheet.Entries.Count().ToString(CultureInfo.InvariantCulture)).Append(" steps · ").Append(E(sheet.Summary)).Append("</p>")
            .Append(links.Live ? "<p class=\"status\" role=\"status\" aria-live=\"polite\"></p>" : "").Append("</header>\n");
        foreach (var group in sheet.Groups)
        {
            Group(sb, group, links);
        }

        sb.Append("<footer>key prefixes: ");
        sb.Append(E(string.Join(" · ", sheet.Entries.Select(e => $"{e.Step.Id} {e.Step.Key[..8]}"))));
        sb.Append("</footer>\n");
    }

    private static void Group(StringBuilder sb, SheetGroup group, SheetLinks links)
    {
        var count = group.Entries.Length.ToString(CultureInfo.InvariantCulture);
        var clips = group.Entries.Count(e => e.Clip is not null && e.Step.Request.Kind != StepKind.Character);
        sb.Append("<section class=\"group ").Append(group.Kind.ToString().ToLowerInvariant()).Append("\" data-source=\"").Append(E(group.Source))
            .Append("\" data-count=\"").Append(count).Append("\"><h2>").Append(E(group.Source)).Append(" <span class=\"dim\">")
            .Append(E(GroupNote(group))).Append("</span></h2>");
        if (clips > 1)
        {
            // One control for every take of the scene: compare them side by side, in step.
            sb.Append("<div class=\"compare\"><button type=\"button\" class=\"cmp-play\">▶ play all</button>")
                .Append("<input type=\"range\" class=\"cmp-scrub\" min=\"0\" max=\"1000\" value=\"0\" aria-label=\"Scrub all takes of ")
                .Append(E(group.Source)).Append("\"></div>");
        }

        sb.Append("<div class=\"takes\" style=\"grid-template-columns:repeat(").Append(Math.Min(group.Columns, 4).ToString(CultureInfo.InvariantCulture))
            .Append(", minmax(240px, 1fr))\">\n");
        foreach (var entry in group.Entries)
        {
            Card(sb, entry, links);
        }

        sb.Append("</div></section>\n");
    }

    private static string GroupNote(SheetGroup group)
    {
        var parts = new List<string> { PlanText.Kind(group.Entries[0].Step.Request) };
        if (!group.Axes.IsEmpty)
        {
            parts.Add("matrix " + string.Join(" × ", group.Axes));
        }

        if (group.Takes > 1)
        {
            parts.Add($"{group.Takes} takes");
        }

        return string.Join(" · ", parts);
    }

    private static void Card(StringBuilder sb, SheetEntry entry, SheetLinks links)
    {
        var step = entry.Step;
        var req = step.Request;
        var r = entry.Result;
        sb.Append("<article class=\"card").Append(entry.Picked ? " picked" : "").Append("\" data-step=\"").Append(E(step.Id)).Append("\">");
        if (entry.Clip is not null && req.Kind != StepKind.Character)
        {
            var clip = links.Href(entry.Export);
            sb.Append("<div class=\"media\"");
            if (entry.SpritesheetExport is { } sprites && entry.SpriteGrid is { } grid)
            {
                // The grid travels with the sheet: the page maps the mouse's x to a tile without opening the image.
                sb.Append(" data-sprite=\"").Append(E(links.Href(sprites))).Append("\" data-sprite-columns=\"")
                    .Append(grid.Columns.ToString(CultureInfo.InvariantCulture)).Append("\" data-sprite-rows=\"")
                    .Append(grid.Rows.ToString(CultureInfo.InvariantCulture)).Append('"');
            }

            sb.Append('>');
            sb.Append(entry.ThumbnailExport is { } thumb
                ? $"<img class=\"thumb\" loading=\"lazy\" src=\"{E(links.Href(thumb))}\" alt=\"{E(step.Id)}\">"
                : "<div class=\"missing thumb\">no thumbnail</div>");
            if (entry.SpritesheetExport is not null)
            {
                sb.Append("<div class=\"scrub\" hidden></div>");
            }

            sb.Append("<video class=\"player\" preload=\"none\" playsinline controls hidden src=\"").Append(E(clip)).Append("\"></video>");
            sb.Append("<button type=\"button\" class=\"play\" aria-label=\"Play ").Append(E(step.Id)).Append("\">▶</button></div>");
        }
        else
        {
            sb.Append("<div class=\"missing\">").Append(req.Kind == StepKind.Character ? "character" : "no clip").Append("</div>");
        }

        sb.Append("<div class=\"body\"><h3>").Append(E(step.Id)).Append(' ').Append(Badge(entry.State));
        if (entry.Picked)
        {
            sb.Append(" <span class=\"badge pick\">picked</span>");
        }

        if (entry.Earlier)
        {
            sb.Append(" <span class=\"badge earlier\" title=\"the latest locked clip; the script now asks for another\">earlier clip</span>");
        }

        sb.Append("</h3>");
        if (links.Live && step.Id.Take > 0)
        {
            sb.Append("<button type=\"button\" class=\"pick-button\" data-pick=\"").Append(E(step.Id)).Append("\" aria-label=\"Pick ").Append(E(step.Id)).Append("\"")
                .Append(entry.Picked ? " aria-pressed=\"true\" disabled" : " aria-pressed=\"false\"").Append(">Pick</button>");
        }

        sb.Append("<p class=\"prompt\">").Append(E(StepFacts.Prompt(req))).Append("</p><dl>");
        Item(sb, "kind", PlanText.Kind(req));
        if (req.Kind is not (StepKind.Character or StepKind.Cut))
        {
            Item(sb, "model", StepFacts.Model(req));
            Item(sb, "size", StepFacts.Size(req).ToString());
        }

        if (req.Kind != StepKind.Character)
        {
            Item(sb, "seconds", PlanText.Seconds(req));
        }

        Item(sb, "cost", PlanText.Money(r?.Cost ?? 0m));
        if (r is { Outcome: StepOutcome.Done })
        {
            Item(sb, "time", PlanText.Duration(r.Duration));
        }

        if (r?.Job is { } job)
        {
            Item(sb, "job", job);
        }

        if (!req.Needs.IsEmpty)
        {
            Item(sb, "from", string.Join(", ", req.Needs));
        }

        if (r?.Error is { } error)
        {
            Item(sb, "error", error);
        }

        if (entry.Clip is not null && req.Kind != StepKind.Character)
        {
            sb.Append("<dt>file</dt><dd><a href=\"").Append(E(links.Href(entry.Export))).Append("\">").Append(E(entry.Export)).Append("</a></dd>");
        }

        sb.Append("</dl></div></article>\n");
    }

    /// <summary>A state's badge; its class is the state without a qualifier in brackets (<c>cached (remote)</c> is styled as <c>cached</c>).</summary>
    private static string Badge(string state) => $"<span class=\"badge {E((state.IndexOf(" (", StringComparison.Ordinal) is var q and > 0 ? state[..q] : state).Replace(' ', '-'))}\">{E(state)}</span>";

    private static void Item(StringBuilder sb, string name, string value) =>
        sb.Append("<dt>").Append(E(name)).Append("</dt><dd>").Append(E(value)).Append("</dd>");

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
