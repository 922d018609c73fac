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
            throw ProviderException.Invalid($"{variable} is not an absolute http(s) URL: '{Mask(text.Trim())}'. Unset it, or set it to a root such as {example}.");
        }

        return parsed;
    }

    /// <summary>
    /// The credentials a URL carries, to be removed from every message: its user info (whole, and its password or a
    /// token-like user name) and the values of its query, each as written and unescaped. Short values (under
    /// <see cref="MinSecretLength"/> characters) are left out: removing them would garble messages and protect nothing.
    /// </summary>
    public static IReadOnlyList<string> UrlSecrets(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var secrets = new List<string>();
        void Add(string value)
        {
            foreach (var form in new[] { value, Uri.UnescapeDataString(value) })
            {
                if (form.Length >= MinSecretLength && !secrets.Contains(form, StringComparer.Ordinal))
                {
                    secrets.Add(form);
                }
            }
        }

        if (url.UserInfo is { Length: > 0 } info)
        {
            Add(info);
            var colon = info.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                Add(info[(colon + 1)..]);
            }

            var user = colon >= 0 ? info[..colon] : info;
            if (colon < 0 || user.Length >= TokenLength)
            {
                // https://TOKEN@host: a lone user name is how many services pass a token.
                Add(user);
            }
        }

        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                Add(pair[(eq + 1)..]);
            }
        }

        // Longest first, so a secret that contains another is removed whole.
        return [.. secrets.OrderByDescending(v => v.Length)];
    }

    /// <summary>A URL (or URL-like text) fit for a message: user info and query values replaced by <c>***</c>.</summary>
    public static string Mask(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var masked = System.Text.RegularExpressions.Regex.Replace(text, "//[^/?#]*@", "//***@", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        return System.Text.RegularExpressions.Regex.Replace(masked, "([?&][^=&#]*=)[^&#]*", "$1***", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
    }

    /// <summary>Values shorter than this are not treated as secrets (see <see cref="UrlSecrets"/>).</summary>
    public const int MinSecretLength = 4;

    /// <summary>A user name without a password at least this long is taken for a token; one with a password is removed only then.</summary>
    private const int TokenLength = 12;

    /// <summary>The first non-blank value among <paramref name="variables"/>.</summary>
    public static string? First(IReadOnlyDictionary<string, string?> environment, params string[] variables) =>
        variables.Select(v => environment.TryGetValue(v, out var value) ? value : null).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}
