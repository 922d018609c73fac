using System.CommandLine;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Cli.Commands;

internal static class InitCommand
{
    private const string Storyboard = """
        # yaml-language-server: $schema=./reel.schema.json
        # A Reel storyboard. In this folder, `reel validate` checks it, `reel plan` shows what would run
        # and what it costs, and `reel run` renders it (each reads ./storyboard.yaml unless you name a file).
        reel: 1
        title: My First Film
        provider: local              # the embedded offline renderer; later `--provider fal|veo|veo-vertex|runway|kling|comfy|openai` (`reel providers` lists them)

        defaults:                    # every step inherits these unless it sets its own; no model, so each
                                     # provider uses its default (`reel providers NAME` lists its models)
          size: 1280x720             # 16:9 landscape; 720x1280 is 9:16 portrait
          seconds: 4

        vars:                        # visible in every prompt as {{ name }}
          place: a quiet harbour at dawn

        scenes:
          - id: opening
            prompt: Wide shot of {{ place }}, gulls circling over fishing boats.

        cut:
          - id: film
            output: out/film.mp4
            shots: [opening]

        """;

    public static Command Create(CliContext context)
    {
        var dir = new Argument<string>("DIR") { Description = "Where to create the project (default: the current directory).", DefaultValueFactory = _ => "." };
        var command = new Command("init", "Scaffold a commented storyboard, its schema for editor completion, and a .gitignore.") { dir };
        command.SetAction(parse =>
        {
            var target = context.FullPath(parse.GetValue(dir)!);
            var script = Path.Combine(target, "storyboard.yaml");
            var schema = Path.Combine(target, "reel.schema.json");
            var includeSchema = Path.Combine(target, "reel.include.schema.json"); // for files listed under include:
            var assets = Path.Combine(target, "assets");
            var gitignore = Path.Combine(target, ".gitignore");
            if (File.Exists(script) || ProjectFiles.IsLink(script))
            {
                context.Error.WriteLine($"error: {context.RelativePath(script)} already exists; init does not overwrite files");
                return ExitCodes.Invalid;
            }

            // A link (even a dangling one) would be written through, to anywhere: refuse before writing anything.
            if (new[] { schema, includeSchema, assets, gitignore }.FirstOrDefault(ProjectFiles.IsLink) is { } link)
            {
                context.Error.WriteLine($"error: {context.RelativePath(link)} is a link; init writes only plain files inside {context.RelativePath(target)}, so remove the link first");
                return ExitCodes.Invalid;
            }

            if (File.Exists(gitignore) && ProjectFiles.ReadProblem(gitignore, ProjectFiles.MaxYamlBytes) is { } problem)
            {
                context.Error.WriteLine($"error: cannot read {context.RelativePath(gitignore)}: {problem}");
                return ExitCodes.Invalid;
            }

            Directory.CreateDirectory(target);
            Directory.CreateDirectory(assets);
            using (var created = new FileStream(script, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(created))
            {
                writer.Write(Storyboard);
            }

            File.WriteAllText(schema, SchemaValidator.SchemaText);
            File.WriteAllText(includeSchema, SchemaGenerator.IncludeSchema(SchemaValidator.SchemaText));
            var existing = File.Exists(gitignore) ? File.ReadAllLines(gitignore) : [];
            var missing = new[] { ".reel/", "out/" }.Where(l => !existing.Contains(l)).ToList();
            if (missing.Count > 0)
            {
                File.AppendAllLines(gitignore, missing);
            }

            context.Out.WriteLine($"created {context.RelativePath(script)}");
            var folder = context.RelativePath(target);
            context.Out.WriteLine(folder == "." ? "next: reel plan && reel run" : $"next: cd {ShellWord(folder)} && reel plan && reel run");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary><paramref name="word"/> as a POSIX shell reads it back: as is when it is plain, else in single quotes.</summary>
    private static string ShellWord(string word) =>
        word.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/' or '+' or ',')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
