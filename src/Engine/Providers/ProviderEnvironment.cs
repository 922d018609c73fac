namespace Reel.Engine.Providers;

/// <summary>Reading provider settings from environment variables, with messages that name the variable.</summary>
public static class ProviderEnvironment
{
    /// <summary>Parses an absolute http(s) URL, or throws an Invalid <see cref="ProviderException"/> naming the variable.</summary>
    public static Uri HttpUrl(string variable, string text, string example)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            throw ProviderException.Invalid($"{variable} is not an absolute http(s) URL: '{text}'. Unset it, or set it to a root such as {example}.");
        }

        return parsed;
    }

    /// <summary>The first non-blank value among <paramref name="variables"/>.</summary>
    public static string? First(IReadOnlyDictionary<string, string?> environment, params string[] variables) =>
        variables.Select(v => environment.TryGetValue(v, out var value) ? value : null).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}
