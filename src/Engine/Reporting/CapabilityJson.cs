using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Reel.Engine.Providers;

namespace Reel.Engine.Reporting;

/// <summary>
/// The providers' capability tables as JSON (<c>reel providers --json</c>): the same facts as
/// <see cref="CapabilityTable"/>, in fields a program can read.
/// </summary>
public static class CapabilityJson
{
    /// <summary><c>{"providers":[…]}</c>, one object per provider as <see cref="Provider"/> writes it.</summary>
    public static string All(IEnumerable<ProviderCapabilities> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("providers");
            foreach (var t in providers)
            {
                WriteProvider(w, t);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// One provider: <c>{"name","description","defaultModel","anyModel","limits"?,"models":[{"id","sizes","seconds","secondsBySize",
    /// "pricePerSecond","pricePerSecondBySize","features","note"}],"operations":{…},"takesSeed","canReconcile","hasExtras",
    /// "options":[{"name","kind","value","values","min","max","models","newClipsOnly","needsImage","excludesImage","onlySeconds","description"}],
    /// "environment"}</c>.
    /// </summary>
    public static string Provider(ProviderCapabilities table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return Write(w => WriteProvider(w, table));
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteProvider(Utf8JsonWriter w, ProviderCapabilities t)
    {
        w.WriteStartObject();
        w.WriteString("name", t.Provider);
        w.WriteString("description", t.Description);
        w.WriteString("defaultModel", t.DefaultModel);
        w.WriteBoolean("anyModel", t.AnyModel);
        if (t.AnyModel)
        {
            w.WriteStartObject("limits");
            w.WriteNumber("minSide", t.MinSide);
            w.WriteNumber("maxSide", t.MaxSide);
            w.WriteNumber("minSeconds", t.MinSeconds);
            w.WriteNumber("maxSeconds", t.MaxSeconds);
            w.WriteEndObject();
        }

        w.WriteStartArray("models");
        foreach (var m in t.Models)
        {
            w.WriteStartObject();
            w.WriteString("id", m.Id);
            Strings(w, "sizes", m.Sizes.Select(s => s.ToString()));
            Numbers(w, "seconds", m.Seconds);
            w.WriteStartObject("secondsBySize");
            foreach (var (size, seconds) in m.SecondsBySize.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Numbers(w, size, seconds);
            }

            w.WriteEndObject();
            w.WriteNumber("pricePerSecond", m.PricePerSecond);
            w.WriteStartObject("pricePerSecondBySize");
            foreach (var (size, price) in m.PricePerSecondBySize.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(size, price);
            }

            w.WriteEndObject();
            Strings(w, "features", Enum.GetValues<ModelFeatures>()
                .Where(f => f is not (ModelFeatures.None or ModelFeatures.All) && t.Supports(m.Id, f))
                .Select(f => f.ToString().ToLowerInvariant()));
            if (m.Note is null)
            {
                w.WriteNull("note");
            }
            else
            {
                w.WriteString("note", m.Note);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("operations");
        w.WriteBoolean("image", t.SupportsImage);
        w.WriteBoolean("characters", t.SupportsCharacters);
        Limit(w, "maxCharacters", t.SupportsCharacters ? t.MaxCharacters : 0);
        w.WriteBoolean("charactersAsImages", t.CharactersAsImages);
        w.WriteBoolean("extend", t.SupportsExtend);
        Numbers(w, "extensionSeconds", t.ExtensionSeconds.IsDefault ? [] : t.ExtensionSeconds);
        Limit(w, "maxExtensionsPerClip", t.MaxExtensionsPerClip);
        Limit(w, "maxTotalSeconds", t.MaxTotalSeconds);
        w.WriteBoolean("edit", t.SupportsEdit);
        Limit(w, "maxShots", t.MultiShot?.MaxShots ?? 0);
        w.WriteEndObject();
        w.WriteBoolean("takesSeed", t.TakesSeed);
        w.WriteBoolean("canReconcile", t.CanReconcile);
        w.WriteBoolean("hasExtras", t.HasExtras);
        w.WriteStartArray("options");
        foreach (var o in t.Options)
        {
            w.WriteStartObject();
            w.WriteString("name", o.Name);
            w.WriteString("kind", o.Kind.ToString().ToLowerInvariant());
            w.WriteString("value", o.Shape);
            Strings(w, "values", o.Values);
            Limit(w, "min", o.Min == long.MinValue ? null : o.Min);
            Limit(w, "max", o.Max == long.MaxValue ? null : o.Max);
            Strings(w, "models", o.Models.IsDefault ? [] : o.Models);
            w.WriteBoolean("newClipsOnly", o.GenerateOnly);
            w.WriteBoolean("needsImage", o.NeedsImage);
            w.WriteBoolean("excludesImage", o.ExcludesImage);
            Limit(w, "onlySeconds", o.OnlySeconds);
            w.WriteString("description", o.Description);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        Strings(w, "environment", t.Environment);
        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void Numbers(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    /// <summary>A limit, or null when there is none.</summary>
    private static void Limit(Utf8JsonWriter w, string name, long? value)
    {
        if (value is null or int.MaxValue or long.MaxValue)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, value.Value);
        }
    }
}
