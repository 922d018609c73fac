using System.Diagnostics;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

public sealed class ProjectFilesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ResolveLinks_follows_a_link_and_then_dot_dot_from_its_target_as_the_OS_does()
    {
        var project = _dir.Combine("project");
        var elsewhere = _dir.Combine("elsewhere", "deep");
        Directory.CreateDirectory(Path.Combine(project, "assets"));
        Directory.CreateDirectory(elsewhere);
        File.CreateSymbolicLink(Path.Combine(project, "assets", "evil"), elsewhere);

        // Lexically this is project/assets/x.png; the OS reads elsewhere/x.png.
        var path = Path.Combine(project, "assets", "evil", "..", "x.png");

        Assert.Equal(_dir.Combine("elsewhere", "x.png"), ProjectFiles.ResolveLinks(path));
        Assert.False(ProjectFiles.IsWithin(path, project));
        Assert.True(ProjectFiles.IsWithin(Path.Combine(project, "assets", "x.png"), project));
    }

    [Fact]
    public void IsWithin_sees_a_link_to_a_file_outside_and_a_link_inside()
    {
        var project = _dir.Combine("p");
        Directory.CreateDirectory(project);
        File.WriteAllText(_dir.Combine("secret.yaml"), "x: 1");
        File.WriteAllText(Path.Combine(project, "real.yaml"), "x: 1");
        File.CreateSymbolicLink(Path.Combine(project, "out.yaml"), _dir.Combine("secret.yaml"));
        File.CreateSymbolicLink(Path.Combine(project, "in.yaml"), "real.yaml");

        Assert.False(ProjectFiles.IsWithin(Path.Combine(project, "out.yaml"), project));
        Assert.True(ProjectFiles.IsWithin(Path.Combine(project, "in.yaml"), project));
    }

    [Fact]
    public void ResolveLinks_reports_a_link_loop_instead_of_spinning()
    {
        File.CreateSymbolicLink(_dir.Combine("a"), _dir.Combine("b"));
        File.CreateSymbolicLink(_dir.Combine("b"), _dir.Combine("a"));

        var ex = Assert.Throws<IOException>(() => ProjectFiles.ResolveLinks(_dir.Combine("a", "x.png")));
        Assert.Contains("too many levels of links", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadProblem_refuses_devices_fifos_directories_and_files_over_the_cap()
    {
        Assert.Contains("not a regular file", ProjectFiles.ReadProblem("/dev/zero", 100), StringComparison.Ordinal);
        Assert.Contains("not a regular file", ProjectFiles.ReadProblem("/dev/urandom", 100), StringComparison.Ordinal);
        var fifo = _dir.Combine("fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        Assert.Contains("not a regular file", ProjectFiles.ReadProblem(fifo, 100), StringComparison.Ordinal);
        Assert.Equal("it is a directory", ProjectFiles.ReadProblem(_dir.Path, 100));
        Assert.Equal("file not found", ProjectFiles.ReadProblem(_dir.Combine("nope"), 100));

        var big = _dir.Combine("big.yaml");
        File.WriteAllBytes(big, new byte[101]);
        Assert.Equal("it is 101 bytes, over the limit of 100 bytes for this kind of file", ProjectFiles.ReadProblem(big, 100));
        Assert.Null(ProjectFiles.ReadProblem(big, 101));
    }

    [Fact]
    public void ReadText_of_a_device_fails_at_once_instead_of_reading_forever()
    {
        var ex = Assert.Throws<IOException>(() => ProjectFiles.ReadText("/dev/zero", ProjectFiles.MaxYamlBytes));
        Assert.Contains("not a regular file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsLink_sees_a_dangling_link()
    {
        File.CreateSymbolicLink(_dir.Combine("dangling"), _dir.Combine("nowhere"));

        Assert.True(ProjectFiles.IsLink(_dir.Combine("dangling")));
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-8-bom")]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    [InlineData("utf-32le")]
    public void ReadText_reads_a_script_in_any_encoding_its_mark_names_as_a_reader_would(string encoding)
    {
        const string Text = "reel: 1\ntitle: Café — 😀\n";
        var bytes = encoding switch
        {
            "utf-8" => System.Text.Encoding.UTF8.GetBytes(Text),
            "utf-8-bom" => [.. System.Text.Encoding.UTF8.GetPreamble(), .. System.Text.Encoding.UTF8.GetBytes(Text)],
            "utf-16le" => [.. System.Text.Encoding.Unicode.GetPreamble(), .. System.Text.Encoding.Unicode.GetBytes(Text)],
            "utf-16be" => [.. System.Text.Encoding.BigEndianUnicode.GetPreamble(), .. System.Text.Encoding.BigEndianUnicode.GetBytes(Text)],
            _ => [.. System.Text.Encoding.UTF32.GetPreamble(), .. System.Text.Encoding.UTF32.GetBytes(Text)],
        };
        var path = _dir.Combine("script.yaml");
        File.WriteAllBytes(path, bytes);

        Assert.Equal(Text, ProjectFiles.ReadText(path, ProjectFiles.MaxYamlBytes));
    }

    [Fact]
    public void ReadText_replaces_bytes_that_are_not_UTF8_as_a_reader_does()
    {
        byte[] bytes = [.. System.Text.Encoding.UTF8.GetBytes("a: "), 0xC3, 0x28, 0xFF, .. System.Text.Encoding.UTF8.GetBytes(" b\n")];
        var path = _dir.Combine("bad.yaml");
        File.WriteAllBytes(path, bytes);
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);

        Assert.Equal(reader.ReadToEnd(), ProjectFiles.ReadText(path, ProjectFiles.MaxYamlBytes));
    }
}
