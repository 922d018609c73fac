using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reel.Engine.Providers;

namespace Reel.Engine.Scripts;

/// <summary>
/// The parts of <c>schemas/reel.schema.json</c> that come from <see cref="ProviderCatalog"/>, and the include-file schema
/// derived from it. The rest of the schema is written by hand; <see cref="Generate"/> replaces only the provider list and
/// the per-provider <c>if</c>/<c>then</c> blocks (<c>allOf</c>), so a provider added to the catalog appears in editors
/// without editing the schema. The <c>then</c> blocks hold annotations only (<c>description</c>, <c>default</c>,
/// <c>examples</c>): they complete and document, while the capability checks keep the rules (and honour <c>--provider</c>).
/// </summary>
public static class SchemaGenerator
{
    private static readonly JsonSerializerOptions s_write = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The schema text with its generated parts rebuilt from the catalog.</summary>
    public static string Generate(string schemaText)
    {
        var root = JsonNode.Parse(schemaText)!.AsObject();
        var provider = root["properties"]!["provider"]!.AsObject();
        provider["description"] = "Provider that renders the clips (default `local`); `--provider` on the command line overrides it. "
            + string.Join(" ", ProviderCatalog.Entries.Select(e => $"`{e.Name}`: {e.Capabilities.Description}"))
            + " `reel providers` lists what each can do.";
        provider["examples"] = Array(ProviderCatalog.Names.Select(n => (JsonNode?)n));
        root.Remove("allOf");
        root.Insert(root.IndexOf("properties") + 1, "allOf", Array(ProviderCatalog.Entries.Select(e => (JsonNode?)ForProvider(e.Name, e.Capabilities))));
        return Write(root);
    }

    /// <summary>The schema of files listed under <c>include:</c> (<c>characters</c>, <c>vars</c>, <c>templates</c>), from the script schema.</summary>
    public static string IncludeSchema(string schemaText)
    {
        var script = JsonNode.Parse(schemaText)!.AsObject();
        var definitions = script["definitions"]!.AsObject();
        var include = definitions["include"]!.DeepClone().AsObject();
        var result = new JsonObject
        {
            ["$schema"] = script["$schema"]!.DeepClone(),
            ["$id"] = "https://reel.dev/schemas/reel.include.schema.json",
            ["title"] = "Reel include file (characters, vars, templates)",
        };
        foreach (var (key, value) in include)
        {
            result[key] = value!.DeepClone();
        }

        var used = new JsonObject();
        foreach (var name in new[] { "vars", "templates", "characters", "character" })
        {
            used[name] = definitions[name]!.DeepClone();
        }

        result["definitions"] = used;
        return Write(result);
    }

