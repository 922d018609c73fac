using System.Text;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

/// <summary>
/// What the store last found as it should be, which the up-to-date stamp records instead of asking each file again:
/// only ever a file's identity at a moment it was checked good, and forgotten once it is not.
/// </summary>
public sealed class ObjectStoreSeenTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ObjectStore _store;

    public ObjectStoreSeenTests()
    {
        _store = new ObjectStore(_dir.Combine(".reel"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_object_answered_for_and_a_faithful_copy_are_seen_as_their_files_are()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var stored = await _store.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes("seen")));
        var object_ = _store.PathOf(stored.Sha256);
        var copy = _dir.Combine("out", "shots", "a.mp4");

        Assert.True(_store.Contains(stored.Sha256));
        Assert.Equal(NativeFile.Identify(object_), ObjectStore.LastSeen(object_));
        Assert.False(_store.IsExported(stored.Sha256, copy));
        Assert.Null(ObjectStore.LastSeen(copy));

        _store.Export(stored.Sha256, copy);

        Assert.True(_store.IsExported(stored.Sha256, copy));
        Assert.Equal(NativeFile.Identify(copy), ObjectStore.LastSeen(copy));
    }

    [Fact]
    public async Task A_copy_found_changed_or_an_object_found_missing_is_forgotten()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var stored = await _store.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes("forgotten")));
        var object_ = _store.PathOf(stored.Sha256);
        var copy = _dir.Combine("out", "a.mp4");
        _store.Export(stored.Sha256, copy);
        Assert.True(_store.IsExported(stored.Sha256, copy));
        Assert.True(_store.Contains(stored.Sha256));

        File.WriteAllText(copy, "edited by hand");
        Assert.False(_store.IsExported(stored.Sha256, copy));
        Assert.Null(ObjectStore.LastSeen(copy));

        File.SetAttributes(object_, FileAttributes.Normal);
        File.Delete(object_);
        Assert.False(_store.Contains(stored.Sha256));
        Assert.Null(ObjectStore.LastSeen(object_));
    }
}
