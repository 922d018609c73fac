using System.Text.RegularExpressions;

namespace Reel.Cli;

/// <summary>
/// The parser's messages in the user's words: a value that is not a number says what the option wants, with an
/// example, instead of naming a .NET type.
/// </summary>
internal static partial class ParseErrors
{
    private static readonly Dictionary<string, string> Wanted = new(StringComparer.Ordinal)
    {
        ["--max-cost"] = "a number of US dollars, e.g. 5 or 12.50",
        ["--concurrency"] = "a whole number of steps, e.g. 4",
        ["--port"] = "a port number from 0 to 65535, e.g. 8089",
        ["--speed"] = "a number of seconds of render time per second of clip, e.g. 0.05",
        ["--seed"] = "a whole number, e.g. 7",
    };

    public static string Explain(string message)
    {
        var match = CannotParse().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var (value, option, type) = (match.Groups["value"].Value, match.Groups["option"].Value, match.Groups["type"].Value);
        var wanted = Wanted.GetValueOrDefault(option)
            ?? (type.Contains("Int", StringComparison.Ordinal) ? "a whole number" : type.Contains("Bool", StringComparison.Ordinal) ? "true or false" : "a number");
        return $"{option} must be {wanted} (got '{value}')";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex CannotParse();
}
