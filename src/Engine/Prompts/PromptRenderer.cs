using System.Collections;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Reel.Engine.Core;
using Reel.Engine.Scripts;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Reel.Engine.Prompts;

/// <summary>
/// Renders prompts as Scriban templates in strict mode. Errors become diagnostics at the YAML
/// line and column of the offending text, inside the prompt or inside the included template.
/// </summary>
public sealed partial class PromptRenderer
{
    /// <summary>The longest prompt any provider accepts (OpenAI: 32,000 characters).</summary>
    public const int MaxPromptLength = 32_000;

    /// <summary>
    /// Template functions whose result changes from one render to the next. A prompt is part of its step's key, so
    /// one of these would make every plan see a new key and pay for the step again: each is replaced by a function
    /// that fails with <see cref="DiagnosticCodes.NondeterministicFunction"/> at the call.
    /// </summary>
    public static readonly IReadOnlyList<string> NondeterministicFunctions = ["date.now", "math.random", "math.uuid"];

    private readonly Script _script;
    private readonly RenderLimits _limits;
    private ScribanState? _scriban;

    public PromptRenderer(Script script, RenderLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        _script = script;
        _limits = limits ?? RenderLimits.Default;
    }

    /// <summary>
    /// Everything Scriban, built on the first prompt that needs it: a script of plain prompts never loads
    /// Scriban (tens of milliseconds in a cold process). Even a field typed with a Scriban type would load it.
    /// </summary>
    private ScribanState ScribanSide => LazyInitializer.EnsureInitialized(ref _scriban, () => new ScribanState(BuildGlobals()));

    private ScriptObject BuildGlobals()
    {
        var globals = new ScriptObject();
        foreach (var (name, value) in _script.Vars)
        {
            globals[name] = ToScriban(value);
        }

        var characters = new ScriptObject();
        foreach (var c in _script.Characters)
        {
            characters[c.Id] = new ScriptObject { ["name"] = c.Name, ["description"] = c.Description ?? "", ["id"] = c.Id };
        }

        globals["characters"] = characters;
        return globals;
    }

    /// <summary>Renders one prompt with extra variables (matrix values). Returns null after reporting errors.</summary>
    /// <remarks>Thread-safe: prompts may be rendered in parallel, each with its own diagnostic bag.</remarks>
    public string? Render(TemplateText prompt, IReadOnlyList<KeyValuePair<string, string>> locals, DiagnosticBag diagnostics)
    {
        if (!prompt.Text.Contains("{{", StringComparison.Ordinal) && !prompt.Text.Contains("{%", StringComparison.Ordinal))
        {
            // Plain text renders to itself; skipping Scriban keeps large scripts fast.
            return Check(prompt, prompt.Text.Trim(), diagnostics);
        }

        // Most templates are plain substitutions of strings: rendered without Scriban, to the same text.
        if (SimpleTemplate.TryRender(prompt.Text, locals, _script, MaxPromptLength, trim: true) is { } simple)
        {
            return Check(prompt, simple, diagnostics);
        }

        return RenderWithScriban(prompt, locals, diagnostics);
    }

