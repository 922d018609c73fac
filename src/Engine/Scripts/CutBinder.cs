using System.Collections.Immutable;
using System.Globalization;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>Binds one entry of <c>cut:</c>: its output, shots (with trims and transitions), music, loudness and video settings.</summary>
internal static class CutBinder
{
    public static CutDecl Bind(YMapping node, string id, ScriptPaths paths)
    {
        var outputNode = (YScalar)node["output"]!;
        var output = paths.File(outputNode, mustExist: false) ?? new FileRef(outputNode.Value, outputNode.Location);
        var specs = node["shots"] is YSequence s ? s.Items.Select(Shot).OfType<ShotSpec>().ToImmutableArray() : [];
        var music = node["music"] switch
        {
            // Shorthand: `music: assets/bed.m4a` is `{ file: assets/bed.m4a }`.
            YScalar file when paths.File(file, mustExist: true) is { } musicFile => new MusicSpec(musicFile, -12, true),
            YMapping m when m["file"] is YScalar file && paths.File(file, mustExist: true) is { } musicFile =>
                new MusicSpec(musicFile, Number(m["volume"]) ?? -12, (m["duck"] as YScalar)?.Value is not "false"),
            _ => null,
        };
        var video = node["video"] is YMapping v
            ? new CutVideoSpec(
                v["size"] is YScalar sz && VideoSize.TryParse(sz.Value, out var size) ? size : null,
                Number(v["fps"]),
                Number(v["crf"]) is { } crf ? (int)crf : null,
                (v["preset"] as YScalar)?.Value,
                (v["fit"] as YScalar)?.Value == "crop")
            : null;
        return new CutDecl(id, output, [.. specs.Select(x => x.Ref)], node.Location)
        {
            ShotSpecs = specs,
            Transition = Transition(node["transition"]),
            Music = music,
            Loudness = Number(node["loudness"]),
            Video = video,
        };
    }

    private static ShotSpec? Shot(YNode node) => node switch
    {
        YScalar s => new ShotSpec(new StepRef(s.Value, s.Location), null, null, null),
        YMapping m when m["shot"] is YScalar s => new ShotSpec(
            new StepRef(s.Value, s.Location),
            m["trim"] is YMapping t ? Number(t["in"]) : null,
            m["trim"] is YMapping t2 ? Number(t2["out"]) : null,
            Transition(m["transition"])),
        _ => null,
    };

    /// <summary>A transition: <c>{ type: crossfade, seconds: 0.5 }</c>, or the shorthand <c>crossfade</c> (0.5 s).</summary>
    private static TransitionSpec? Transition(YNode? node) => node switch
    {
        YMapping t => new TransitionSpec(Kind(t["type"] as YScalar), Number(t["seconds"]) ?? 0.5),
        YScalar s => new TransitionSpec(Kind(s), 0.5),
        _ => null,
    };

    private static TransitionKind Kind(YScalar? type) => type?.Value switch
    {
        "fade" => TransitionKind.Fade,
        "crossfade" => TransitionKind.Crossfade,
        _ => TransitionKind.Cut,
    };

    private static double? Number(YNode? node) =>
        node is YScalar s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
