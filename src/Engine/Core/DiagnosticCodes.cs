using System.Collections.Immutable;
using System.Reflection;

namespace Reel.Engine.Core;

/// <summary>
/// The catalogue of every diagnostic Reel reports: one descriptor per code, one meaning per code.
/// Emitters report through these (<see cref="DiagnosticBag.Report"/>), never with a code written
/// as text; the diagnostic table of docs/diagnostics.md is <see cref="DiagnosticTable.Markdown"/> of <see cref="All"/>.
/// </summary>
/// <remarks>
/// Codes are stable: never renumber one or give it a second meaning. A new meaning gets a new
/// code in its stage's range (RL00xx files, RL01xx YAML and schema, RL02xx steps and references,
/// RL03xx paths and includes, RL04xx provider capabilities, RL05xx prompts).
/// </remarks>
public static class DiagnosticCodes
{
    // RL00xx: files Reel reads.

    public static readonly DiagnosticDescriptor CannotRead = Error(
        "RL0001", "a script or included file cannot be read",
        "cannot read 'nope.yaml': file not found", "cannot read 'film': it is a directory; name the script file, e.g. 'film/storyboard.yaml'",
        "cannot read 'notes.txt': an included file must be YAML ('.yaml' or '.yml')");

    public static readonly DiagnosticDescriptor InvalidLock = Error(
        "RL0002", "the lock file is malformed",
        "the lock file is not valid: unknown key 'garbage' (expected 'reel-lock' or 'steps'); fix it or delete it to plan from scratch");

    // RL01xx: Load (YAML) and Validate (schema).

    public static readonly DiagnosticDescriptor InvalidYaml = Error(
        "RL0101", "invalid YAML (syntax, unknown alias, merge key, non-string key, nesting too deep)",
        "invalid YAML: while scanning a quoted scalar, found unexpected end of stream");

    public static readonly DiagnosticDescriptor DuplicateKey = Error(
        "RL0102", "duplicate mapping key",
        "duplicate key 'title' (first defined at line 2)");

    public static readonly DiagnosticDescriptor TabIndentation = Error(
        "RL0103", "tab in indentation",
        "tab character in indentation; YAML indents with spaces only");

    public static readonly DiagnosticDescriptor AliasBomb = Error(
        "RL0104", "alias bomb",
        "aliases expand to more than 100,000 nodes; the document looks like an alias bomb and was not expanded");

    public static readonly DiagnosticDescriptor SecondDocument = Error(
        "RL0105", "more than one YAML document",
        "a script holds one YAML document; remove the second '---' document");

    public static readonly DiagnosticDescriptor EmptyScript = Error(
        "RL0106", "empty script",
        "the script is empty; a script starts with 'reel: 1'");

    public static readonly DiagnosticDescriptor UnknownKey = Error(
        "RL0110", "unknown key",
        "unknown key 'promt' in scene 'a' (did you mean 'prompt'?)");

    public static readonly DiagnosticDescriptor MissingKey = Error(
        "RL0111", "missing required key",
        "scene 'a' is missing required key 'prompt'");

    public static readonly DiagnosticDescriptor WrongType = Error(
        "RL0112", "wrong type",
        "'scenes' must be a list, not a string (\"hello\")");

    public static readonly DiagnosticDescriptor NotAllowed = Error(
        "RL0113", "value not allowed (enum, pattern, const)",
        "'fit' in scene 'a' must be one of: cover, pad (got 'padd'; did you mean 'pad'?)");

    public static readonly DiagnosticDescriptor OutOfRange = Error(
        "RL0114", "value out of range (number, list length)",
        "'seconds' in 'defaults' must be between 1 and 120 (got 500)");

    public static readonly DiagnosticDescriptor OtherSchemaViolation = Error(
        "RL0115", "any other schema violation");

    // RL02xx: Bind (ids, references, takes, matrices, cuts).

    public static readonly DiagnosticDescriptor DuplicateId = Error(
        "RL0201", "duplicate id",
        "duplicate id 'a': already used by the scene at line 3");

    public static readonly DiagnosticDescriptor UnknownStep = Error(
        "RL0202", "unknown step in a reference",
        "unknown step 'opne' (did you mean 'open'?)");

