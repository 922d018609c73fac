using System.Globalization;
using System.Text;

namespace Reel.Bench;

/// <summary>Writes large, valid storyboards for the benchmarks.</summary>
internal static class Generator
{
    private static readonly string[] Words = ["wide", "shot", "barista", "coffee", "street", "tram", "rain", "window", "steam", "cup", "shadow", "door"];

    /// <summary>
    /// The <c>plan</c> storyboard: <paramref name="scenes"/> scenes (every 10th a 2-value matrix,
    /// every 7th with 2 takes, characters and template includes throughout), one continuation per
    /// 5 scenes, one edit per 10, and a cut of 100 shots; characters, vars and templates live in an
    /// included file. Returns the script path.
    /// </summary>
    public static string PlanStoryboard(string dir, int scenes)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "cast.yaml"), """
            characters:
              mira: { name: Mira, description: a barista in her 30s with short silver hair }
              tomas: { name: Tomás, description: a tram driver with a grey moustache }
              ana: { name: Ana, description: a student carrying a red umbrella }
            vars:
              city: Lisbon
              look: 35mm film, warm dawn light, shallow depth of field
              moods: [calm, busy, tense]
            templates:
              base: "{{ look }}."
              establishing: "{{ include 'base' }} Wide establishing shot of {{ city }}"
              closeup: "{{ include 'base' }} Close-up, {{ moods[1] }} mood"
            """);

        var s = new StringBuilder();
        s.Append("# yaml-language-server: $schema=../../schemas/reel.schema.json\n");
        s.Append("reel: 1\ntitle: Benchmark\nprovider: local\ninclude: [cast.yaml]\n");
        s.Append("defaults:\n  model: preview\n  size: 128x72\n  seconds: 2\n");
        s.Append("vars:\n  street: Rua Augusta\n");
        s.Append("scenes:\n");
        var ids = new List<string>();
        for (var i = 0; i < scenes; i++)
        {
            var id = $"scene-{I(i)}";
            var template = (i % 3) switch { 0 => "establishing", 1 => "closeup", _ => "base" };
            var character = (i % 4) switch { 0 => "mira", 1 => "tomas", 2 => "ana", _ => null };
            s.Append($"  - id: {id}\n");
            s.Append($"    prompt: |\n      {{{{ include '{template}' }}}}. Shot {I(i)} on {{{{ street }}}}: {W(i)} {W(i + 3)} {W(i + 7)}");
            if (character is not null)
            {
                s.Append($", {{{{ characters.{character}.name }}}}, {{{{ characters.{character}.description }}}}");
            }

            if (i % 10 == 0)
            {
                s.Append(", in {{ light }} light");
            }

            s.Append(".\n");
            if (character is not null)
            {
                s.Append($"    characters: [{character}]\n");
            }

            if (i % 10 == 0)
            {
                s.Append("    matrix: { light: [dawn, neon] }\n");
                ids.Add($"{id}[light=dawn]");
            }
            else
            {
                ids.Add(id);
            }

            if (i % 7 == 0)
            {
                s.Append("    takes: 2\n    pick: 2\n");
            }

            if (i % 5 == 0)
            {
                s.Append("    seconds: 1\n");
            }
        }

        s.Append("continuations:\n");
        var continuations = new List<string>();
        for (var i = 0; i < scenes / 5; i++)
        {
            var id = $"cont-{I(i)}";
            s.Append($"  - id: {id}\n    from: {ids[i * 5]}\n    prompt: \"{{{{ characters.mira.name }}}} keeps walking past the {W(i)}.\"\n    seconds: 1\n");
            if (i % 2 == 1)
            {
                s.Append("    mode: last-frame\n");
            }

            continuations.Add(id);
        }

        s.Append("edits:\n");
        var edits = new List<string>();
        for (var i = 0; i < scenes / 10; i++)
        {
            var id = $"edit-{I(i)}";
            var from = i % 2 == 0 ? continuations[i * 2] : ids[(i * 10) + 3];
            s.Append($"  - id: {id}\n    from: {from}\n    prompt: Warmer grade, more {W(i)}.\n");
            edits.Add(id);
        }

        var shots = edits.Concat(continuations).Take(100);
        s.Append($"cut:\n  - id: film\n    output: out/film.mp4\n    shots: [{string.Join(", ", shots)}]\n");
        var path = Path.Combine(dir, "storyboard.yaml");
        File.WriteAllText(path, s.ToString());
        return path;
    }

    /// <summary>
    /// The <c>rerun</c> storyboard: exactly <paramref name="steps"/> steps on the local provider
    /// (128x72, 1 s clips): 60% scenes, 24% extensions, the rest edits, and one cut.
    /// </summary>
    public static string RerunStoryboard(string dir, int steps)
    {
        Directory.CreateDirectory(dir);
        var scenes = steps * 6 / 10;
        var continuations = steps * 24 / 100;
        var edits = steps - scenes - continuations - 1;
        var s = new StringBuilder();
        s.Append("reel: 1\ntitle: Rerun\nprovider: local\ndefaults: { size: 128x72, seconds: 1 }\n");
        s.Append("vars: { city: Lisbon }\ntemplates: { base: \"Shot in {{ city }}\" }\n");
        s.Append("scenes:\n");
        for (var i = 0; i < scenes; i++)
        {
            s.Append($"  - {{ id: s{I(i)}, prompt: \"{{{{ include 'base' }}}}, {W(i)} {W(i + 5)} number {I(i)}\" }}\n");
        }

        s.Append("continuations:\n");
        for (var i = 0; i < continuations; i++)
        {
            s.Append($"  - {{ id: c{I(i)}, from: s{I(i)}, prompt: \"It goes on, {W(i)}.\" }}\n");
        }

        s.Append("edits:\n");
        for (var i = 0; i < edits; i++)
        {
            var from = i % 2 == 0 ? $"c{I(i % continuations)}" : $"s{I(scenes - 1 - i)}";
            s.Append($"  - {{ id: e{I(i)}, from: {from}, prompt: \"Warmer, {W(i)}.\" }}\n");
        }

        s.Append($"cut:\n  - {{ id: film, output: out/film.mp4, shots: [{string.Join(", ", Enumerable.Range(0, Math.Min(20, edits)).Select(i => $"e{I(i)}"))}] }}\n");
        var path = Path.Combine(dir, "storyboard.yaml");
        File.WriteAllText(path, s.ToString());
        return path;
    }

    private static string W(int i) => Words[i % Words.Length];

    private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);
}
