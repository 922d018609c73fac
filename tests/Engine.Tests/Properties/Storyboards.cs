using System.Globalization;
using CsCheck;

namespace Reel.Engine.Tests.Properties;

/// <summary>A storyboard as data, independent of how it is spelled in YAML.</summary>
internal sealed record StoryModel(
    string Title,
    string? Size,
    int? Seconds,
    IReadOnlyList<(string Name, YVal Value)> Vars,
    IReadOnlyList<(string Name, string Text)> Templates,
    IReadOnlyList<CharacterModel> Characters,
    bool VarsInInclude,
    IReadOnlyList<SceneModel> Scenes,
    IReadOnlyList<FromModel> Continuations,
    IReadOnlyList<FromModel> Edits,
    IReadOnlyList<string> Shots)
{
    public IEnumerable<string> StepIds => Scenes.Select(s => s.Id).Concat(Continuations.Select(c => c.Id)).Concat(Edits.Select(e => e.Id));

    /// <summary>The same storyboard with one step's prompt changed (a word appended).</summary>
    public StoryModel WithPromptChanged(string stepId) => this with
    {
        Scenes = [.. Scenes.Select(s => s.Id == stepId ? s with { Prompt = s.Prompt + " Slow motion." } : s)],
        Continuations = [.. Continuations.Select(c => c.Id == stepId ? c with { Prompt = c.Prompt + " Slow motion." } : c)],
        Edits = [.. Edits.Select(e => e.Id == stepId ? e with { Prompt = e.Prompt + " Slow motion." } : e)],
    };
}

internal sealed record CharacterModel(string Id, string Name, string Description, bool Video);

internal sealed record SceneModel(
    string Id,
    string Prompt,
    IReadOnlyList<string> Characters,
    IReadOnlyList<(string Axis, IReadOnlyList<string> Values)> Matrix,
    int Takes,
    int Pick,
    int? Seconds,
    string? Size,
    string? Image);

/// <summary>A continuation (with <see cref="Mode"/>) or an edit.</summary>
internal sealed record FromModel(string Id, string From, string Prompt, int? Seconds, string? Mode, int Takes, int Pick);

/// <summary>
/// Random valid storyboards. Counts come from CsCheck generators (so failures shrink to few
/// steps); the details come from a seeded <see cref="Random"/> derived from the same sample.
/// </summary>
internal static class Storyboards
{
    private static readonly string[] Words =
    [
        "wide", "shot", "barista", "coffee", "dawn", "street", "tram", "rain", "window", "steam",
        "cup", "light", "shadow", "smile", "door", "sign", "river", "bridge", "market", "bicycle",
    ];

    private static readonly string[] Punctuation = [". ", ", ", ": ", " - ", " #3 ", "'s ", " \"quoted\" ", " {braces} ", " [brackets] ", " 50% ", " \\ "];

    private static readonly string[] CharacterNames = ["Mira", "Tomás", "Ana Lu", "O'Neil", "Kai"];

    private static readonly string[] AxisValues = ["dawn", "neon", "noon", "dusk", "rain", "snow"];

    public static readonly Gen<StoryModel> Model =
        Gen.Select(Gen.Int[1, 6], Gen.Int[0, 4], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int, Build);

