using NJsonSchema;

namespace Reel.Engine.Scripts;

/// <summary>The embedded <c>schemas/reel.schema.json</c>, loaded once.</summary>
internal static class SchemaResource
{
    /// <summary>Manifest resource name set in Engine.csproj.</summary>
    public const string ResourceName = "reel.schema.json";

    private static readonly Lazy<string> s_text = new(ReadText, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<JsonSchema> s_schema = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<SchemaProof> s_proof = new(() => SchemaProof.Parse(Text), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The schema text exactly as shipped (what <c>reel schema</c> prints).</summary>
    public static string Text => s_text.Value;

    /// <summary>The parsed schema for a whole script.</summary>
    public static JsonSchema Script => s_schema.Value;

    /// <summary>The fast validity proof compiled from the same text (milliseconds, where NJsonSchema's load takes ≈0.5 s cold).</summary>
    public static SchemaProof Proof => s_proof.Value;

    /// <summary>The sub-schema for files listed under <c>include:</c>.</summary>
    public static JsonSchema Include => Script.Definitions["include"];

    private static string ReadText()
    {
        using var stream = typeof(SchemaResource).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource '{ResourceName}' is missing from {typeof(SchemaResource).Assembly.GetName().Name}; check Engine.csproj");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // The schema is a local resource without external references, so the async loader
    // completes synchronously; blocking here cannot deadlock.
    private static JsonSchema Load() => JsonSchema.FromJsonAsync(Text).ConfigureAwait(false).GetAwaiter().GetResult();
}
