using System.Globalization;
using System.Text;
using System.Text.Json;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;

namespace Reel.Engine.Reporting;

/// <summary>Plain renderings of a plan: aligned text for people and logs, and the JSON contract of design.md §7.</summary>
public static class PlanText
{
    public static readonly string[] Header = ["#", "step", "kind", "status", "reason", "model", "size", "sec", "cost", "time", "key"];

    public static IEnumerable<string[]> Rows(Plan plan) =>
        plan.Steps.Select((s, i) => new[]
        {
            (i + 1).ToString(CultureInfo.InvariantCulture),
            s.Id,
            Kind(s.Request),
            Status(s),
            s.Reason.Text(),
            s.Request.Kind is StepKind.Cut ? "-" : StepFacts.Model(s.Request),
            s.Request.Kind is StepKind.Character ? "-" : StepFacts.Size(s.Request).ToString(),
            s.Request.Kind is StepKind.Character ? "-" : Seconds(s.Request),
            Money(s.EstimatedCost),
            Duration(s.EstimatedDuration),
            s.Key[..8],
        });

    /// <summary>What the run will do with the step: <c>run</c> (submit, or fetch a locked job again), <c>force</c> (a re-roll), <c>reuse</c> or <c>cached</c>.</summary>
    public static string Status(PlannedStep s) => s.Status switch
    {
        StepStatus.Cached => "cached",
        StepStatus.Reuse => "reuse",
        _ => s.Reason == PlanReason.Forced ? "force" : "run",
    };

    public static string Kind(StepRequest r) => r is GenerateStep { LastFrameOf: not null } ? "last-frame" : r.Kind.ToString().ToLowerInvariant();

    public static string Seconds(StepRequest r) =>
        r is ExtendStep or GenerateStep { LastFrameOf: not null } && r is ClipStep clip
            ? $"+{clip.Seconds}={clip.TotalSeconds}"
            : StepFacts.TotalSeconds(r).ToString(CultureInfo.InvariantCulture);

    public static string Money(decimal amount) => "$" + amount.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>An estimate or a measured time as <see cref="HumanText.Duration"/> writes it; <c>-</c> when there is none.</summary>
    public static string Duration(TimeSpan t) => t == TimeSpan.Zero ? "-" : HumanText.Duration(t);

    public static string TotalsLine(Plan plan)
    {
        var reuse = plan.Steps.Count(s => s.Status == StepStatus.Reuse);
        var toRun = plan.Totals.ToRun - reuse;
        return $"{plan.Totals.Steps} step{(plan.Totals.Steps == 1 ? "" : "s")}, {toRun} to run, {(reuse > 0 ? $"{reuse} to reuse, " : "")}{plan.Totals.Steps - plan.Totals.ToRun} cached · estimated {Money(plan.Totals.EstimatedCost)}, ~{Duration(plan.Totals.EstimatedDuration)}";
    }

    public static string Title(Plan plan, string scriptDisplay) =>
        $"{plan.Script.Script.Title ?? Path.GetFileNameWithoutExtension(scriptDisplay)} ({scriptDisplay}) on {plan.Script.Provider}";

    /// <summary>The aligned table with a totals line, as printed when stdout is not a terminal.</summary>
    public static string Render(Plan plan, string scriptDisplay)
    {
        var rows = Rows(plan).ToList();
        var widths = Header.Select((h, c) => Math.Max(h.Length, rows.Select(r => r[c].Length).DefaultIfEmpty(0).Max())).ToArray();
        var right = new HashSet<int> { 0, 7, 8, 9 };
        var sb = new StringBuilder();
        sb.Append("plan: ").Append(Title(plan, scriptDisplay)).Append('\n');
        void Line(string[] cells) =>
            sb.Append(string.Join("  ", cells.Select((c, i) => right.Contains(i) ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd()).Append('\n');
        Line(Header);
        foreach (var r in rows)
        {
            Line(r);
        }

        sb.Append(TotalsLine(plan)).Append('\n');
        return sb.ToString();
    }

    /// <summary><c>plan --json</c>: one object, steps in run order (design.md §7).</summary>
    public static string Json(Plan plan, string scriptDisplay)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("script", scriptDisplay);
            w.WriteString("provider", plan.Script.Provider);
            w.WriteStartArray("steps");
            foreach (var s in plan.Steps)
            {
                var r = s.Request;
                w.WriteStartObject();
                w.WriteString("id", s.Id);
                w.WriteString("source", r.Source);
                w.WriteString("kind", Kind(r));
                w.WriteNumber("take", StepFacts.Take(r));
                w.WriteStartArray("needs");
                foreach (var n in r.Needs)
                {
                    w.WriteStringValue(n);
                }

                w.WriteEndArray();
                w.WriteString("model", StepFacts.Model(r));
                w.WriteString("size", StepFacts.Size(r).ToString());
                w.WriteNumber("seconds", StepFacts.TotalSeconds(r));
                w.WriteString("prompt", StepFacts.Prompt(r));
                w.WriteString("key", s.Key);
                w.WriteString("status", Status(s));
                w.WriteString("reason", s.Reason.Text());
                w.WriteNumber("estimatedCost", s.EstimatedCost);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("totals");
            w.WriteNumber("steps", plan.Totals.Steps);
            w.WriteNumber("toRun", plan.Totals.ToRun);
            w.WriteNumber("estimatedCost", plan.Totals.EstimatedCost);
            w.WriteNumber("estimatedSeconds", Math.Round(plan.Totals.EstimatedDuration.TotalSeconds, 1));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
