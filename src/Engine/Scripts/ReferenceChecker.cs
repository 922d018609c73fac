using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>Semantic checks across the bound script: step references, matrix selectors, takes, cycles.</summary>
public static class ReferenceChecker
{
    public static void Check(Script script, DiagnosticBag diagnostics)
    {
        // The first step of each id (a repeated id is reported by the binder).
        var steps = new Dictionary<string, StepDecl>(script.Scenes.Length + script.Continuations.Length + script.Edits.Length, StringComparer.Ordinal);
        foreach (var s in script.Steps)
        {
            steps.TryAdd(s.Id, s);
        }

        var cuts = script.Cuts.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);

        foreach (var c in script.Continuations)
        {
            Resolve(c.From, "from", requireSingle: true);
        }

        foreach (var e in script.Edits)
        {
            Resolve(e.From, "from", requireSingle: true);
        }

        foreach (var cut in script.Cuts)
        {
            foreach (var shot in cut.Shots)
            {
                Resolve(shot, "shots", requireSingle: false);
            }
        }

        ReportCycles(script, steps, diagnostics);

        void Resolve(StepRef reference, string field, bool requireSingle)
        {
            var parsed = ParsedStepRef.Parse(reference.Text);
            if (parsed is null)
            {
                diagnostics.Report(DiagnosticCodes.NotAllowed, $"invalid step reference '{reference.Text}': write 'id', 'id#2' or 'id[axis=value]'", reference.Location);
                return;
            }

            if (!steps.TryGetValue(parsed.Id, out var target))
            {
                if (cuts.Contains(parsed.Id))
                {
                    diagnostics.Report(DiagnosticCodes.CutAsClip, $"'{parsed.Id}' is a cut; '{field}' takes scenes, continuations or edits", reference.Location);
                }
                else
                {
                    diagnostics.Report(DiagnosticCodes.UnknownStep, $"unknown step '{parsed.Id}'{Suggestions.DidYouMean(parsed.Id, steps.Keys.Concat(cuts).ToArray())}", reference.Location);
                }

                return;
            }

            CheckSelector(reference, parsed, target, requireSingle, diagnostics);
            if (parsed.Take is int take && (take < 1 || take > target.Takes))
            {
                diagnostics.Report(DiagnosticCodes.TakeOutOfRange, $"take {reference.Text[(reference.Text.LastIndexOf('#') + 1)..]} of '{parsed.Id}' does not exist: it has {target.Takes} take{(target.Takes == 1 ? "" : "s")}", reference.Location);
            }
        }
    }

    private static void CheckSelector(StepRef reference, ParsedStepRef parsed, StepDecl target, bool requireSingle, DiagnosticBag diagnostics)
    {
        if (target.Matrix.IsEmpty)
        {
            if (!parsed.Selector.IsEmpty)
            {
                diagnostics.Report(DiagnosticCodes.MatrixSelector, $"'{parsed.Id}' has no matrix; remove '[…]' from the reference", reference.Location);
            }

            return;
        }

        if (parsed.Selector.IsEmpty)
        {
            if (requireSingle)
            {
                var example = StepId.Of(parsed.Id, target.Matrix.Select(a => new KeyValuePair<string, string>(a.Name, a.Values.FirstOrDefault() ?? "")).ToList(), 0, 1).Text;
                diagnostics.Report(DiagnosticCodes.MatrixSelector, $"'{parsed.Id}' is a matrix step with {ScriptLimits.Cells(target.Matrix)} variants; name one, e.g. '{example}'", reference.Location);
            }

            return;
        }

        var unknownAxis = false;
        foreach (var (axis, value) in parsed.Selector)
        {
            var def = target.Matrix.FirstOrDefault(a => a.Name == axis);
            if (def is null)
            {
                unknownAxis = true;
                diagnostics.Report(DiagnosticCodes.MatrixSelector, $"'{parsed.Id}' has no matrix axis '{axis}'{Suggestions.DidYouMean(axis, target.Matrix.Select(a => a.Name))}", reference.Location);
            }
            else if (!def.Values.Contains(value))
            {
                diagnostics.Report(DiagnosticCodes.MatrixSelector, $"matrix axis '{axis}' of '{parsed.Id}' has no value '{value}' (values: {string.Join(", ", def.Values)})", reference.Location);
            }
        }

        // 'from' names one clip, so every axis is needed; a cut may name a slice ('pour[light=dawn]' = every dawn variant).
        var missing = target.Matrix.Where(a => !parsed.NamesAxis(a.Name)).Select(a => a.Name).ToList();
        if (requireSingle && missing.Count > 0 && !unknownAxis)
        {
            diagnostics.Report(DiagnosticCodes.MatrixSelector, $"reference to '{parsed.Id}' must name every matrix axis; missing: {string.Join(", ", missing)}", reference.Location);
        }

        if (parsed.RepeatedAxis() is { } repeated)
        {
            diagnostics.Report(DiagnosticCodes.MatrixSelector, $"matrix axis '{repeated}' is named twice", reference.Location);
        }
    }

    /// <summary>A step's 'from': the step it names, and where. A class: a dictionary of a struct type would be compiled at run time in a cold process.</summary>
    private sealed record Edge(string Target, SourceLocation At);

    /// <summary>Every strongly connected component of the from-graph is a cycle; each is reported with its path.</summary>
    private static void ReportCycles(Script script, Dictionary<string, StepDecl> steps, DiagnosticBag diagnostics)
    {
        var edges = new Dictionary<string, Edge>(script.Continuations.Length + script.Edits.Length, StringComparer.Ordinal);
        foreach (var s in script.Steps)
        {
            // A step whose id repeats an earlier one is reported as a duplicate id; its edges would invent cycles.
            if (!ReferenceEquals(steps[s.Id], s))
            {
                continue;
            }

            var from = s switch
            {
                ContinuationDecl c => c.From,
                EditDecl e => e.From,
                _ => null,
            };
            if (from is not null && ParsedStepRef.Parse(from.Text) is { } p && steps.ContainsKey(p.Id))
            {
                edges[s.Id] = new Edge(p.Id, from.Location);
            }
        }

        // Each node has at most one outgoing edge, so cycles are found by walking.
        var state = new Dictionary<string, int>(steps.Count, StringComparer.Ordinal); // 1 = on current walk, 2 = done
        var path = new List<string>();
        foreach (var start in script.Steps.Select(s => s.Id))
        {
            if (state.ContainsKey(start))
            {
                continue;
            }

            path.Clear();
            var node = start;
            while (node is not null && !state.ContainsKey(node))
            {
                state[node] = 1;
                path.Add(node);
                node = edges.TryGetValue(node, out var next) ? next.Target : null;
            }

            if (node is not null && state[node] == 1)
            {
                var cycle = path.Skip(path.IndexOf(node)).ToList();
                var first = cycle.OrderBy(x => edges[x].At.Line).ThenBy(x => edges[x].At.Column).First();
                var rotated = cycle.Skip(cycle.IndexOf(first)).Concat(cycle.Take(cycle.IndexOf(first))).ToList();
                rotated.Add(first);
                diagnostics.Report(DiagnosticCodes.Cycle, $"cycle: {string.Join(" → ", rotated)}", edges[first].At);
            }

            foreach (var n in path)
            {
                state[n] = 2;
            }
        }
    }
}
