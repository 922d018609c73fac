using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Engine.Core;

namespace Reel.Engine.Providers.Comfy;

/// <summary>
/// An API-format ComfyUI workflow (<c>{"&lt;node id&gt;": {class_type, inputs: {…}}}</c>) and the <c>bind</c> map of a
/// step: checked offline when the script is validated, filled in when the step is submitted.
/// </summary>
public static class ComfyWorkflow
{
    /// <summary>Node classes whose output is a video Reel can download (core SaveVideo; VideoHelperSuite's combine).</summary>
    public static ImmutableArray<string> VideoOutputNodes { get; } = ["SaveVideo", "VHS_VideoCombine"];

    /// <summary>
    /// The offline checks of a step's options (<see cref="ProviderCapabilities.CheckOptions"/>): a workflow and a bind
    /// with a prompt are given, the file is an API-format graph that saves a video, and every bind path names a node
    /// and one of its inputs that holds a value (not a link); a step that starts from an image binds it.
    /// </summary>
    public static IReadOnlyList<OptionProblem> Check(ImmutableArray<StepOption> options, bool hasImage)
    {
        var problems = new List<OptionProblem>();
        var workflow = options.FirstOrDefault(o => o.Name == "workflow");
        var bind = options.FirstOrDefault(o => o.Name == "bind");
        if (workflow is null)
        {
            problems.Add(new(null, "the comfy provider needs options.workflow: the API-format workflow file to run (ComfyUI: Workflow → Export (API))"));
        }

        if (bind is null)
        {
            problems.Add(new(null, "the comfy provider needs options.bind: which node input takes each field, e.g. bind: { prompt: \"6.text\", seed: \"3.seed\" }"));
        }

        if (workflow is null || workflow.Paths.IsDefaultOrEmpty)
        {
            return problems;
        }

        var path = workflow.Paths[0];
        JsonObject graph;
        try
        {
            graph = Load(path);
        }
        catch (FormatException ex)
        {
            problems.Add(new("workflow", ex.Message));
            return problems;
        }

        if (!graph.Any(n => n.Value is JsonObject node && VideoOutputNodes.Contains((string?)node["class_type"] ?? "", StringComparer.Ordinal)))
        {
            problems.Add(new("workflow", $"workflow '{Path.GetFileName(path)}' saves no video: add a {string.Join(" or ", VideoOutputNodes)} node"));
        }

        if (bind?.Value is null)
        {
            return problems;
        }

        var map = Binds(bind);
        if (hasImage && !map.ContainsKey("image"))
        {
            problems.Add(new("bind", "this step starts from an image (its 'image', or the last frame of the clip it continues) but bind has no 'image': bind it to a LoadImage node's input, e.g. image: \"56.image\""));
        }

        if (!map.ContainsKey("prompt"))
        {
            problems.Add(new("bind", "bind has no 'prompt': name the node input that takes the prompt, e.g. prompt: \"6.text\""));
        }

        foreach (var (field, target) in map)
        {
            if (Resolve(graph, target, out var why) is null)
            {
                problems.Add(new("bind", $"bind '{field}: {target}' {why} in '{Path.GetFileName(path)}'"));
            }
        }

        return problems;
    }

    /// <summary>The bind map of a step's <c>bind</c> option (canonical JSON: field → "node.input").</summary>
    public static ImmutableSortedDictionary<string, string> Binds(StepOption bind)
    {
        ArgumentNullException.ThrowIfNull(bind);
        return (JsonSerializer.Deserialize<Dictionary<string, string>>(bind.Value ?? "{}") ?? []).ToImmutableSortedDictionary(StringComparer.Ordinal);
    }

    /// <summary>Reads an API-format workflow; a UI-format file or anything else is a <see cref="FormatException"/> saying how to export it.</summary>
    public static JsonObject Load(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"workflow '{Path.GetFileName(path)}' is not JSON (line {(ex.LineNumber ?? 0) + 1}): {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new FormatException($"workflow '{Path.GetFileName(path)}' can't be read: {ex.Message}", ex);
        }

