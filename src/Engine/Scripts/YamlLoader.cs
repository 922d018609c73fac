using System.Collections.Immutable;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// Load stage: YAML text to a tree of nodes with 1-based positions. Reads parser events
/// directly so duplicate keys, tabs and alias explosions become diagnostics instead of
/// exceptions or memory blow-ups.
/// </summary>
public static class YamlLoader
{
    /// <summary>More expanded nodes than this (through aliases) is treated as an alias bomb.</summary>
    public const int MaxExpandedNodes = 100_000;

    public const int MaxDepth = 64;

    public static LoadedYaml Load(SourceFile file, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(file);
        var (text, restore) = Prepare(file.Text);
        var state = new State(file, diagnostics, restore);
        Parser? parser = null;
        try
        {
            parser = new Parser(new Scanner(new StringReader(text), skipComments: true));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return new LoadedYaml(file, null);
            }

            parser.Consume<DocumentStart>();
            var root = state.ReadNode(parser, 0);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                diagnostics.Report(DiagnosticCodes.SecondDocument, "a script holds one YAML document; remove the second '---' document", state.Loc(second.Start));
                return new LoadedYaml(file, null);
            }

            if (root is null || state.Failed)
            {
                return new LoadedYaml(file, null);
            }

            if (state.ExpandedSize(root) > MaxExpandedNodes)
            {
                diagnostics.Report(DiagnosticCodes.AliasBomb, $"aliases expand to more than {MaxExpandedNodes:N0} nodes; the document looks like an alias bomb and was not expanded", root.Location);
                return new LoadedYaml(file, null);
            }