    private static StoryModel Build(int sceneCount, int continuationCount, int editCount, int characterCount, int templateCount, int seed)
    {
        var r = new Random(seed);
        string Word() => Words[r.Next(Words.Length)];
        string Phrase(int min, int max) => string.Join(' ', Enumerable.Range(0, r.Next(min, max + 1)).Select(_ => Word()));

        var vars = new List<(string, YVal)>
        {
            ("city", new YStr(r.Next(2) == 0 ? "Lisbon" : "Porto, by the river")),
            ("look", new YStr(Phrase(2, 4) + Punctuation[r.Next(Punctuation.Length)] + Phrase(1, 3))),
            ("count", new YNum(r.Next(1, 100))),
            ("moods", new YSeq([new YStr(Word()), new YStr(Phrase(2, 3)), new YStr("calm: " + Word())])),
        };
        var varNames = new[] { "{{ city }}", "{{ look }}", "{{ count }}", "{{ moods[1] }}", "{{ moods[2] }}" };

        var templates = new List<(string, string)>();
        for (var i = 0; i < templateCount; i++)
        {
            var text = $"{varNames[r.Next(varNames.Length)]}. {Phrase(1, 4)}";
            if (i > 0 && r.Next(2) == 0)
            {
                text = $"{{{{ include 't{r.Next(i)}' }}}}, {text}";
            }

            templates.Add(($"t{i}", text));
        }

        var characters = Enumerable.Range(0, characterCount)
            .Select(i => new CharacterModel($"c{i}", CharacterNames[i % CharacterNames.Length], Phrase(2, 5) + (r.Next(3) == 0 ? ": kind" : ""), r.Next(3) == 0))
            .ToList();

        string Prompt(IReadOnlyList<string> listed, IEnumerable<string> axes)
        {
            var parts = new List<string>();
            if (r.Next(3) == 0 && templates.Count > 0)
            {
                parts.Add($"{{{{ include 't{r.Next(templates.Count)}' }}}}");
            }

            var opening = Phrase(1, 4);
            parts.Add(char.ToUpperInvariant(opening[0]) + opening[1..]);
            parts.AddRange(listed.Select(c => $"{{{{ characters.{c}.name }}}}"));
            parts.AddRange(axes.Select(a => $"in {{{{ {a} }}}} light"));
            for (var i = r.Next(0, 3); i > 0; i--)
            {
                parts.Add(r.Next(2) == 0 ? varNames[r.Next(varNames.Length)] : Phrase(1, 3));
            }

            var separators = new[] { " ", " ", ", ", Punctuation[r.Next(Punctuation.Length)], "\n" };
            var text = parts[0];
            foreach (var p in parts.Skip(1))
            {
                text += separators[r.Next(separators.Length)] + p;
            }

            return text.Trim() + (r.Next(2) == 0 ? "." : "");
        }

        var scenes = new List<SceneModel>();
        for (var i = 0; i < sceneCount; i++)
        {
            var listed = characters.Where(_ => r.Next(3) == 0).Select(c => c.Id).ToList();
            var matrix = new List<(string, IReadOnlyList<string>)>();
            if (r.Next(3) == 0)
            {
                foreach (var axis in new[] { "tone", "light" }.Take(r.Next(1, 3)))
                {
                    matrix.Add((axis, AxisValues.OrderBy(_ => r.Next()).Take(r.Next(1, 4)).ToList()));
                }
            }

            var takes = r.Next(4) == 0 ? r.Next(2, 4) : 1;
            scenes.Add(new SceneModel(
                $"s{i}",
                Prompt(listed, matrix.Select(m => m.Item1)),
                listed,
                matrix,
                takes,
                r.Next(1, takes + 1),
                r.Next(2) == 0 ? r.Next(1, 9) : null,
                r.Next(3) == 0 ? "64x64" : null,
                r.Next(4) == 0 ? (r.Next(2) == 0 ? "assets/frame.png" : "./assets/frame.png") : null));
        }

        // A reference to one clip: a matrix scene needs every axis named; takes may be named.
        string RefTo(string id, bool single)
        {
            var scene = scenes.FirstOrDefault(s => s.Id == id);
            var text = id;
            if (scene is { Matrix.Count: > 0 } && (single || r.Next(2) == 0))
            {
                text += "[" + string.Join(',', scene.Matrix.Select(m => $"{m.Axis}={m.Values[r.Next(m.Values.Count)]}")) + "]";
            }

            var takes = scene?.Takes ?? 1;
            if (takes > 1 && r.Next(2) == 0)
            {
                text += $"#{r.Next(1, takes + 1)}";
            }

            return text;
        }

        var continuations = new List<FromModel>();
        for (var i = 0; i < continuationCount; i++)
        {
            // From a scene or an earlier continuation (no cycles); chains stay short, so ≤ 120 s.
            var from = r.Next(3) == 0 && i > 0 ? $"k{r.Next(i)}" : $"s{r.Next(sceneCount)}";
            var takes = r.Next(5) == 0 ? 2 : 1;
            continuations.Add(new FromModel($"k{i}", RefTo(from, single: true), Prompt([], []), r.Next(2) == 0 ? r.Next(1, 6) : null,
                r.Next(3) switch { 0 => null, 1 => "extend", _ => "last-frame" }, takes, r.Next(1, takes + 1)));
        }

        var edits = new List<FromModel>();
        for (var i = 0; i < editCount; i++)
        {
            var from = r.Next(3) switch
            {
                0 when continuationCount > 0 => $"k{r.Next(continuationCount)}",
                1 when i > 0 => $"e{r.Next(i)}",
                _ => $"s{r.Next(sceneCount)}",
            };
            edits.Add(new FromModel($"e{i}", RefTo(from, single: true), Prompt([], []), null, null, 1, 1));
        }

        var all = scenes.Select(s => s.Id).Concat(continuations.Select(c => c.Id)).Concat(edits.Select(e => e.Id)).ToList();
        var shots = Enumerable.Range(0, r.Next(1, 4)).Select(_ => RefTo(all[r.Next(all.Count)], single: false)).ToList();

        return new StoryModel(
            Phrase(1, 3) + (r.Next(2) == 0 ? ": a film" : ""),
            r.Next(2) == 0 ? "128x72" : null,
            r.Next(2) == 0 ? r.Next(1, 5) : null,
            vars,
            templates,
            characters,
            r.Next(3) == 0,
            scenes,
            continuations,
            edits,
            shots);
    }

