using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;
using Reel.Engine.Execution;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Storage;

namespace Reel.Engine.Reporting;

/// <summary><c>out/report.html</c>: a self-contained contact sheet that opens from disk, no server.</summary>
public static class ContactSheet
{
    public static void Write(Plan plan, RunResult result, Workspace workspace, ImmutableArray<ExportedFile> exported)
    {
        var path = Path.Combine(workspace.OutDirectory, "report.html");
        Directory.CreateDirectory(workspace.OutDirectory);
        var html = Render(plan, result, workspace, exported);
        var temp = path + ".tmp";
        File.WriteAllText(temp, html);
        File.Move(temp, path, overwrite: true);
    }

    public static string Render(Plan plan, RunResult result, Workspace workspace, ImmutableArray<ExportedFile> exported)
    {
        var files = exported.ToDictionary(e => e.StepId, e => Path.GetRelativePath(workspace.OutDirectory, e.Path).Replace('\\', '/'), StringComparer.Ordinal);
        var script = plan.Script.Script;
        var title = script.Title ?? Path.GetFileNameWithoutExtension(workspace.ScriptPath);
        var sb = new StringBuilder();
        sb.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append("<title>").Append(E(title)).Append(" — Reel contact sheet</title>\n<style>\n").Append(Css).Append("</style></head><body>\n");
        sb.Append("<header><h1>").Append(E(title)).Append("</h1><p class=\"meta\">")
            .Append(E(Path.GetFileName(workspace.ScriptPath))).Append(" · provider <b>").Append(E(plan.Script.Provider)).Append("</b> · ")
            .Append(plan.Steps.Length.ToString(CultureInfo.InvariantCulture)).Append(" steps · spent ").Append(E(PlanText.Money(result.Spent)))
            .Append(" · ").Append(Count(result, StepOutcome.Done)).Append(" rendered, ").Append(Count(result, StepOutcome.Reused)).Append(" reused, ").Append(Count(result, StepOutcome.Cached)).Append(" cached, ")
            .Append(Count(result, StepOutcome.Failed)).Append(" failed, ").Append(Count(result, StepOutcome.Skipped)).Append(" skipped</p></header>\n");

        var cuts = plan.Steps.Where(s => s.Request is CutStep).ToList();
        if (cuts.Count > 0)
        {
            sb.Append("<section><h2>Cuts</h2><div class=\"cuts\">\n");
            foreach (var cut in cuts)
            {
                var r = result.Find(cut.Id);
                var request = (CutStep)cut.Request;
                sb.Append("<figure class=\"cut\">");
                if (files.TryGetValue(cut.Id, out var file))
                {
                    sb.Append("<video controls preload=\"metadata\" src=\"").Append(E(file)).Append("\"></video>");
                }
                else
                {
                    sb.Append("<div class=\"missing\">not rendered</div>");
                }

                sb.Append("<figcaption><b>").Append(E(cut.Id)).Append("</b> ").Append(Badge(r)).Append(" · ")
                    .Append(request.TotalSeconds.ToString(CultureInfo.InvariantCulture)).Append(" s · shots: ")
                    .Append(E(string.Join(", ", request.Shots))).Append(file is null ? "" : $" · <a href=\"{E(file)}\">{E(request.Output)}</a>")
                    .Append("</figcaption></figure>\n");
            }

            sb.Append("</div></section>\n");
        }

        sb.Append("<section><h2>Shots</h2><div class=\"grid\">\n");
        foreach (var step in plan.Steps.Where(s => s.Request.Kind != StepKind.Cut))
        {
            var r = result.Find(step.Id);
            var req = step.Request;
            sb.Append("<article class=\"card\">");
            if (files.TryGetValue(step.Id, out var clip))
            {
                var thumb = Path.ChangeExtension(clip, ".thumb.webp");
                sb.Append("<a href=\"").Append(E(clip)).Append("\" title=\"play\">");
                sb.Append(r?.Thumbnail is not null ? $"<img loading=\"lazy\" src=\"{E(thumb)}\" alt=\"{E(step.Id)}\">" : "<div class=\"missing\">▶</div>");
                sb.Append("</a>");
            }
            else
            {
                sb.Append("<div class=\"missing\">").Append(req.Kind == StepKind.Character ? "character" : "no clip").Append("</div>");
            }

            sb.Append("<div class=\"body\"><h3>").Append(E(step.Id)).Append(' ').Append(Badge(r)).Append("</h3>");
            sb.Append("<p class=\"prompt\">").Append(E(StepFacts.Prompt(req))).Append("</p><dl>");
            Item(sb, "kind", PlanText.Kind(req));
            Item(sb, "model", StepFacts.Model(req));
            if (req.Kind != StepKind.Character)
            {
                Item(sb, "size", StepFacts.Size(req).ToString());
                Item(sb, "seconds", PlanText.Seconds(req));
            }

            Item(sb, "cost", PlanText.Money(r?.Cost ?? 0m));
            Item(sb, "time", r is null || r.Outcome != StepOutcome.Done ? "-" : PlanText.Duration(r.Duration));
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

            sb.Append("</dl></div></article>\n");
        }

        sb.Append("</div></section>\n<footer>key prefixes: ");
        sb.Append(E(string.Join(" · ", plan.Steps.Select(s => $"{s.Id} {s.Key[..8]}"))));
        sb.Append("</footer>\n</body></html>\n");
        return sb.ToString();
    }