    /// <summary>A method of its own: its body names Scriban's types, and calling it is what loads Scriban. Internal for the test that holds <see cref="SimpleTemplate"/> to it.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal string? RenderWithScriban(TemplateText prompt, IReadOnlyList<KeyValuePair<string, string>> locals, DiagnosticBag diagnostics)
    {
        var template = Parse(prompt, "", diagnostics);
        if (template is null)
        {
            return null;
        }

        var context = new BudgetedContext(SharedBuiltins.Value, _limits)
        {
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            LoopLimit = 1000,
            RecursiveLimit = 16,
            LimitToString = MaxPromptLength,
            OutputLimit = MaxPromptLength * 4,
            ObjectRecursionLimit = 16,
            RegexTimeOut = _limits.Regex,
            MemberRenamer = member => member.Name,
            TemplateLoader = new Loader(this, diagnostics) { CurrentPrompt = prompt },
        };
        var localValues = new ScriptObject();
        context.PushGlobal(context.BuiltinObject);
        context.PushGlobal(ScribanSide.Globals);
        foreach (var (k, v) in locals)
        {
            localValues[k] = v;
        }

        context.PushGlobal(localValues);
        try
        {
            var text = template.Render(context);
            return context.Exceeded is null ? Check(prompt, text.Trim(), diagnostics) : ReportBudget(context, prompt, diagnostics);
        }
        catch (Exception) when (context.Exceeded is not null)
        {
            // Whatever unwound the render, it stopped because it ran out of time or memory.
            return ReportBudget(context, prompt, diagnostics);
        }
        catch (NondeterministicCallException ex)
        {
            var origin = OriginOf(ex.Span, prompt);
            diagnostics.Report(DiagnosticCodes.NondeterministicFunction, $"'{ex.Function}' gives a different value on every render; a prompt is part of its step's key, so every plan would pay for the step again. Write the value into the script (vars, matrix) instead", SourceMapper.Map(origin.Source, origin.Node, ex.Span.Start.Offset));
            return null;
        }
        catch (ScriptRuntimeException ex)
        {
            ReportRuntime(ex, prompt, locals, diagnostics);
            return null;
        }
        catch (RegexMatchTimeoutException)
        {
            diagnostics.Report(DiagnosticCodes.TemplateLimit, $"template limit exceeded: a regular expression ran longer than {_limits.Regex.TotalMilliseconds:0} ms", prompt.Node.Location);
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InvalidCastException or IndexOutOfRangeException or NotSupportedException or InvalidOperationException)
        {
            // A builtin function given values it cannot take fails with a plain .NET exception; the values are the user's.
            diagnostics.Report(DiagnosticCodes.TemplateRuntime, "a template function failed: " + Tidy(ex.Message), prompt.Node.Location);
            return null;
        }
    }

    private static string? ReportBudget(BudgetedContext context, TemplateText prompt, DiagnosticBag diagnostics)
    {
        diagnostics.Report(DiagnosticCodes.TemplateLimit, "template limit exceeded: " + context.Exceeded, prompt.Node.Location);
        return null;
    }

    private TemplateText OriginOf(SourceSpan span, TemplateText prompt) =>
        span.FileName is { } f && f.StartsWith("template:", StringComparison.Ordinal) && _script.Templates.TryGetValue(f["template:".Length..], out var t) ? t : prompt;

    /// <summary>The script's Scriban globals and the parse caches.</summary>
    private sealed class ScribanState(ScriptObject globals)
    {
        public ScriptObject Globals { get; } = globals;

        public System.Collections.Concurrent.ConcurrentDictionary<string, Template> ParsedTemplates { get; } = new(StringComparer.Ordinal);