    private static JsonObject ForProvider(string name, ProviderCapabilities caps)
    {
        // `local` is also the provider of a script that names none.
        var condition = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["provider"] = new JsonObject { ["const"] = name } } };
        if (name != ScriptBinder.DefaultProvider)
        {
            condition["required"] = Array(["provider"]);
        }

        List<string> models = caps.AnyModel ? [caps.DefaultModel] : [.. caps.Models.Select(m => m.Id)];
        JsonObject Model() => new()
        {
            ["description"] = caps.AnyModel
                ? $"`{name}` takes any model name (default `{caps.DefaultModel}`)."
                : $"Models of `{name}` (default `{caps.DefaultModel}`): " + string.Join(", ", caps.Models.Select(m => m.Note is null ? $"`{m.Id}`" : $"`{m.Id}` ({m.Note})")) + ".",
            ["default"] = caps.DefaultModel,
            ["examples"] = Array(models.Select(m => (JsonNode?)m)),
        };
        List<string> sizes = caps.AnyModel
            ? ["1280x720", "720x1280", "1920x1080", "1080x1920"]
            : [.. caps.Models.SelectMany(m => m.Sizes).Select(s => s.ToString()).Distinct()];
        JsonObject Size() => new()
        {
            ["description"] = caps.AnyModel
                ? $"`{name}` makes any even size, {caps.MinSide}–{caps.MaxSide} pixels a side."
                : $"Sizes of `{name}`: {string.Join(", ", sizes)} (each model has its own; `reel providers {name}`).",
            ["examples"] = Array(sizes.Select(s => (JsonNode?)s)),
        };
        List<int> seconds = caps.AnyModel ? [4, 8, 12] : [.. caps.Models.SelectMany(m => m.Seconds).Distinct().Order()];
        JsonObject Seconds() => new()
        {
            ["description"] = caps.AnyModel
                ? $"`{name}` makes clips of {caps.MinSeconds}–{caps.MaxSeconds} s."
                : $"Clip lengths of `{name}`: {string.Join(", ", seconds)} s.",
            ["examples"] = Array(seconds.Select(s => (JsonNode?)s)),
        };
        JsonObject Options() => new()
        {
            ["type"] = "object",
            ["properties"] = OptionProperties(name, caps),
        };
        JsonObject Step(bool shape, bool secondsToo) => new()
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["model"] = Model(),
                ["size"] = shape ? Size() : null,
                ["seconds"] = secondsToo ? Seconds() : null,
                ["options"] = Options(),
            },
        };
        JsonObject List(JsonObject item) => new() { ["type"] = "array", ["items"] = item };

        var then = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["defaults"] = Step(shape: true, secondsToo: true),
                ["scenes"] = List(Step(shape: true, secondsToo: true)),
                ["continuations"] = List(Step(shape: true, secondsToo: true)),
                ["edits"] = List(Step(shape: false, secondsToo: false)),
            },
        };
        then["properties"]!["scenes"]!["items"]!["properties"]!["shots"] = new JsonObject { ["description"] = Shots(name, caps) };
        foreach (var step in then["properties"]!.AsObject().Select(p => p.Value!).Select(v => v["items"] ?? v))
        {
            // Drop the keys a step kind does not have (edits: no size or seconds).
            var props = step["properties"]!.AsObject();
            foreach (var empty in props.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                props.Remove(empty);
            }
        }

        return new JsonObject { ["if"] = condition, ["then"] = then };
    }

    /// <summary>What <c>shots:</c> means on <paramref name="name"/>: its limits, or that validation refuses it.</summary>
    private static string Shots(string name, ProviderCapabilities caps)
    {
        if (caps.MultiShot is not { } limits)
        {
            return $"`{name}` has no multi-shot: validation refuses `shots` (RL0412).";
        }

        var models = caps.AnyModel ? "" : " (" + string.Join(", ", caps.Models.Where(m => caps.Supports(m.Id, ModelFeatures.MultiShot)).Select(m => $"`{m.Id}`")) + ")";
        var length = limits.MaxPromptLength < int.MaxValue ? $", each shot's prompt at most {limits.MaxPromptLength} characters" : "";
        return $"`{name}` renders up to {limits.MaxShots} shots in one clip{models}{length}.";
    }

    /// <summary>The options a step may set on <paramref name="name"/> (on <c>local</c>: every provider's, ignored).</summary>
    private static JsonObject OptionProperties(string name, ProviderCapabilities caps)
    {
        var specs = name == ScriptBinder.DefaultProvider
            ? ProviderCatalog.Entries.SelectMany(e => e.Capabilities.Options).DistinctBy(o => o.Name).OrderBy(o => o.Name, StringComparer.Ordinal)
            : caps.Options.AsEnumerable();
        var properties = new JsonObject();
        foreach (var spec in specs)
        {
            var option = new JsonObject
            {
                ["description"] = name == ScriptBinder.DefaultProvider ? $"{spec.Description} (accepted and ignored by `local`)" : spec.Description,
            };
            JsonNode?[] examples = spec.Kind switch
            {
                OptionKind.Flag => [true, false],
                OptionKind.Choice => [.. spec.Values.Select(v => (JsonNode?)v)],
                OptionKind.Integer => [spec.Min, spec.Max],
                OptionKind.Image => ["assets/last.png"],
                OptionKind.ImageList => [Array(["assets/ref.png"])],
                OptionKind.File => [$"workflows/workflow{spec.Values.FirstOrDefault()}"],
                OptionKind.Decimal => [0.02],
                OptionKind.Map => [new JsonObject { [spec.Values.FirstOrDefault() ?? "name"] = "6.text" }],
                _ => [],
            };
            if (examples.Length > 0)
            {
                option["examples"] = new JsonArray(examples);
            }

            properties[spec.Name] = option;
        }

        return properties;
    }

    private static JsonArray Array(IEnumerable<JsonNode?> items) => new([.. items]);

    private static string Write(JsonObject root) => root.ToJsonString(s_write).ReplaceLineEndings("\n") + "\n";
}
