using YamlDotNet.Core;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>How <see cref="YamlLoader"/> words what YamlDotNet could not read.</summary>
public static partial class YamlLoader
{
    private sealed partial class State
    {
        public void ReportYamlException(YamlException ex)
        {
            if (Failed && ex.Message == "depth")
            {
                return;
            }

            Failed = true;
            var loc = Loc(ex.Start);
            var message = ex.InnerException?.Message ?? ex.Message;

            // YamlDotNet often marks the start of the scalar before the tab-indented line, so look
            // at the following lines too when the message is about a tab.
            var lastLine = message.Contains("tab", StringComparison.OrdinalIgnoreCase) ? Math.Max(loc.Line, (int)ex.End.Line) + 1 : loc.Line;
            for (var n = loc.Line; n <= lastLine; n++)
            {
                var line = file.LineAt(n);
                var indent = line.Length - line.TrimStart(' ', '\t').Length;
                if (line[..indent].Contains('\t', StringComparison.Ordinal))
                {
                    diagnostics.Report(DiagnosticCodes.TabIndentation, "tab character in indentation; YAML indents with spaces only", new SourceLocation(loc.File, n, line.IndexOf('\t', StringComparison.Ordinal) + 1));
                    return;
                }
            }

            if (UnquotedColon(message, loc) is { } colon)
            {
                diagnostics.Report(DiagnosticCodes.InvalidYaml, colon.Message, colon.At);
                return;
            }

            diagnostics.Report(DiagnosticCodes.InvalidYaml, "invalid YAML: " + Tidy(message), loc);
        }

        /// <summary>
        /// A plain value holding ': ' (<c>prompt: Close-up: Mira pours</c>) reads as a second key on one line. Say so, point
        /// at that colon, and show the line quoted.
        /// </summary>
        private (string Message, SourceLocation At)? UnquotedColon(string message, SourceLocation loc)
        {
            if (!message.Contains("found invalid mapping", StringComparison.Ordinal)
                && !message.Contains("Mapping values are not allowed", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var line = file.LineAt(loc.Line);
            // Linear: no lazy group before an anchor (a long line must not cost more than reading it).
            System.Text.RegularExpressions.Match key;
            try
            {
                key = System.Text.RegularExpressions.Regex.Match(line, @"^\s*(?:-\s+)?(?<key>[A-Za-z_][\w-]*):\s+(?<value>[^'""\s#].*)$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                return null;
            }

            if (!key.Success)
            {
                return null;
            }

            var group = key.Groups["value"];
            var value = (Index: group.Index, Value: group.Value.TrimEnd());
            var colon = line.IndexOf(": ", value.Index, StringComparison.Ordinal);
            if (colon < 0 && line.EndsWith(':'))
            {
                colon = line.Length - 1;
            }

            if (colon < 0)
            {
                return null;
            }

            var name = key.Groups["key"].Value;
            var shown = value.Value.Length <= 40 ? value.Value : value.Value[..Math.Min(value.Value.Length, colon + 2 - value.Index)] + "…";
            var quoted = shown.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            return ($"invalid YAML: ': ' inside the unquoted value of '{name}' starts a new key; quote the {name}: {name}: \"{quoted}\"",
                new SourceLocation(loc.File, loc.Line, colon + 1));
        }

        private static string Tidy(string message)
        {
            // YamlDotNet messages sometimes embed their own position; the diagnostic carries ours.
            var idx = message.IndexOf("(Line:", StringComparison.Ordinal);
            var text = (idx > 0 ? message[..idx] : message).Trim().TrimEnd('.');
            return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : text;
        }
    }
}