            return new LoadedYaml(file, root);
        }
        catch (YamlException ex)
        {
            state.ReportYamlException(ex);
            return new LoadedYaml(file, null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet fails this way on a few inputs it cannot follow; the text is the user's, so say where it stopped.
            var at = parser?.Current is { } current ? state.Loc(current.End) : new SourceLocation(file.DisplayName, 1, 1);
            diagnostics.Report(DiagnosticCodes.InvalidYaml, "invalid YAML: the parser cannot read the document past this point", at);
            return new LoadedYaml(file, null);
        }
    }

    /// <summary>
    /// Works around two places where YamlDotNet reads YAML 1.1 rather than 1.2, without moving any character:
    /// U+0085, U+2028 and U+2029 are ordinary characters in 1.2 (YamlDotNet breaks lines at them, and fails
    /// inside flow collections), so they stand in as private-use characters the text does not use and are
    /// put back in every scalar; and document-end markers (<c>...</c>) before the first document, which close
    /// nothing, become spaces (YamlDotNet fails on them).
    /// </summary>
    private static (string Text, Dictionary<char, char> Restore) Prepare(string text)
    {
        var restore = new Dictionary<char, char>();
        if (text.AsSpan().IndexOfAny('\u0085', '\u2028', '\u2029') >= 0)
        {
            var used = text.ToHashSet();
            var next = '\uE000';
            var chars = text.ToCharArray();
            foreach (var original in "\u0085\u2028\u2029")
            {
                while (used.Contains(next))
                {
                    next++;
                }

                restore[next] = original;
                for (var i = 0; i < chars.Length; i++)
                {
                    if (chars[i] == original)
                    {
                        chars[i] = next;
                    }
                }

                next++;
            }

            text = new string(chars);
        }

        var lineStart = 0;
        while (lineStart < text.Length)
        {
            var end = text.IndexOf('\n', lineStart);
            var line = text.AsSpan(lineStart, (end < 0 ? text.Length : end) - lineStart).TrimEnd('\r');
            var trimmed = line.Trim(' ');
            if (line.StartsWith("...") && (line.Length == 3 || line[3] is ' ' or '\t'))
            {
                text = string.Concat(text.AsSpan(0, lineStart), "   ", text.AsSpan(lineStart + 3));
            }
            else if (!(trimmed.IsEmpty || trimmed[0] == '#'))
            {
                break;
            }

            if (end < 0)
            {
                break;
            }

            lineStart = end + 1;
        }

        return (text, restore);
    }

    private sealed class State(SourceFile file, DiagnosticBag diagnostics, Dictionary<char, char> restore)
    {
        private readonly Dictionary<string, YNode> _anchors = new(StringComparer.Ordinal);
        private readonly Dictionary<YNode, long> _sizes = new(ReferenceEqualityComparer.Instance);

        public bool Failed { get; private set; }

        public SourceLocation Loc(Mark mark) => new(file.DisplayName, (int)mark.Line, (int)mark.Column);

        public YNode? ReadNode(IParser parser, int depth)
        {
            if (depth > MaxDepth)
            {
                diagnostics.Report(DiagnosticCodes.InvalidYaml, $"nesting deeper than {MaxDepth} levels", Loc(parser.Current!.Start));
                Failed = true;
                throw new YamlException(parser.Current!.Start, parser.Current!.End, "depth");
            }

            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                if (_anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    return target;
                }

                diagnostics.Report(DiagnosticCodes.InvalidYaml, $"unknown alias '*{alias.Value.Value}'", Loc(alias.Start));
                Failed = true;
                return null;
            }

            if (parser.TryConsume<Scalar>(out var scalar))
            {
                var node = new YScalar(Restore(scalar.Value), KindOf(scalar.Style), Loc(scalar.Start), Loc(scalar.End));
                Remember(scalar.Anchor, node);
                return node;
            }

            if (parser.TryConsume<SequenceStart>(out var seqStart))
            {
                var items = ImmutableArray.CreateBuilder<YNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var item = ReadNode(parser, depth + 1);
                    if (item is not null)
                    {
                        items.Add(item);
                    }
                }

                var node = new YSequence(items.ToImmutable(), Loc(seqStart.Start));
                Remember(seqStart.Anchor, node);
                return node;
            }

            if (parser.TryConsume<MappingStart>(out var mapStart))
            {
                var entries = ImmutableArray.CreateBuilder<YEntry>();
                var seen = new Dictionary<string, YScalar>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyEvent = parser.Current!;
                    var key = ReadNode(parser, depth + 1);
                    var value = ReadNode(parser, depth + 1);
                    if (key is not YScalar keyScalar)
                    {
                        if (key is not null)
                        {
                            diagnostics.Report(DiagnosticCodes.InvalidYaml, "mapping keys must be plain strings", Loc(keyEvent.Start));
                            Failed = true;
                        }

                        continue;
                    }

                    if (keyScalar.Value == "<<")
                    {
                        diagnostics.Report(DiagnosticCodes.InvalidYaml, "merge keys ('<<') are not supported; repeat the keys or use 'defaults:'", keyScalar.Location);
                        Failed = true;
                        continue;
                    }

                    if (seen.TryGetValue(keyScalar.Value, out var first))
                    {
                        diagnostics.Report(DiagnosticCodes.DuplicateKey, $"duplicate key '{keyScalar.Value}' (first defined at line {first.Location.Line})", keyScalar.Location);
                        Failed = true;
                        continue;
                    }

                    seen[keyScalar.Value] = keyScalar;
                    if (value is not null)
                    {
                        entries.Add(new YEntry(keyScalar, value));
                    }
                }

                var node = new YMapping(entries.ToImmutable(), Loc(mapStart.Start));
                Remember(mapStart.Anchor, node);
                return node;
            }

            var unexpected = parser.Current!;
            throw new YamlException(unexpected.Start, unexpected.End, $"unexpected {unexpected.GetType().Name}");
        }

        private string Restore(string value)
        {
            if (restore.Count == 0)
            {
                return value;
            }

            var chars = value.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (restore.TryGetValue(chars[i], out var original))
                {
                    chars[i] = original;
                }
            }

            return new string(chars);
        }

        private void Remember(AnchorName anchor, YNode node)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = node;
            }
        }

        /// <summary>Size of the tree as if every alias were expanded, computed without expanding.</summary>
        public long ExpandedSize(YNode node)
        {
            if (_sizes.TryGetValue(node, out var cached))
            {
                return cached;
            }

            long size = 1;
            switch (node)
            {
                case YSequence seq:
                    foreach (var item in seq.Items)
                    {
                        size = Math.Min(size + ExpandedSize(item), long.MaxValue / 4);
                    }

                    break;
                case YMapping map:
                    foreach (var e in map.Entries)
                    {
                        size = Math.Min(size + 1 + ExpandedSize(e.Value), long.MaxValue / 4);
                    }

                    break;
            }

            _sizes[node] = size;
            return size;
        }

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

        private static ScalarKind KindOf(ScalarStyle style) => style switch
        {
            ScalarStyle.SingleQuoted => ScalarKind.SingleQuoted,
            ScalarStyle.DoubleQuoted => ScalarKind.DoubleQuoted,
            ScalarStyle.Literal => ScalarKind.Literal,
            ScalarStyle.Folded => ScalarKind.Folded,
            _ => ScalarKind.Plain,
        };
    }
}