    private static string Count(RunResult result, StepOutcome outcome) =>
        result.Steps.Count(s => s.Outcome == outcome).ToString(CultureInfo.InvariantCulture);

    private static string Badge(StepResult? r)
    {
        var outcome = r?.Outcome.ToString().ToLowerInvariant() ?? "skipped";
        return $"<span class=\"badge {outcome}\">{outcome}</span>";
    }

    private static void Item(StringBuilder sb, string name, string value) =>
        sb.Append("<dt>").Append(E(name)).Append("</dt><dd>").Append(E(value)).Append("</dd>");

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private const string Css = """
        :root { color-scheme: dark; --bg:#111; --card:#1b1b1d; --fg:#eee; --dim:#999; --accent:#f5b642; }
        body { margin:0; padding:24px; background:var(--bg); color:var(--fg); font:14px/1.45 system-ui, sans-serif; }
        header h1 { margin:0 0 4px; font-size:24px; } .meta { color:var(--dim); margin:0 0 16px; }
        h2 { font-size:16px; text-transform:uppercase; letter-spacing:.08em; color:var(--dim); }
        .cuts { display:flex; flex-wrap:wrap; gap:16px; } .cut { margin:0; max-width:640px; }
        .cut video { width:100%; background:#000; border-radius:8px; } figcaption { color:var(--dim); margin-top:4px; }
        .grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(260px, 1fr)); gap:16px; }
        .card { background:var(--card); border-radius:10px; overflow:hidden; }
        .card img, .missing { display:block; width:100%; aspect-ratio:16/9; object-fit:contain; background:#000; }
        .missing { display:flex; align-items:center; justify-content:center; color:var(--dim); }
        .body { padding:10px 12px; } .body h3 { margin:0 0 6px; font-size:15px; }
        .prompt { color:#ccc; white-space:pre-wrap; margin:0 0 8px; }
        dl { display:grid; grid-template-columns:auto 1fr; gap:2px 10px; margin:0; color:var(--dim); font-size:12px; }
        dd { margin:0; color:var(--fg); overflow-wrap:anywhere; }
        .badge { font-size:11px; padding:1px 6px; border-radius:8px; vertical-align:middle; background:#333; }
        .badge.done { background:#1f5f2f; } .badge.cached { background:#244a6b; } .badge.failed { background:#7a1f1f; } .badge.skipped { background:#444; }
        a { color:var(--accent); } footer { margin-top:24px; color:#555; font-size:11px; }

        """;
}
