using System.Collections.Immutable;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Engine.Core;

namespace Reel.Engine.Providers.Comfy;

/// <summary>
/// The node classes a ComfyUI server has, from <c>GET /object_info</c>
/// (<c>{"KSampler": {"input": {"required": {"seed": ["INT", {…}]}, "optional": {…}}, "output": […], …}}</c>), and the
/// online half of the bind check: every node's <c>class_type</c> is one the server has, and every bound input is one
/// of its class's <c>required</c> or <c>optional</c> inputs. A server that does not answer is not a problem: the
/// offline check (<see cref="ComfyWorkflow.Check"/>) stands alone.
/// </summary>
public sealed class ComfyObjectInfo
{
    /// <summary>How long <see cref="FetchAsync"/> waits for the server before validation goes on without it.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(1.5);

    private readonly ImmutableDictionary<string, ImmutableArray<string>> _inputs;

    private ComfyObjectInfo(ImmutableDictionary<string, ImmutableArray<string>> inputs) => _inputs = inputs;

    /// <summary>The classes the server has.</summary>
    public IEnumerable<string> Classes => _inputs.Keys;

    /// <summary>Reads an <c>/object_info</c> answer; null when it is not that shape.</summary>
    public static ComfyObjectInfo? Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root is not JsonObject classes)
        {
            return null;
        }

        var inputs = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in classes)
        {
            if (value is not JsonObject info || info["input"] is not JsonObject input)
            {
                return null;
            }

            inputs[name] = [.. new[] { "required", "optional" }.SelectMany(group => input[group] as JsonObject ?? []).Select(i => i.Key)];
        }

        return new ComfyObjectInfo(inputs.ToImmutable());
    }

    /// <summary>
    /// <c>GET {base}/object_info</c> within <paramref name="timeout"/> (with <c>Authorization: Bearer</c> when a key is
    /// set); null when the server does not answer in time, refuses, or answers something else. Never throws for that.
    /// </summary>
    public static async Task<ComfyObjectInfo?> FetchAsync(HttpClient http, ComfyOptions options, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/object_info"));
        if (options.ApiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }

        try
        {
            using var response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? Parse(await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false)) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
    }

    /// <summary>
    /// The problems of one workflow and bind map against the server: a node class it lacks (about the workflow: a null
    /// field) or a bound input its class lacks (about that bind field). Nodes and binds the offline check refuses are
    /// left to it.
    /// </summary>
    public IReadOnlyList<(string? Field, string Message)> Check(string workflowPath, ImmutableSortedDictionary<string, string> binds)
    {
        ArgumentNullException.ThrowIfNull(binds);
        JsonObject graph;
        try
        {
            graph = ComfyWorkflow.Load(workflowPath);
        }
        catch (FormatException)
        {
            return [];
        }

        var problems = new List<(string?, string)>();
        var file = Path.GetFileName(workflowPath);
        foreach (var (id, node) in graph)
        {
            var type = (string?)node!["class_type"] ?? "";
            if (!_inputs.ContainsKey(type))
            {
                problems.Add((null, $"workflow '{file}': node {id} is a '{type}', which the server does not have{Suggestions.DidYouMean(type, _inputs.Keys)} (a custom node not installed, or a class renamed?)"));
            }
        }

        foreach (var (field, target) in binds)
        {
            var dot = target.LastIndexOf('.');
            if (dot <= 0 || graph[target[..dot]] is not JsonObject node || (string?)node["class_type"] is not { } type
                || !_inputs.TryGetValue(type, out var inputs))
            {
                continue;
            }

            var (nodeId, input) = (target[..dot], target[(dot + 1)..]);
            if (!inputs.Contains(input, StringComparer.Ordinal))
            {
                problems.Add((field, $"bind '{field}: {target}': node {nodeId} ({type}) on the server has no input '{input}'{Suggestions.DidYouMean(input, inputs)} (inputs: {string.Join(", ", inputs)})"));
            }
        }

        return problems;
    }
}