    public static readonly DiagnosticDescriptor UnknownCharacter = Error(
        "RL0203", "unknown character",
        "unknown character 'mria' (did you mean 'mira'?)");

    public static readonly DiagnosticDescriptor Cycle = Error(
        "RL0204", "dependency cycle (every cycle is reported)",
        "cycle: a → b → a");

    public static readonly DiagnosticDescriptor TakeOutOfRange = Error(
        "RL0205", "pick or take out of range",
        "pick 3 is out of range: the step has 2 takes");

    public static readonly DiagnosticDescriptor MatrixSelector = Error(
        "RL0206", "a reference's matrix cell does not fit the step (no matrix, unknown axis or value, an axis missing or named twice)",
        "'pour' is a matrix step with 2 variants; name one, e.g. 'pour[light=dawn]'");

    public static readonly DiagnosticDescriptor CutAsClip = Error(
        "RL0207", "a cut used where a clip is needed",
        "'c' is a cut; 'from' takes scenes, continuations or edits");

    public static readonly DiagnosticDescriptor RepeatedEntry = Error(
        "RL0208", "a matrix axis or a scene's character list names a value twice (Bind's own check; after Validate the schema reports it first, as RL0115)",
        "matrix axis 'light' lists 'dawn' twice");

    public static readonly DiagnosticDescriptor BadTrim = Error(
        "RL0210", "a shot's trim is outside its clip or keeps nothing",
        "trim out 9 s is past the end of 'a' (4 s)");

    public static readonly DiagnosticDescriptor TransitionTooLong = Error(
        "RL0211", "a fade or crossfade longer than a shot it joins",
        "a 3 s crossfade into 'b' is longer than a shot it joins");

    public static readonly DiagnosticDescriptor TooManySteps = Error(
        "RL0212", "a scene or the script expands to more steps than the limits allow (docs/limits.md)",
        "'pour' expands to 1,024 matrix cells × 2 takes = 2,048 steps; one scene may expand to at most 1,000 (split it, or use fewer axes or values)");

    public static readonly DiagnosticDescriptor OutputCollision = Error(
        "RL0213", "two steps write one file (cut outputs, shot exports)",
        "'film' and 'open' both write 'out/shots/open.mp4'");

    public static readonly DiagnosticDescriptor MatrixAxisChangesNothing = Warning(
        "RL0219", "a matrix axis that changes nothing in its scene (its cells would render the same clip once)",
        "matrix axis 'mood' changes nothing in 'title': its cells have the same prompt and settings, so they share one clip; use {{ mood }} in the prompt, or drop the axis");

    public static readonly DiagnosticDescriptor UnknownProfile = Error(
        "RL0220", "unknown profile (`--profile`, `REEL_PROFILE`), or a profile asked of a script without `profiles:`",
        "unknown profile 'fianl' (the script's profiles: draft, final) (did you mean 'final'?)");

    public static readonly DiagnosticDescriptor NoPick = Warning(
        "RL0221", "with `takes: picked`, a step with several takes and no `pick:` (`reel run` refuses it before anything is spent)",
        "'open' has 3 takes and no pick; choose one with `reel pick storyboard.yaml open#N` (N from 1 to 3)");

    public static readonly DiagnosticDescriptor NothingToPickFrom = Error(
        "RL0222", "`takes: picked` with no profile that renders the takes, or `carry` without `takes: picked`",
        "profile 'final' says 'takes: picked' but no profile renders the takes to pick from; list one without it, e.g. 'draft: { takes: 3 }'");

    public static readonly DiagnosticDescriptor ShotSeconds = Error(
        "RL0223", "a scene's `shots:` do not add up to its `seconds`",
        "the shots of scene 'alley' add up to 7 s but the scene is 8 s (seconds: 8); make the shots' seconds sum to 8");

    public static readonly DiagnosticDescriptor ClipPlaysTwice = Warning(
        "RL0214", "a cut plays a clip and a continuation that already contains it, so the clip plays twice",
        "cut 'film' plays 'open' and 'open-2', which already starts with it (a continuation's clip holds its source); 'open' plays twice: remove it from 'shots'");

