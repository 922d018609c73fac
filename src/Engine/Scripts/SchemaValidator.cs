using System.Globalization;
using System.Runtime.CompilerServices;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// Validate stage, schema half: checks a loaded YAML tree against the embedded
/// <c>schemas/reel.schema.json</c> (the same file editors use) and reports each violation
/// as a <see cref="Diagnostic"/> at the offending node, in words rather than JSON pointers.
/// </summary>
/// <remarks>
/// Codes: <see cref="DiagnosticCodes.UnknownKey"/>, <see cref="DiagnosticCodes.MissingKey"/>,
/// <see cref="DiagnosticCodes.WrongType"/>, <see cref="DiagnosticCodes.NotAllowed"/> (enum, pattern, const),
/// <see cref="DiagnosticCodes.OutOfRange"/> and <see cref="DiagnosticCodes.OtherSchemaViolation"/>.
/// Semantic checks (references, uniqueness, capabilities, paths) belong to Bind.
/// </remarks>
public static class SchemaValidator
{
    /// <summary>The schema text as embedded in the engine (what <c>reel schema</c> prints).</summary>
    public static string SchemaText => SchemaResource.Text;

    /// <summary>Validates a whole script against the schema.</summary>
    /// <param name="doc">The loaded script; nothing is reported when it could not be parsed (Load already did).</param>
    /// <param name="diagnostics">Receives one diagnostic per offending node.</param>
    public static void Validate(LoadedYaml doc, DiagnosticBag diagnostics) =>
        Run(doc, diagnostics, isInclude: false);

    /// <summary>Validates a file listed under <c>include:</c>, which may only hold <c>characters</c>, <c>vars</c> and <c>templates</c>.</summary>
    /// <param name="doc">The loaded include file.</param>
    /// <param name="diagnostics">Receives one diagnostic per offending node.</param>
    public static void ValidateInclude(LoadedYaml doc, DiagnosticBag diagnostics) =>
        Run(doc, diagnostics, isInclude: true);

    /// <summary>
    /// True when the fast proof shows <paramref name="root"/> valid, so NJsonSchema (and its load) is not needed.
    /// Internal for the tests that hold the proof to NJsonSchema's verdict.
    /// </summary>
    internal static bool ProvenValid(YNode root, bool isInclude) =>
        (isInclude ? SchemaResource.Proof.Include : SchemaResource.Proof.Script).Proves(root);

    private static void Run(LoadedYaml doc, DiagnosticBag diagnostics, bool isInclude)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (doc.Root is null)
        {
            // An unparsable file was reported by Load; an empty one is ours to report.
            if (!isInclude && IsBlank(doc.File.Text))
            {
                diagnostics.Report(DiagnosticCodes.MissingKey, "the script is empty; it must start with 'reel: 1'", new SourceLocation(doc.File.DisplayName, 1, 1));
            }

            return;
        }

        if (ProvenValid(doc.Root, isInclude))
        {
            // A valid tree has no diagnostics; NJsonSchema only runs to word what is wrong.
            return;
        }

        Report(doc, diagnostics, isInclude);
    }

    /// <summary>NJsonSchema validates and words the violations. A method of its own so that a valid script never loads NJsonSchema.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Report(LoadedYaml doc, DiagnosticBag diagnostics, bool isInclude)
    {
        var schema = isInclude ? SchemaResource.Include : SchemaResource.Script;
        var json = SchemaJson.From(doc.Root!);
        ICollection<ValidationError> errors;
        lock (schema)
        {
            // NJsonSchema resolves references and caches lazily inside the schema objects;
            // serialise access rather than rely on that being thread-safe.
            errors = schema.Validate(json.Root);
        }

        var mapper = new SchemaErrorMapper(json, doc.File, isInclude);
        foreach (var e in errors)
        {
            mapper.Add(e);
        }

        diagnostics.AddRange(mapper.Build());
    }

    private static bool IsBlank(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length > 0 && !line.StartsWith('#') && line != "---" && line != "...")
            {
                return false;
            }
        }

        return true;
    }
}
