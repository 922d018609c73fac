using Reel.Engine.Core;

namespace Reel.Engine.Tests.Architecture;

/// <summary>
/// The engine's stages form a ladder (docs/architecture.md): data flows one way, so no stage uses one
/// above it. Core ← Scripts ← Prompts ← Planning ← Execution ← Reporting ← Projects, with Providers,
/// Media and Storage hanging off Core.
/// </summary>
public sealed class NamespaceLadderTests
{
    [Fact]
    public void Engine_namespaces_have_no_cycle()
    {
        var edges = NamespaceGraph.Edges(typeof(VideoSize).Assembly);

        var cycles = NamespaceGraph.Cycles(edges.Keys);

        Assert.True(cycles.Count == 0, "namespace cycles:\n" + string.Join("\n", cycles.Select(c =>
            string.Join(" ⇄ ", c) + ": " + string.Join("; ", edges.Where(e => c.Contains(e.Key.From) && c.Contains(e.Key.To)).Select(e => e.Value)))));
    }

    [Fact]
    public void Every_stage_uses_only_stages_below_it()
    {
        var edges = NamespaceGraph.Edges(typeof(VideoSize).Assembly);

        var upward = edges.Where(e => !Rank.ContainsKey(e.Key.From) || !Rank.ContainsKey(e.Key.To) || Rank[e.Key.To] >= Rank[e.Key.From]).ToList();

        Assert.True(upward.Count == 0, "uses against the ladder:\n" + string.Join("\n", upward.Select(e => $"{e.Key.From} -> {e.Key.To}: {e.Value}")));
    }

    /// <summary>The ladder, bottom up. A stage may use only stages of a lower rank.</summary>
    private static readonly Dictionary<string, int> Rank = new(StringComparer.Ordinal)
    {
        ["Core"] = 0,
        ["Media"] = 1,
        ["Storage"] = 1,
        ["Providers"] = 2,
        ["Scripts"] = 3,
        ["Prompts"] = 4,
        ["Planning"] = 5,
        ["Execution"] = 6,
        ["Reporting"] = 7,
        ["Projects"] = 8,
    };
}
