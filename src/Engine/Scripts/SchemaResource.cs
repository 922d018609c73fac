using NJsonSchema;

namespace Reel.Engine.Scripts;

/// <summary>The embedded <c>schemas/reel.schema.json</c>, loaded once.</summary>
/// <remarks>
/// Each form lives in its own holder class, initialised on first use: a valid script needs only the
/// <see cref="Proof"/>, and touching NJsonSchema's types at all loads NJsonSchema and netstandard (≈20 ms cold).
/// </remarks>
internal static class SchemaResource
{
    /// <summary>Manifest resource name set in Engine.csproj.</summary>
    public const string ResourceName = "reel.schema.json";

    /// <summary>The schema text exactly as shipped (what <c>reel schema</c> prints).</summary>
    public static string Text => TextHolder.Value;

    /// <summary>The parsed schema for a whole script.</summary>
    public static JsonSchema Script => SchemaHolder.Value;

    /// <summary>The sub-schema for files listed under <c>include:</c>.</summary>
    public static JsonSchema Include => Script.Definitions["include"];

    /// <summary>The fast validity proof compiled from the same text (milliseconds, where NJsonSchema's load takes ≈0.5 s cold).</summary>
    public static SchemaProof Proof => ProofHolder.Value;

    private static string ReadText()
    {
        using var stream = typeof(SchemaResource).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource '{ResourceName}' is missing from {typeof(SchemaResource).Assembly.GetName().Name}; check Engine.csproj");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static class TextHolder
    {
        public static readonly string Value = ReadText();
    }

    private static class ProofHolder
    {
        public static readonly SchemaProof Value = SchemaProof.Parse(TextHolder.Value);
    }

    private static class SchemaHolder
    {
        // The schema is a local resource without external references, so the async loader
        // completes synchronously; blocking here cannot deadlock.
        public static readonly JsonSchema Value = JsonSchema.FromJsonAsync(TextHolder.Value).ConfigureAwait(false).GetAwaiter().GetResult();
    }
}
