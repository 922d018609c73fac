using System.Text.RegularExpressions;
using Reel.Engine.Scripts;

namespace Reel.Engine.Tests.Scripts;

/// <summary>The hand-written number matchers agree with the regular expressions they replace, on every input tried.</summary>
public sealed class CoreSchemaNumbersTests
{
    private static readonly Regex DecimalInt = new(@"^[-+]?[0-9]+$");
    private static readonly Regex Octal = new(@"^0o[0-7]+$");
    private static readonly Regex Hex = new(@"^0x[0-9a-fA-F]+$");
    private static readonly Regex Float = new(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$");

    private static List<string> Samples()
    {
        var data = new List<string>
        {
            "", "0", "7", "-1", "+12", "-", "+", "1-", "12a", "١٢", "0o17", "0o8", "0o", "0x1F", "0xg", "0X1F", "0x",
            ".5", "5.", "1.5", "-1.5e10", "1e", "1e+", "1e+5", "1E-5", ".e5", "..5", "1.2.3", "+.5", "-.5e-3", "1\n",
            "1\n\n", "\n", "0o7\n", "0xA\n", "1.5\n", " 1", "1 ", "1_000", "∞", "1.5e5.5",
        };

        // Every string of up to three characters over the alphabet the patterns care about.
        const string alphabet = "09.+-eExo7aF\n";
        foreach (var a in alphabet)
        {
            data.Add(a.ToString());
            foreach (var b in alphabet)
            {
                data.Add($"{a}{b}");
                foreach (var c in alphabet)
                {
                    data.Add($"{a}{b}{c}");
                }
            }
        }

        return data;
    }

    [Fact]
    public void Agree_with_the_regular_expressions()
    {
        var disagree = Samples().Where(value =>
            DecimalInt.IsMatch(value) != CoreSchemaNumbers.IsDecimalInt(value)
            || Octal.IsMatch(value) != CoreSchemaNumbers.IsRadixInt(value, 'o')
            || Hex.IsMatch(value) != CoreSchemaNumbers.IsRadixInt(value, 'x')
            || Float.IsMatch(value) != CoreSchemaNumbers.IsFloat(value)).ToList();
        Assert.Empty(disagree);
    }
}
