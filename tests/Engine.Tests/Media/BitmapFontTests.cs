using System.Text;
using Reel.Engine.Media;

namespace Reel.Engine.Tests.Media;

public sealed class BitmapFontTests
{
    private static string GoldenPath(string name) => Path.Combine(Repository.Root, "tests", "Engine.Tests", "Media", "Golden", name);

    /// <summary>Ink of <paramref name="text"/> as rows of '#' and '.', one cell after another with a column between.</summary>
    private static string Bitmap(string text)
    {
        var sb = new StringBuilder();
        var width = BitmapFont.MeasureWidth(text, 1);
        for (var y = 0; y < BitmapFont.GlyphHeight; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (k, col) = (x / BitmapFont.Advance, x % BitmapFont.Advance);
                sb.Append(col < BitmapFont.GlyphWidth && BitmapFont.IsInk(text[k], col, y) ? '#' : '.');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    [Fact]
    public void Ines_Joao_Lodz_is_drawn_as_the_reference_bitmap()
    {
        const string text = "Inês João Łódź";
        Assert.Equal(text, BitmapFont.Sanitize(text));
        var actual = Bitmap(text);
        var path = GoldenPath("ines-joao-lodz.txt");
        if (Environment.GetEnvironmentVariable("REEL_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public void Every_Latin_1_and_Latin_Extended_A_character_is_drawn_and_none_as_a_question_mark()
    {
        var question = Bitmap("?");
        var glyphs = new Dictionary<string, char>();
        for (var c = '\u00A0'; c <= '\u017F'; c++)
        {
            Assert.True(BitmapFont.CanDraw(c), $"U+{(int)c:X4} '{c}' is not drawn");
            Assert.Equal(c.ToString(), BitmapFont.Sanitize(c.ToString()));
            var bitmap = Bitmap(c.ToString());
            Assert.NotEqual(question, bitmap);
            if (c is not ('\u00A0' or '\u00AD'))
            {
                Assert.Contains('#', bitmap);
            }
        }
    }

    [Fact]
    public void Accented_letters_differ_from_their_base_letter_and_from_each_other()
    {
        foreach (var group in new[] { "eéèêëēĕėęě", "oóòôõöōŏő", "cçćĉċč", "sśŝşš", "zźżž", "lĺļľŀł", "uúùûüũūŭůűų" })
        {
            var bitmaps = group.Select(c => Bitmap(c.ToString())).ToList();
            Assert.Equal(bitmaps.Count, bitmaps.Distinct().Count());
        }
    }

    [Fact]
    public void Typographic_punctuation_becomes_ascii_and_what_the_font_lacks_becomes_a_question_mark()
    {
        Assert.Equal("\"Close-up\" - it's... here", BitmapFont.Sanitize("“Close‑up” — it’s… here"));
        Assert.Equal("tea ? and ?", BitmapFont.Sanitize("tea \u2615 and \u4E2D"));
        Assert.Equal("a b c", BitmapFont.Sanitize("a\tb\nc"));
    }
}