    // RL03xx: paths and includes.

    public static readonly DiagnosticDescriptor PathEscapes = Error(
        "RL0301", "path leaves the script's directory (written so, or through a link; also `.reel`, `out` or a folder in them as a link outside)",
        "path '../x.png' leaves the script's directory; keep assets beside the script (or --allow-outside)",
        "path 'assets/cast.yaml' leads through a link outside the script's directory; keep assets beside the script (or --allow-outside)");

    public static readonly DiagnosticDescriptor AbsolutePath = Error(
        "RL0302", "absolute path",
        "absolute path '/etc/x.png' is not allowed; use a path relative to the script (or --allow-outside)");

    public static readonly DiagnosticDescriptor FileNotFound = Error(
        "RL0303", "file not found",
        "file not found: 'assets/nope.png'");

    public static readonly DiagnosticDescriptor DefinedTwice = Error(
        "RL0304", "a variable, template or character defined twice (across includes)",
        "variable 'city' is already defined at inc.yaml(2,3)");

    public static readonly DiagnosticDescriptor CannotUseFile = Error(
        "RL0310", "an input is not a regular file (a directory, device, FIFO or socket), is over its size cap, or its links cannot be resolved",
        "cannot use 'assets/noise.png': it is not a regular file (a device, FIFO or socket); Reel reads only regular files");

    public static readonly DiagnosticDescriptor NotAnImage = Error(
        "RL0311", "an image input is not a PNG, JPEG or WebP Reel can read (empty, truncated, no pixels, another format)",
        "'notes.png' is not an image Reel can read (PNG, JPEG or WebP expected)");

    public static readonly DiagnosticDescriptor ImageTooLarge = Error(
        "RL0312", "an image's header claims more pixels than the budget (40 megapixels, 16,384 a side)",
        "'bomb.png' is 20000x20000 pixels (400 megapixels), over Reel's budget of 40 megapixels and 16384 pixels a side; scale it down (providers take at most a video frame's size)");

    public static readonly DiagnosticDescriptor LayoutNotFolder = Error(
        "RL0313", "`.reel` or `out` beside the script is not a folder",
        "'.reel' beside the script is a file, not a folder; Reel keeps its journal and store there. Move it aside (e.g. `mv .reel .reel.old`) and run again");

    // RL04xx: the provider's capability table.

    public static readonly DiagnosticDescriptor UnknownProvider = Error(
        "RL0401", "unknown provider",
        "unknown provider 'opnai' (did you mean 'openai'?) (known: fal, local, openai, veo, veo-vertex)");

    public static readonly DiagnosticDescriptor UnknownModel = Error(
        "RL0402", "the provider has no such model",
        "provider 'openai' has no model 'sora-3' (did you mean 'sora-2'?) (models: sora-2, …)");

    public static readonly DiagnosticDescriptor SizeNotSupported = Error(
        "RL0403", "size not supported",
        "'sora-2' has no size 1792x1024 (sizes: 1280x720, 720x1280); 'sora-2-pro' has it");

    public static readonly DiagnosticDescriptor SecondsNotSupported = Error(
        "RL0404", "seconds not supported (clip or extension)",
        "'sora-2' cannot make 5 s clips (seconds: 4, 8, 12, 16, 20; nearest: 4)");

    public static readonly DiagnosticDescriptor OperationNotSupported = Error(
        "RL0405", "the provider lacks an operation (first-frame image, edit)",
        "provider 'P' cannot edit clips");

    public static readonly DiagnosticDescriptor TooManyCharacters = Error(
        "RL0406", "too many characters in one clip",
        "provider 'openai' takes at most 2 characters per clip (this scene lists 3)");

    public static readonly DiagnosticDescriptor ExtensionLimit = Error(
        "RL0407", "extension limits (count per clip, total length)",
        "'h' would be extension number 7 of one clip; 'openai' allows at most 6");

    public static readonly DiagnosticDescriptor NoNativeExtension = Warning(
        "RL0408", "no native extension, `last-frame` used instead",
        "provider 'P' has no native extension; 'open-2' continues from the last frame instead (mode: last-frame)");