        // Prompts parsed once per distinct text: matrix cells and takes render the same prompt with other locals.
        public System.Collections.Concurrent.ConcurrentDictionary<string, Template> ParsedPrompts { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Scriban's builtin functions, built once (a fresh copy per prompt dominated expansion time), on first use.</summary>
    private static class SharedBuiltins
    {
        public static readonly ScriptObject Value = Builtins();
    }

    private static ScriptObject Builtins()
    {
        var builtins = TemplateContext.GetDefaultBuiltinObject();
        foreach (var name in NondeterministicFunctions)
        {
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            var group = (ScriptObject)builtins[name[..dot]]!;
            var member = name[(dot + 1)..];
            group.Remove(member);
            group.SetValue(member, new NondeterministicFunction(name), readOnly: true);
        }

        return builtins;
    }

    private static string? Check(TemplateText prompt, string text, DiagnosticBag diagnostics)
    {
        if (text.Length == 0)
        {
            diagnostics.Report(DiagnosticCodes.PromptLength, "the prompt renders to empty text", prompt.Node.Location);
            return null;
        }

        if (text.Length > MaxPromptLength)
        {
            diagnostics.Report(DiagnosticCodes.PromptLength, $"the prompt renders to {text.Length:N0} characters; providers accept at most {MaxPromptLength:N0}", prompt.Node.Location);
            return null;
        }

        return text;
    }

    private Template? Parse(TemplateText text, string templateName, DiagnosticBag diagnostics)
    {
        // Included templates by name, prompts by their text; only successful parses are kept, so every
        // prompt with a syntax error still reports it at its own location.
        var cache = templateName.Length == 0 ? ScribanSide.ParsedPrompts : ScribanSide.ParsedTemplates;
        var cacheKey = templateName.Length == 0 ? text.Text : templateName;
        if (cache.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var template = Template.Parse(text.Text, templateName.Length == 0 ? "prompt" : "template:" + templateName);
        if (template.HasErrors)
        {
            foreach (var message in template.Messages.Where(m => m.Type == ParserMessageType.Error))
            {
                if (HyphenatedCharacter(text, message.Span.Start.Offset) is { } hyphenated)
                {
                    diagnostics.Report(DiagnosticCodes.UndefinedVariable, hyphenated.Message, SourceMapper.Map(text.Source, text.Node, hyphenated.Offset));
                    break;
                }

                var (offset, words) = DescribeParseError(text.Text, message.Span.Start.Offset, message.Message);
                diagnostics.Report(DiagnosticCodes.TemplateSyntax, "template syntax: " + words, SourceMapper.Map(text.Source, text.Node, offset));
            }

            return null;
        }

        cache[cacheKey] = template;
        return template;
    }

    private void ReportRuntime(ScriptRuntimeException ex, TemplateText prompt, IReadOnlyList<KeyValuePair<string, string>> locals, DiagnosticBag diagnostics)
    {
        if (ex is ScriptParserRuntimeException parserEx)
        {
            // Errors inside an included template were already reported by the loader.
            _ = parserEx;
            return;
        }

        var origin = OriginOf(ex.Span, prompt);
        var location = SourceMapper.Map(origin.Source, origin.Node, ex.Span.Start.Offset);
        var message = ex.OriginalMessage ?? ex.Message;
        if (HyphenatedCharacter(origin, ex.Span.Start.Offset) is { } hyphenated)
        {
            diagnostics.Report(DiagnosticCodes.UndefinedVariable, hyphenated.Message, SourceMapper.Map(origin.Source, origin.Node, hyphenated.Offset));
        }
        else if (message.Contains("was not found", StringComparison.Ordinal))
        {
            var name = ExtractName(message);
            var known = _script.Vars.Keys.Concat(locals.Select(l => l.Key)).Concat(["characters"]);
            diagnostics.Report(DiagnosticCodes.UndefinedVariable, $"undefined variable '{name}'{Suggestions.DidYouMean(name, known)}", location);
        }
        else if (message.Contains("Cannot get member with name", StringComparison.Ordinal))
        {
            // Scriban does not say which object was asked; suggest from every member a prompt can reach.
            var name = message[(message.IndexOf("with name", StringComparison.Ordinal) + "with name".Length)..].Trim().Trim('`', '.', ' ');
            diagnostics.Report(DiagnosticCodes.UndefinedVariable, $"undefined member '{name}'{Suggestions.DidYouMean(name, MemberNames())}", location);
        }
        else if (ex.InnerException is RegexMatchTimeoutException || message.Contains("Regex engine has timed out", StringComparison.Ordinal))
        {
            diagnostics.Report(DiagnosticCodes.TemplateLimit, $"template limit exceeded: a regular expression ran longer than {_limits.Regex.TotalMilliseconds:0} ms", location);
        }
        else if (message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            diagnostics.Report(DiagnosticCodes.TemplateLimit, "template limit exceeded: " + Tidy(message), location);
        }
        else
        {
            diagnostics.Report(DiagnosticCodes.TemplateRuntime, Tidy(message), location);
        }
    }

    /// <summary>
    /// <c>characters.old-tom.name</c> reads as <c>characters.old - tom.name</c>, and <c>characters.2nd</c> does not read at all:
    /// an id with '-' or a leading digit is written <c>characters['old-tom'].name</c>, which works for every id.
    /// </summary>
    private (string Message, int Offset)? HyphenatedCharacter(TemplateText origin, int errorOffset)
    {
        foreach (Match m in HyphenatedMember().Matches(origin.Text))
        {
            var id = m.Groups["id"].Value;
            if ((id.Contains('-', StringComparison.Ordinal) || char.IsAsciiDigit(id[0])) && errorOffset >= m.Index - 2 && errorOffset <= m.Index + m.Length + 2)
            {
                var member = m.Groups["member"].Success ? m.Groups["member"].Value : ".name";
                var known = _script.Characters.Any(c => c.Id == id) ? "" : $" (no character '{id}' is declared{Suggestions.DidYouMean(id, _script.Characters.Select(c => c.Id))})";
                return ($"'characters.{id}' does not read as one id: write an id with '-' or a leading digit in brackets, {{{{ characters['{id}']{member} }}}}{known}", m.Index);
            }
        }

        return null;
    }

    [GeneratedRegex(@"characters\.(?<id>[a-z0-9][a-z0-9-]*)(?<member>\.[a-z_]+)?", RegexOptions.None, 100)]
    private static partial Regex HyphenatedMember();

    private IEnumerable<string> MemberNames() =>
        _script.Characters.Select(c => c.Id)
            .Concat(["name", "description", "id"])
            .Concat(_script.Vars.Values.OfType<IDictionary<string, object?>>().SelectMany(d => d.Keys));

    private static string ExtractName(string message)
    {
        var start = message.IndexOf('`', StringComparison.Ordinal);
        var end = start >= 0 ? message.IndexOf('`', start + 1) : -1;
        return start >= 0 && end > start ? message[(start + 1)..end] : message;
    }

    /// <summary>
    /// Scriban marks some parse errors at the end of a keyword or at the body of an unclosed block;
    /// point at the keyword instead, and say it in words.
    /// </summary>
    private static (int Offset, string Message) DescribeParseError(string text, int offset, string message)
    {
        offset = Math.Clamp(offset, 0, Math.Max(0, text.Length - 1));
        var unclosed = Regex.Match(message, @"The <end> statement was not found in: (?<kw>[a-z]+) ");
        if (unclosed.Success)
        {
            var kw = unclosed.Groups["kw"].Value;
            var at = LastKeyword(text, kw, offset);
            return (at >= 0 ? at : offset, $"'{kw}' has no matching '{{{{ end }}}}'");
        }

        while (offset > 0 && offset < text.Length && char.IsLetter(text[offset]) && char.IsLetter(text[offset - 1]))
        {
            offset--;
        }

        if (message.Contains("Found <end> statement without a corresponding beginning", StringComparison.Ordinal))
        {
            return (offset, "'{{ end }}' without a block to close (if, for, while, with, capture)");
        }

        var tidy = Tidy(message);
        var cut = tidy.LastIndexOf(" in: ", StringComparison.Ordinal);
        return (offset, cut > 0 && tidy[(cut + 5)..].Trim() is "" or "..." ? tidy[..cut] : tidy);
    }

    private static int LastKeyword(string text, string keyword, int before)
    {
        for (var i = Math.Min(before, text.Length - keyword.Length); i >= 0; i--)
        {
            if (string.CompareOrdinal(text, i, keyword, 0, keyword.Length) == 0
                && (i == 0 || !char.IsLetterOrDigit(text[i - 1]))
                && (i + keyword.Length >= text.Length || !char.IsLetterOrDigit(text[i + keyword.Length])))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Tidy(string message)
    {
        var m = message.Trim().TrimEnd('.');
        return m.Length > 0 ? char.ToLowerInvariant(m[0]) + m[1..] : m;
    }

    private static object? ToScriban(object? value) => value switch
    {
        IDictionary<string, object?> map => map.Aggregate(new ScriptObject(), (o, kv) =>
        {
            o[kv.Key] = ToScriban(kv.Value);
            return o;
        }),
        string s => s,
        IEnumerable list => new ScriptArray(list.Cast<object?>().Select(ToScriban)),
        _ => value,
    };

    /// <summary>
    /// A template context that stops a render past its time or memory budget (<see cref="RenderLimits"/>).
    /// Scriban evaluates every node through <see cref="Evaluate"/>, and every loop turn through <see cref="OnStepLoop"/>,
    /// so a runaway template is stopped within one node of crossing either budget.
    /// </summary>
    private sealed class BudgetedContext(ScriptObject builtins, RenderLimits limits) : TemplateContext(builtins)
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly long _allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        /// <summary>Why the render was stopped, in words; null while it is within budget.</summary>
        public string? Exceeded { get; private set; }

        public override object? Evaluate(ScriptNode? scriptNode, bool aliasReturnedFunction)
        {
            Check(scriptNode);
            return base.Evaluate(scriptNode, aliasReturnedFunction);
        }

        protected override bool OnStepLoop(ScriptLoopStatementBase loop)
        {
            Check(loop);
            return base.OnStepLoop(loop);
        }

        private void Check(ScriptNode? node)
        {
            if (Exceeded is null)
            {
                if (Stopwatch.GetElapsedTime(_started) > limits.Time)
                {
                    Exceeded = $"the prompt did not finish rendering within {limits.Time.TotalSeconds:0.###} s";
                }
                else if (GC.GetAllocatedBytesForCurrentThread() - _allocatedBefore > limits.Memory)
                {
                    Exceeded = $"the prompt allocated more than {limits.Memory / (1024 * 1024)} MB while rendering";
                }
            }

            if (Exceeded is not null)
            {
                throw new ScriptRuntimeException(node?.Span ?? default, Exceeded);
            }
        }
    }

    /// <summary>Stands in for a builtin function whose result is not the same on every render.</summary>
    private sealed class NondeterministicFunction(string name) : IScriptCustomFunction
    {
        public int RequiredParameterCount => 0;

        public int ParameterCount => 0;

        public ScriptVarParamKind VarParamKind => ScriptVarParamKind.Direct;

        public Type ReturnType => typeof(object);

        public ScriptParameterInfo GetParameterInfo(int index) => new(typeof(object), "value");

        public object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
            throw new NondeterministicCallException(callerContext?.Span ?? default, name);

        public ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
            throw new NondeterministicCallException(callerContext?.Span ?? default, name);
    }

    private sealed class NondeterministicCallException(SourceSpan span, string function) : ScriptRuntimeException(span, $"'{function}' is not deterministic")
    {
        public string Function { get; } = function;
    }

    private sealed class Loader(PromptRenderer renderer, DiagnosticBag diagnostics) : ITemplateLoader
    {
        public string GetPath(TemplateContext context, SourceSpan callerSpan, string templateName)
        {
            if (!renderer._script.Templates.ContainsKey(templateName))
            {
                var origin = OriginOf(callerSpan);
                diagnostics.Report(DiagnosticCodes.UnknownTemplate, $"unknown template '{templateName}'{Suggestions.DidYouMean(templateName, renderer._script.Templates.Keys)}", SourceMapper.Map(origin.Source, origin.Node, callerSpan.Start.Offset));
                throw new ScriptParserRuntimeException(callerSpan, "missing template", []);
            }

            // Scriban parses an included template once per context, i.e. once per prompt: hand it the template
            // this renderer already parsed (same text, same name, default options), so it is parsed once per script.
            var path = "template:" + templateName;
            if (!context.CachedTemplates.ContainsKey(path) && renderer.ScribanSide.ParsedTemplates.TryGetValue(templateName, out var parsed))
            {
                context.CachedTemplates[path] = parsed;
            }

            return path;
        }

        public string Load(TemplateContext context, SourceSpan callerSpan, string templatePath)
        {
            var name = templatePath["template:".Length..];
            var text = renderer._script.Templates[name];
            if (renderer.Parse(text, name, diagnostics) is null)
            {
                throw new ScriptParserRuntimeException(callerSpan, "template has errors", []);
            }

            return text.Text;
        }

        public ValueTask<string?> LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
            ValueTask.FromResult<string?>(Load(context, callerSpan, templatePath));

        private TemplateText OriginOf(SourceSpan span) =>
            span.FileName is { } f && f.StartsWith("template:", StringComparison.Ordinal) && renderer._script.Templates.TryGetValue(f["template:".Length..], out var t)
                ? t
                : CurrentPrompt!;

        public TemplateText? CurrentPrompt { get; set; }
    }
}
