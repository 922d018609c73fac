using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Reel.Engine.Core;

namespace Reel.Engine.Reporting;

/// <summary>
/// Diagnostics for machines: <c>validate --json</c>, GitHub Actions workflow commands (<c>--format github</c>)
/// and SARIF 2.1.0 (<c>--format sarif</c>, for code-scanning tools). Positions are the 1-based ones the text
/// output shows; a diagnostic without a position has none here either.
/// </summary>
public static class DiagnosticFormats
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <c>{"script","valid","provider","steps","errors","warnings","diagnostics":[{"file","line","column","code","severity","message","help"}]}</c>;
    /// <paramref name="provider"/> and <paramref name="steps"/> are null when the script did not compile.
    /// </summary>
    public static string Json(string script, IReadOnlyCollection<Diagnostic> diagnostics, string? provider, int? steps)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteString("script", script);
            var errors = diagnostics.Count(d => d.Severity == Severity.Error);
            w.WriteBoolean("valid", errors == 0);
            WriteStringOrNull(w, "provider", provider);
            if (steps is { } count)
            {
                w.WriteNumber("steps", count);
            }
            else
            {
                w.WriteNull("steps");
            }

            w.WriteNumber("errors", errors);
            w.WriteNumber("warnings", diagnostics.Count - errors);
            w.WriteStartArray("diagnostics");
            foreach (var d in diagnostics)
            {
                w.WriteStartObject();
                WriteStringOrNull(w, "file", d.Location.File is { Length: > 0 } file ? file : null);
                WritePosition(w, "line", d.Location.Line);
                WritePosition(w, "column", d.Location.Column);
                w.WriteString("code", d.Code);
                w.WriteString("severity", SeverityText(d.Severity));
                w.WriteString("message", d.Message);
                WriteStringOrNull(w, "help", DiagnosticCodes.Find(d.Code)?.HelpLink);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// One GitHub Actions workflow command per diagnostic (<c>::error file=s.yaml,line=4,col=5,title=RL0110::message</c>),
    /// which the runner shows as an annotation on that line of the pull request.
    /// </summary>
    public static string GitHub(IEnumerable<Diagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var text = new StringBuilder();
        foreach (var d in diagnostics)
        {
            var properties = new List<string>();
            if (d.Location.File is { Length: > 0 } file)
            {
                properties.Add("file=" + Property(file.Replace('\\', '/')));
                if (d.Location.IsKnown)
                {
                    properties.Add($"line={d.Location.Line}");
                    properties.Add($"col={Math.Max(1, d.Location.Column)}");
                }
            }

            properties.Add("title=" + Property(d.Code));
            text.Append("::").Append(SeverityText(d.Severity)).Append(' ').AppendJoin(',', properties).Append("::").Append(Data(d.Message)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A SARIF 2.1.0 log with one run of the tool <c>reel</c>: a rule per code that occurs, a result per diagnostic.</summary>
    public static string Sarif(IReadOnlyCollection<Diagnostic> diagnostics, string toolVersion)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var codes = diagnostics.Select(d => d.Code).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            w.WriteString("version", "2.1.0");
            w.WriteStartArray("runs");
            w.WriteStartObject();
            w.WriteStartObject("tool");
            w.WriteStartObject("driver");
            w.WriteString("name", "reel");
            w.WriteString("version", toolVersion);
            w.WriteStartArray("rules");
            foreach (var code in codes)
            {
                var descriptor = DiagnosticCodes.Find(code);
                w.WriteStartObject();
                w.WriteString("id", code);
                if (descriptor is not null)
                {
                    w.WriteStartObject("shortDescription");
                    w.WriteString("text", descriptor.Title);
                    w.WriteEndObject();
                    w.WriteStartObject("help");
                    w.WriteString("text", "See " + descriptor.HelpLink);
                    w.WriteEndObject();
                    w.WriteStartObject("defaultConfiguration");
                    w.WriteString("level", SeverityText(descriptor.Severity));
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("results");
            foreach (var d in diagnostics)
            {
                w.WriteStartObject();
                w.WriteString("ruleId", d.Code);
                w.WriteNumber("ruleIndex", codes.IndexOf(d.Code));
                w.WriteString("level", SeverityText(d.Severity));
                w.WriteStartObject("message");
                w.WriteString("text", d.Message);
                w.WriteEndObject();
                if (d.Location.File is { Length: > 0 } file)
                {
                    w.WriteStartArray("locations");
                    w.WriteStartObject();
                    w.WriteStartObject("physicalLocation");
                    w.WriteStartObject("artifactLocation");
                    w.WriteString("uri", Uri.EscapeDataString(file.Replace('\\', '/')).Replace("%2F", "/", StringComparison.Ordinal));
                    w.WriteEndObject();
                    if (d.Location.IsKnown)
                    {
                        w.WriteStartObject("region");
                        w.WriteNumber("startLine", d.Location.Line);
                        w.WriteNumber("startColumn", Math.Max(1, d.Location.Column));
                        w.WriteEndObject();
                    }

                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string SeverityText(Severity severity) => severity == Severity.Error ? "error" : "warning";

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WritePosition(Utf8JsonWriter w, string name, int value)
    {
        if (value > 0)
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    // The escapes of the Actions runner's command parser (actions/toolkit, command.ts).
    private static string Data(string text) =>
        text.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static string Property(string text) =>
        Data(text).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