    public static readonly DiagnosticDescriptor ExtensionMustKeep = Error(
        "RL0409", "an extension changes what it must keep (size, model), or its source's size can't be extended",
        "an extension keeps its source's size (1280x720); remove 'size' or use mode: last-frame");

    public static readonly DiagnosticDescriptor UnknownOption = Error(
        "RL0410", "unknown provider option",
        "provider 'fal' has no option 'negative_promt' (did you mean 'negative_prompt'?) (options: …)");

    public static readonly DiagnosticDescriptor BadOption = Error(
        "RL0411", "bad option value, or an option that does not apply to this model, step or duration",
        "option 'safety_tolerance' on 'fal' takes 1, 2, 3, 4, 5, 6 (got '9')");

    public static readonly DiagnosticDescriptor MultiShotNotSupported = Error(
        "RL0412", "`shots:` on a provider or model without multi-shot, or more shots than it takes",
        "provider 'veo' cannot render several shots in one clip; remove 'shots' or use a provider with multi-shot (kling: kling-v3; local)",
        "'kling-v3' on 'kling' takes at most 6 shots in one clip (this scene gives 7)");

    public static readonly DiagnosticDescriptor ServerNodeMismatch = Error(
        "RL0413", "a comfy workflow's node class or bound input is unknown to the server (`/object_info`; checked by `reel validate` when COMFY_BASE_URL answers)",
        "bind 'seed: 3.noise_seed': node 3 (KSampler) on the server has no input 'noise_seed' (did you mean 'seed'?)",
        "workflow 'wan22_t2v.api.json': node 55 is a 'WanImageToVideo', which the server does not have (a custom node not installed?)");

    // RL05xx: prompts (Scriban templates).

    public static readonly DiagnosticDescriptor TemplateSyntax = Error(
        "RL0501", "template syntax error",
        "template syntax: error while parsing if statement: …");

    public static readonly DiagnosticDescriptor UndefinedVariable = Error(
        "RL0502", "undefined variable or member",
        "undefined variable 'ctiy' (did you mean 'city'?)");

    public static readonly DiagnosticDescriptor UnknownTemplate = Error(
        "RL0503", "unknown template in `include`",
        "unknown template 'establshing' (did you mean 'establishing'?)");

    public static readonly DiagnosticDescriptor TemplateLimit = Error(
        "RL0504", "template limits exceeded (recursion, loops, render time and memory, regex time; docs/limits.md)",
        "template limit exceeded: exceeding number of recursive depth limit …");

    public static readonly DiagnosticDescriptor PromptLength = Error(
        "RL0505", "prompt renders empty or too long",
        "the prompt renders to empty text");

    public static readonly DiagnosticDescriptor CharacterNotInPrompt = Warning(
        "RL0506", "a listed character's name is missing from the prompt",
        "character 'mira' is listed but its name 'Mira' does not appear in the prompt; …");

    public static readonly DiagnosticDescriptor TemplateRuntime = Error(
        "RL0507", "a template fails while rendering (a value of the wrong type, a call of something that is not a function)",
        "unable to convert type `string` to int");

    public static readonly DiagnosticDescriptor NondeterministicFunction = Error(
        "RL0508", "a template calls a function whose value changes on every render (`date.now`, `math.random`, `math.uuid`)",
        "'math.uuid' gives a different value on every render; …");

    /// <summary>Every descriptor above, in code order.</summary>
    public static ImmutableArray<DiagnosticDescriptor> All { get; } =
    [
        .. typeof(DiagnosticCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Code, StringComparer.Ordinal),
    ];

    /// <summary>The descriptor of <paramref name="code"/>, or null when Reel has no such code.</summary>
    public static DiagnosticDescriptor? Find(string code) => All.FirstOrDefault(d => d.Code == code);

    private static DiagnosticDescriptor Error(string code, string title, params string[] examples) =>
        new(code, Severity.Error, title, [.. examples]);

    private static DiagnosticDescriptor Warning(string code, string title, params string[] examples) =>
        new(code, Severity.Warning, title, [.. examples]);
}
