using System.Text;
using Reel.Engine.Prompts;

namespace Reel.Engine.Reporting;

/// <summary>The step graph as Mermaid or Graphviz DOT text.</summary>
public static class GraphText
{
    public static string Mermaid(IReadOnlyList<StepRequest> steps)
    {
        var ids = steps.Select((s, i) => (s.Id, Node: "s" + i)).ToDictionary(x => x.Id, x => x.Node);
        var sb = new StringBuilder("flowchart LR\n");
        foreach (var s in steps)
        {
            var label = $"{s.Id}<br/><i>{s.Kind.ToString().ToLowerInvariant()}</i>".Replace("\"", "#quot;", StringComparison.Ordinal);
            var (open, close) = s.Kind switch
            {
                StepKind.Character => ("([", "])"),
                StepKind.Cut => ("[[", "]]"),
                _ => ("[", "]"),
            };
            sb.Append($"  {ids[s.Id]}{open}\"{label}\"{close}\n");
        }

        foreach (var s in steps)
        {
            foreach (var n in s.Needs)
            {
                sb.Append($"  {ids[n]} --> {ids[s.Id]}\n");
            }
        }

        return sb.ToString();
    }

    public static string Dot(IReadOnlyList<StepRequest> steps)
    {
        var sb = new StringBuilder("digraph reel {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
        foreach (var s in steps)
        {
            var shape = s.Kind switch
            {
                StepKind.Character => "ellipse",
                StepKind.Cut => "box3d",
                _ => "box",
            };
            sb.Append($"  {Quote(s.Id)} [label={Quote($"{s.Id}\\n{s.Kind.ToString().ToLowerInvariant()}")}, shape={shape}];\n");
        }

        foreach (var s in steps)
        {
            foreach (var n in s.Needs)
            {
                sb.Append($"  {Quote(n)} -> {Quote(s.Id)};\n");
            }
        }

        return sb.Append("}\n").ToString();
    }

    /// <summary>
    /// <c>graph --format json</c>: <c>{"steps":[{"id","source","kind","needs":[…]}],"edges":[{"from","to"}]}</c>, steps in
    /// run order (every step after the steps it needs).
    /// </summary>
    public static string Json(IReadOnlyList<StepRequest> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("steps");
            foreach (var s in steps)
            {
                w.WriteStartObject();
                w.WriteString("id", s.Id);
                w.WriteString("source", s.Source);
                w.WriteString("kind", PlanText.Kind(s));
                w.WriteStartArray("needs");
                foreach (var n in s.Needs)
                {
                    w.WriteStringValue(n);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("edges");
            foreach (var s in steps)
            {
                foreach (var n in s.Needs)
                {
                    w.WriteStartObject();
                    w.WriteString("from", n);
                    w.WriteString("to", s.Id);
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string Quote(string s) => "\"" + s.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