        if (root is JsonObject ui && ui["nodes"] is JsonArray && ui["links"] is not null)
        {
            throw new FormatException($"workflow '{Path.GetFileName(path)}' is in ComfyUI's UI format; export it with Workflow → Export (API) (\"Save (API)\")");
        }

        if (root is not JsonObject graph || graph.Count == 0
            || graph.Any(n => n.Value is not JsonObject node || node["class_type"] is not JsonValue || node["inputs"] is not JsonObject))
        {
            throw new FormatException($"workflow '{Path.GetFileName(path)}' is not an API-format graph: expected {{\"<node id>\": {{\"class_type\": …, \"inputs\": {{…}}}}}}");
        }

        return graph;
    }

    /// <summary>The inputs object and input name a bind target names, or null with <paramref name="why"/>.</summary>
    private static (JsonObject Inputs, string Input)? Resolve(JsonObject graph, string target, out string why)
    {
        var dot = target.LastIndexOf('.');
        if (dot <= 0 || dot == target.Length - 1)
        {
            why = "is not \"<node id>.<input>\"";
            return null;
        }

        var (nodeId, input) = (target[..dot], target[(dot + 1)..]);
        if (graph[nodeId] is not JsonObject node)
        {
            why = $"names node '{nodeId}', which does not exist{Suggestions.DidYouMean(nodeId, [.. graph.Select(n => n.Key)])} (nodes: {string.Join(", ", graph.Select(n => $"{n.Key} {(string?)n.Value!["class_type"]}"))})";
            return null;
        }

        var inputs = (JsonObject)node["inputs"]!;
        var type = (string?)node["class_type"];
        if (!inputs.ContainsKey(input))
        {
            why = $"names input '{input}', which node {nodeId} ({type}) does not have{Suggestions.DidYouMean(input, [.. inputs.Select(i => i.Key)])} (inputs: {string.Join(", ", inputs.Select(i => i.Key))})";
            return null;
        }

        if (inputs[input] is JsonArray link)
        {
            why = $"names input '{input}' of node {nodeId} ({type}), which is wired to node {link.FirstOrDefault()}: bind the node that holds the value";
            return null;
        }

        why = "";
        return (inputs, input);
    }

    /// <summary>The graph to submit: the workflow with each bound input set from <paramref name="values"/> (fields not given are left as they are).</summary>
    /// <exception cref="ProviderException">Invalid when the workflow or a bind no longer checks (the file changed).</exception>
    public static JsonObject Fill(string path, ImmutableSortedDictionary<string, string> binds, IReadOnlyDictionary<string, JsonNode> values)
    {
        ArgumentNullException.ThrowIfNull(binds);
        ArgumentNullException.ThrowIfNull(values);
        JsonObject graph;
        try
        {
            graph = Load(path);
        }
        catch (FormatException ex)
        {
            throw ProviderException.Invalid(ex.Message, param: "workflow");
        }

        foreach (var (field, target) in binds)
        {
            if (!values.TryGetValue(field, out var value))
            {
                continue;
            }

            var (inputs, input) = Resolve(graph, target, out var why) ?? throw ProviderException.Invalid($"bind '{field}: {target}' {why}", param: "bind");
            inputs[input] = value.DeepClone();
        }

        return graph;
    }

    /// <summary>Frames for a clip: <c>seconds × fps + 1</c>.</summary>
    public static int Frames(int seconds, int fps) => checked((seconds * fps) + 1);

    /// <summary>The <c>fps</c> option of a step, or <see cref="ComfyCapabilities.DefaultFps"/>.</summary>
    public static int Fps(ImmutableArray<StepOption> options) =>
        options.FirstOrDefault(o => o.Name == "fps")?.Value is { } f ? int.Parse(f, CultureInfo.InvariantCulture) : ComfyCapabilities.DefaultFps;
}