    /// <summary>The YAML value tree of the main script and of its include (when vars live there).</summary>
    public static (YMap Script, YMap? Include) ToYaml(StoryModel m)
    {
        var root = new List<(string, YVal)> { ("reel", new YNum(1)), ("title", new YStr(m.Title)), ("provider", new YStr("local")) };
        var defaults = new List<(string, YVal)>();
        if (m.Size is not null)
        {
            defaults.Add(("size", new YStr(m.Size)));
        }

        if (m.Seconds is { } sec)
        {
            defaults.Add(("seconds", new YNum(sec)));
        }

        if (defaults.Count > 0)
        {
            root.Add(("defaults", new YMap(defaults)));
        }

        var vars = new YMap([.. m.Vars]);
        YMap? include = null;
        if (m.VarsInInclude)
        {
            include = new YMap([("vars", vars)]);
            root.Add(("include", new YSeq([new YStr("style.yaml")])));
        }
        else
        {
            root.Add(("vars", vars));
        }

        if (m.Templates.Count > 0)
        {
            root.Add(("templates", new YMap([.. m.Templates.Select(t => (t.Name, (YVal)new YStr(t.Text)))])));
        }

        if (m.Characters.Count > 0)
        {
            // Character order decides the order of character steps: keep it.
            root.Add(("characters", new YMap([.. m.Characters.Select(c => (c.Id, (YVal)Character(c)))], Ordered: true)));
        }

        root.Add(("scenes", new YSeq([.. m.Scenes.Select(Scene)])));
        if (m.Continuations.Count > 0)
        {
            root.Add(("continuations", new YSeq([.. m.Continuations.Select(c => From(c))])));
        }

        if (m.Edits.Count > 0)
        {
            root.Add(("edits", new YSeq([.. m.Edits.Select(e => From(e))])));
        }

        root.Add(("cut", new YSeq([new YMap([("id", new YStr("film")), ("output", new YStr("out/film.mp4")), ("shots", new YSeq([.. m.Shots.Select(s => (YVal)new YStr(s))]))])])));
        return (new YMap(root), include);

        static YMap Character(CharacterModel c)
        {
            var e = new List<(string, YVal)> { ("name", new YStr(c.Name)), ("description", new YStr(c.Description)) };
            if (c.Video)
            {
                e.Add(("video", new YStr("assets/" + c.Id + ".mp4")));
            }

            return new YMap(e);
        }

        static YMap Scene(SceneModel s)
        {
            var e = new List<(string, YVal)> { ("id", new YStr(s.Id)), ("prompt", new YStr(s.Prompt)) };
            if (s.Characters.Count > 0)
            {
                e.Add(("characters", new YSeq([.. s.Characters.Select(c => (YVal)new YStr(c))])));
            }

            if (s.Matrix.Count > 0)
            {
                // Axis order names the variants (pour[light=dawn,tone=…]): keep it.
                e.Add(("matrix", new YMap([.. s.Matrix.Select(a => (a.Axis, (YVal)new YSeq([.. a.Values.Select(v => (YVal)new YStr(v))])))], Ordered: true)));
            }

            if (s.Takes > 1)
            {
                e.Add(("takes", new YNum(s.Takes)));
                if (s.Pick > 0)
                {
                    // Pick 0: no pick written (the first take is the default).
                    e.Add(("pick", new YNum(s.Pick)));
                }
            }

            if (s.Seconds is { } sec)
            {
                e.Add(("seconds", new YNum(sec)));
            }

            if (s.Size is not null)
            {
                e.Add(("size", new YStr(s.Size)));
            }

            if (s.Image is not null)
            {
                e.Add(("image", new YStr(s.Image)));
            }

            return new YMap(e);
        }

        static YMap From(FromModel f)
        {
            var e = new List<(string, YVal)> { ("id", new YStr(f.Id)), ("from", new YStr(f.From)), ("prompt", new YStr(f.Prompt)) };
            if (f.Seconds is { } sec)
            {
                e.Add(("seconds", new YNum(sec)));
            }

            if (f.Mode is not null)
            {
                e.Add(("mode", new YStr(f.Mode)));
            }

            if (f.Takes > 1)
            {
                e.Add(("takes", new YNum(f.Takes)));
                e.Add(("pick", new YNum(f.Pick)));
            }

            return new YMap(e);
        }
    }

    /// <summary>Writes the script (in the surface form chosen by <paramref name="formSeed"/>), its include and its assets.</summary>
    public static string Write(StoryModel m, string directory, string fileName, int? formSeed)
    {
        var (script, include) = ToYaml(m);
        Directory.CreateDirectory(Path.Combine(directory, "assets"));
        File.WriteAllBytes(Path.Combine(directory, "assets", "frame.png"), Media.BombImages.Png(2, 2));
        foreach (var c in m.Characters.Where(c => c.Video))
        {
            File.WriteAllText(Path.Combine(directory, "assets", c.Id + ".mp4"), "video of " + c.Id);
        }

        var printer = formSeed is { } seed ? YamlPrinter.Random(seed) : YamlPrinter.Canonical;
        if (include is not null)
        {
            File.WriteAllText(Path.Combine(directory, "style.yaml"), printer.Print(include));
        }

        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path, printer.Print(script));
        return path;
    }

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
