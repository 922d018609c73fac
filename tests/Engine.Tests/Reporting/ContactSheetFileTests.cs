using System.Text;
using Reel.Engine.Reporting;

namespace Reel.Engine.Tests.Reporting;

/// <summary>Whether the report on disk already holds the page: compared a slice at a time, never as one string or array.</summary>
public sealed class ContactSheetFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reel-sheet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_page_of_many_pieces_and_characters_across_every_boundary_is_found_the_same()
    {
        var page = Page();
        var path = Path.Combine(_dir, "report.html");
        File.WriteAllText(path, page.ToString());

        var chunks = 0;
        foreach (var _ in page.GetChunks())
        {
            chunks++;
        }

        Assert.True(chunks > 1);
        Assert.True(ContactSheet.IsAlready(path, page));
    }

    [Fact]
    public void One_byte_changed_added_or_missing_is_a_different_page()
    {
        var page = Page();
        var bytes = Encoding.UTF8.GetBytes(page.ToString());
        var path = Path.Combine(_dir, "report.html");

        var changed = (byte[])bytes.Clone();
        changed[^2] ^= 1;
        File.WriteAllBytes(path, changed);
        Assert.False(ContactSheet.IsAlready(path, page));

        File.WriteAllBytes(path, [.. bytes, (byte)'\n']);
        Assert.False(ContactSheet.IsAlready(path, page));

        File.WriteAllBytes(path, bytes[..^1]);
        Assert.False(ContactSheet.IsAlready(path, page));

        File.WriteAllBytes(path, [.. bytes[..20000], .. Encoding.UTF8.GetBytes("e"), .. bytes[20002..]]);
        Assert.False(ContactSheet.IsAlready(path, page));
    }

    [Fact]
    public void A_missing_file_or_a_link_to_the_same_page_is_not_the_report()
    {
        var page = Page();
        var target = Path.Combine(_dir, "elsewhere.html");
        File.WriteAllText(target, page.ToString());
        var link = Path.Combine(_dir, "report.html");
        File.CreateSymbolicLink(link, target);

        Assert.False(ContactSheet.IsAlready(Path.Combine(_dir, "missing.html"), page));
        Assert.False(ContactSheet.IsAlready(link, page));
    }

    /// <summary>40,000 characters appended in small pieces, with two-byte, three-byte and surrogate-pair characters everywhere (also where a 16 KB slice ends).</summary>
    private static StringBuilder Page()
    {
        var page = new StringBuilder(16);
        var pieces = new[] { "<p>", "café", " — ", "😀", "x", "<b>ü</b>", "\n" };
        for (var i = 0; page.Length < 40_000; i++)
        {
            page.Append(pieces[i % pieces.Length]);
            if (page.Length is > 16_370 and < 16_390)
            {
                page.Append("😀");
            }
        }

        return page;
    }
}
