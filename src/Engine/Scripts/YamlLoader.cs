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
public static partial class YamlLoader
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

            // Without aliases the tree is as large as the nodes read; only aliases can make it larger.
            if ((state.HasAliases ? state.ExpandedSize(root) : state.Nodes) > MaxExpandedNodes)
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

    private sealed partial class State(SourceFile file, DiagnosticBag diagnostics, Dictionary<char, char> restore)
    {
        private readonly Dictionary<string, YNode> _anchors = new(StringComparer.Ordinal);
        private readonly Dictionary<YNode, long> _sizes = new(ReferenceEqualityComparer.Instance);

        // Scratch space for the collection being read at each depth, and the keys of the mappings being read:
        // one exact-size array per collection, no builder, no dictionary per mapping.
        private readonly List<List<YNode>> _items = [];
        private readonly List<List<YEntry>> _entries = [];
        private readonly List<YScalar> _keys = [];

        public bool Failed { get; private set; }

        /// <summary>True once an alias was read: only then can the expanded tree be larger than <see cref="Nodes"/>.</summary>
        public bool HasAliases { get; private set; }

        /// <summary>Nodes read, keys included: the tree's expanded size when it has no aliases.</summary>
        public long Nodes { get; private set; }

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
                HasAliases = true;
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
                Nodes++;
                return node;
            }

            if (parser.TryConsume<SequenceStart>(out var seqStart))
            {
                var items = Scratch(_items, depth);
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var item = ReadNode(parser, depth + 1);
                    if (item is not null)
                    {
                        items.Add(item);
                    }
                }

                var node = new YSequence(ImmutableArray.Create(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(items)), Loc(seqStart.Start));
                items.Clear();
                Remember(seqStart.Anchor, node);
                Nodes++;
                return node;
            }

            if (parser.TryConsume<MappingStart>(out var mapStart))
            {
                var entries = Scratch(_entries, depth);
                var firstKey = _keys.Count;
                Dictionary<string, YScalar>? seen = null;
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

                    if (FirstKey(firstKey, keyScalar.Value, ref seen) is { } first)
                    {
                        diagnostics.Report(DiagnosticCodes.DuplicateKey, $"duplicate key '{keyScalar.Value}' (first defined at line {first.Location.Line})", keyScalar.Location);
                        Failed = true;
                        continue;
                    }

                    _keys.Add(keyScalar);
                    seen?.Add(keyScalar.Value, keyScalar);
                    if (value is not null)
                    {
                        entries.Add(new YEntry(keyScalar, value));
                    }
                }

                var node = new YMapping(ImmutableArray.Create(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries)), Loc(mapStart.Start));
                entries.Clear();
                _keys.RemoveRange(firstKey, _keys.Count - firstKey);
                Remember(mapStart.Anchor, node);
                Nodes++;
                return node;
            }

            var unexpected = parser.Current!;
            throw new YamlException(unexpected.Start, unexpected.End, $"unexpected {unexpected.GetType().Name}");
        }

        private static List<T> Scratch<T>(List<List<T>> byDepth, int depth)
        {
            while (byDepth.Count <= depth)
            {
                byDepth.Add([]);
            }

            return byDepth[depth];
        }

        /// <summary>
        /// The first key named <paramref name="name"/> among the keys of the mapping being read (they start at
        /// <paramref name="from"/>): a scan while the mapping is small, a dictionary (<paramref name="seen"/>) once it is not.
        /// </summary>
        private YScalar? FirstKey(int from, string name, ref Dictionary<string, YScalar>? seen)
        {
            if (seen is null && _keys.Count - from <= 16)
            {
                for (var i = from; i < _keys.Count; i++)
                {
                    if (string.Equals(_keys[i].Value, name, StringComparison.Ordinal))
                    {
                        return _keys[i];
                    }
                }

                return null;
            }

            if (seen is null)
            {
                seen = new Dictionary<string, YScalar>(StringComparer.Ordinal);
                for (var i = from; i < _keys.Count; i++)
                {
                    seen.TryAdd(_keys[i].Value, _keys[i]);
                }
            }

            return seen.GetValueOrDefault(name);
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
