using System.Text;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

/// <summary>
/// The store and the exports judge each folder they write in with its links resolved, at write time: a link made
/// after the plan looked (or one the plan could not see) still cannot lead a write outside the project.
/// </summary>
public sealed class ObjectStoreConfinementTests : IDisposable
{
    private readonly TempDirectory _project = new();
    private readonly TempDirectory _outside = new();

    public void Dispose()
    {
        _project.Dispose();
        _outside.Dispose();
    }

    [Theory]
    [InlineData("out/shots")]
    [InlineData("out")]
    public async Task An_export_through_a_folder_linked_outside_is_refused_and_writes_nothing_there(string linked)
    {
        var store = new ObjectStore(_project.Combine(".reel"), confinedTo: _project.Path);
        var stored = await store.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes("a clip")));
        var link = _project.Combine(linked.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, _outside.Path);

        var ex = Assert.Throws<ProjectStateException>(() => store.Export(stored.Sha256, _project.Combine("out", "shots", "a.mp4"), within: _project.Path));

        var target = linked == "out" ? Path.Combine(_outside.Path, "shots") : _outside.Path;
        Assert.Contains($"the folder 'out/shots' leads through a link to '{target}', outside the project", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside.Path));
    }

    [Fact]
    public async Task A_link_to_a_folder_inside_the_project_is_written_through()
    {
        var store = new ObjectStore(_project.Combine(".reel"), confinedTo: _project.Path);
        var sha = (await store.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes("a clip")))).Sha256;
        Directory.CreateDirectory(_project.Combine("elsewhere"));
        Directory.CreateDirectory(_project.Combine("out"));
        File.CreateSymbolicLink(_project.Combine("out", "shots"), _project.Combine("elsewhere"));

        store.Export(sha, _project.Combine("out", "shots", "a.mp4"), within: _project.Path);

        Assert.Equal("a clip", File.ReadAllText(_project.Combine("elsewhere", "a.mp4")));
    }

    [Theory]
    [InlineData("objects")]
    [InlineData("tmp")]
    public async Task The_projects_store_refuses_its_own_folders_linked_outside(string linked)
    {
        Directory.CreateDirectory(_project.Combine(".reel"));
        File.CreateSymbolicLink(_project.Combine(".reel", linked), _outside.Path);
        var store = new ObjectStore(_project.Combine(".reel"), confinedTo: _project.Path);

        var ex = await Assert.ThrowsAsync<ProjectStateException>(() => store.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes("a clip"))));

        Assert.Contains($"the folder '.reel/{linked}", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside.Path));
    }

    [Fact]
    public async Task A_shared_store_is_where_it_is_said_to_be()
    {
        // REEL_STORE names a store outside on purpose: its folders are not judged.
        Directory.CreateDirectory(_project.Combine("shared"));
        File.CreateSymbolicLink(_project.Combine("shared", "objects"), _outside.Path);
        var store = new ObjectStore(_project.Combine("shared"));

        var stored = await store.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes("a clip")));

        Assert.True(File.Exists(Path.Combine(_outside.Path, "sha256", stored.Sha256[..2], stored.Sha256[2..])));
    }
}
