using System.Globalization;
using System.Text.RegularExpressions;

namespace Reel.Emulator.Kling;

/// <summary>
/// omni-video prompts name their inputs as <c>&lt;&lt;&lt;image_N&gt;&gt;&gt;</c>, <c>&lt;&lt;&lt;element_N&gt;&gt;&gt;</c> and
/// <c>&lt;&lt;&lt;video_N&gt;&gt;&gt;</c>, N counting from 1 in <c>image_list</c>, <c>element_list</c> and <c>video_list</c>.
/// A name past the end of its list is refused (400 1201), so a client that numbers its images wrongly finds out here.
/// </summary>
internal static partial class KlingPromptReferences
{
    [GeneratedRegex(@"<<<(image|element|video)_(\d+)>>>", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    public static void Check(string? prompt, int images, int elements, int videos)
    {
        foreach (Match m in Reference().Matches(prompt ?? ""))
        {
            var kind = m.Groups[1].Value;
            var index = int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;
            var count = kind switch { "image" => images, "element" => elements, _ => videos };
            if (index < 1 || index > count)
            {
                throw KlingError.Param("prompt", $"{m.Value} refers to item {m.Groups[2].Value} of {kind}_list, which has {count}");
            }
        }
    }
}
