using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Local;
using Reel.Engine.Scripts;
using Reel.Engine.Tests.Media;
using SkiaSharp;

namespace Reel.Engine.Tests.Providers.Local;

public sealed class LocalProviderTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private LocalProvider Provider() => new(_dir.File("state"), _time);

    private static GenerateRequest Generate(string prompt = "a lighthouse at dawn", int seconds = 4, int take = 0) =>
        new("open", prompt, "sora-2", new VideoSize(1280, 720), seconds) { Take = take };

    private static async Task<byte[]> Download(LocalProvider p, string job, ContentVariant variant = ContentVariant.Video)
    {
        using var ms = new MemoryStream();
        await p.DownloadAsync(job, variant, ms);
        return ms.ToArray();
    }

    private string Save(byte[] bytes, string name)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task Job_ids_are_stable_across_versions_for_characters_and_the_clips_that_cast_them()
    {
        // Ids of local jobs are content addresses: a change to what they hash re-renders every user's clips.
        var p = Provider();
        var video = Path.Combine(Repository.Root, "examples", "morning-shift", "assets", "mira.mp4");

        var character = await p.SubmitAsync(new CreateCharacterRequest("@mira", "Mira", video) { Model = "local" });
        var clip = await p.SubmitAsync(new GenerateRequest("s", "Mira waves.", "local", new VideoSize(256, 144), 2) { Characters = [new ProviderCharacter(character.JobId, "mira")] });

        Assert.Equal("char_f48d55a6a9e5598514969826", character.JobId);
        Assert.Equal("local_fcf9ccfc911b16ab86fbe0fd", clip.JobId);
    }

    [Fact]
    public async Task Submit_then_get_then_download_gives_a_playable_clip()
    {
        var p = Provider();
        var submitted = await p.SubmitAsync(Generate());
        Assert.Equal(JobState.Succeeded, submitted.State);
        Assert.Equal(100, submitted.Progress);
        Assert.Matches("^local_[0-9a-f]{24}$", submitted.JobId);
        Assert.True(File.Exists(Path.Combine(_dir.File("state"), "jobs", submitted.JobId + ".json")));

        var status = await p.GetAsync(submitted.JobId);
        Assert.Equal((JobState.Succeeded, 4, "1280x720", "sora-2"), (status.State, status.Seconds, status.Size, status.Model));
        Assert.Equal(_time.GetUtcNow(), status.CreatedAt);

        var path = Save(await Download(p, submitted.JobId), "clip.mp4");
        var info = Mp4Clip.Probe(path);
        Assert.Equal(4, info.Seconds, 3);
        Assert.Equal("", FfmpegTool.DecodeErrors(path));

        var thumb = await Download(p, submitted.JobId, ContentVariant.Thumbnail);
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(thumb, 8, 4));
        var sheet = await Download(p, submitted.JobId, ContentVariant.Spritesheet);
        Assert.Equal(0xFF, sheet[0]);
        Assert.Equal(0xD8, sheet[1]);
    }

    [Fact]
    public async Task Same_request_gives_the_same_job_and_the_same_bytes_even_from_a_fresh_instance()
    {
        var first = await Provider().SubmitAsync(Generate());
        _time.Advance(TimeSpan.FromMinutes(5));
        var again = await Provider().SubmitAsync(Generate());
        Assert.Equal(first.JobId, again.JobId);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.Equal(await Download(Provider(), first.JobId), await Download(Provider(), again.JobId));

        var other = await Provider().SubmitAsync(Generate(take: 2));
        Assert.NotEqual(first.JobId, other.JobId);
    }

    [Fact]
    public async Task Extend_returns_the_stitched_clip_with_the_total_seconds()
    {
        var p = Provider();
        var source = await p.SubmitAsync(Generate(seconds: 4));
        var extend = await p.SubmitAsync(new ExtendRequest("more", "keep climbing", "sora-2", new VideoSize(1280, 720), 8, SourceJobId: source.JobId));
        Assert.Equal(12, extend.Seconds);
        Assert.Equal(12, (await p.GetAsync(extend.JobId)).Seconds);

        var path = Save(await Download(p, extend.JobId), "extended.mp4");
        var info = Mp4Clip.Probe(path);
        Assert.Equal(12, info.Seconds, 3);
        var ff = FfmpegTool.Probe(path);
        Assert.Equal(info.Frames, ff.Frames);
        Assert.Equal("", FfmpegTool.DecodeErrors(path));

        // The stitched clip starts with the source clip.
        var sourcePath = Save(await Download(p, source.JobId), "source.mp4");
        using var png1 = new MemoryStream();
        using var png2 = new MemoryStream();
        using var srcStream = File.OpenRead(sourcePath);
        using var extStream = File.OpenRead(path);
        var a = Mp4Clip.DecodeFrame(srcStream, sourcePath, Mp4Reader.Read(srcStream, sourcePath), 0);
        var b = Mp4Clip.DecodeFrame(extStream, path, Mp4Reader.Read(extStream, path), 0);
        Assert.Equal(a.Pixels, b.Pixels);

        // Extending an extension adds up.
        var again = await p.SubmitAsync(new ExtendRequest("more2", "reach the top", null, new VideoSize(1280, 720), 4, SourceJobId: extend.JobId));
        Assert.Equal(16, again.Seconds);
        Assert.Equal(16, Mp4Clip.Probe(Save(await Download(p, again.JobId), "again.mp4")).Seconds, 3);
    }

    [Fact]
    public async Task Extend_reads_the_source_video_when_given()
    {
        var p = Provider();
        using (var f = File.Create(_dir.File("given.mp4")))
        {
            LocalRenderer.WriteClip(new ClipSpec("given", "x", new VideoSize(1280, 720), 3, 5), f);
        }

        var extend = await p.SubmitAsync(new ExtendRequest("more", "go on", null, new VideoSize(1280, 720), 2, SourceVideoPath: _dir.File("given.mp4")));
        Assert.Equal(5, extend.Seconds);
        Assert.Equal(5, Mp4Clip.Probe(Save(await Download(p, extend.JobId), "e.mp4")).Seconds, 3);
    }

    [Fact]
    public async Task Edit_keeps_the_source_duration()
    {
        var p = Provider();
        var source = await p.SubmitAsync(Generate(seconds: 6));
        var edit = await p.SubmitAsync(new EditRequest("open", "make it night", "sora-2", new VideoSize(1280, 720), 6, SourceJobId: source.JobId));
        Assert.Equal(6, edit.Seconds);
        Assert.NotEqual(source.JobId, edit.JobId);
        Assert.Equal(6, Mp4Clip.Probe(Save(await Download(p, edit.JobId), "edit.mp4")).Seconds, 3);
    }

    [Fact]
    public async Task Generate_with_a_first_frame_and_characters()
    {
        var image = _dir.File("ref.png");
        using (var bmp = new SKBitmap(1280, 720))
        {
            bmp.Erase(new SKColor(200, 30, 30));
            using var f = File.Create(image);
            bmp.Encode(f, SKEncodedImageFormat.Png, 100);
        }

        var p = Provider();
        var request = Generate() with { FirstFramePath = image, Characters = [new ProviderCharacter("char_1", "Mira")] };
        var job = await p.SubmitAsync(request);
        var withoutImage = await p.SubmitAsync(Generate());
        Assert.NotEqual(withoutImage.JobId, job.JobId);
        var path = Save(await Download(p, job.JobId), "img.mp4");
        using var s = File.OpenRead(path);
        var first = Mp4Clip.DecodeFrame(s, path, Mp4Reader.Read(s, path), 0);
        var i = ((first.Height / 3 * first.Width) + 2) * 3;
        Assert.True(first.Pixels[i] > 150 && first.Pixels[i + 1] < 80, "first frame shows the reference image");
    }

    [Fact]
    public async Task Missing_first_frame_image_is_an_invalid_request()
    {
        var e = await Assert.ThrowsAsync<ProviderException>(() => Provider().SubmitAsync(Generate() with { FirstFramePath = _dir.File("nope.png") }));
        Assert.Equal(ErrorClass.Invalid, e.Class);
    }

    [Fact]
    public async Task Create_character_succeeds_without_video()
    {
        var p = Provider();
        var job = await p.SubmitAsync(new CreateCharacterRequest("mira", "Mira", null));
        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Matches("^char_[0-9a-f]{24}$", job.JobId);
        Assert.Equal(JobState.Succeeded, (await p.GetAsync(job.JobId)).State);
        var e = await Assert.ThrowsAsync<ProviderException>(() => Download(p, job.JobId));
        Assert.Equal(ErrorClass.Invalid, e.Class);
    }

    [Theory]
    [InlineData("local_000000000000000000000000")]
    [InlineData("../../etc/passwd")]
    [InlineData("video_123")]
    public async Task Unknown_job_id_is_an_invalid_error(string jobId)
    {
        var e = await Assert.ThrowsAsync<ProviderException>(() => Provider().GetAsync(jobId));
        Assert.Equal(ErrorClass.Invalid, e.Class);
        Assert.StartsWith("unknown job", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ProviderException>(() => Download(Provider(), jobId));
    }

    [Fact]
    public async Task Extend_of_an_unknown_source_is_invalid()
    {
        var e = await Assert.ThrowsAsync<ProviderException>(() => Provider().SubmitAsync(
            new ExtendRequest("more", "x", null, new VideoSize(1280, 720), 4, SourceJobId: "local_000000000000000000000000")));
        Assert.Equal(ErrorClass.Invalid, e.Class);
    }

    [Fact]
    public async Task List_recent_returns_jobs_since_a_time_newest_first()
    {
        var p = Provider();
        var old = await p.SubmitAsync(Generate("old"));
        _time.Advance(TimeSpan.FromMinutes(1));
        var since = _time.GetUtcNow();
        var mid = await p.SubmitAsync(Generate("mid", seconds: 8));
        _time.Advance(TimeSpan.FromMinutes(1));
        var newest = await p.SubmitAsync(Generate("new"));

        var recent = await p.ListRecentAsync(since);
        Assert.Equal([newest.JobId, mid.JobId], recent.Select(j => j.JobId));
        Assert.DoesNotContain(recent, j => j.JobId == old.JobId);
        Assert.Equal(("mid", "sora-2", "1280x720", 8), (recent[1].Prompt, recent[1].Model, recent[1].Size, recent[1].Seconds));
        Assert.Empty(await new LocalProvider(_dir.File("empty"), _time).ListRecentAsync(since));
    }

    [Fact]
    public async Task Cancelled_token_is_honoured_by_every_call()
    {
        var p = Provider();
        var job = await p.SubmitAsync(Generate());
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.SubmitAsync(Generate("other"), cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.GetAsync(job.JobId, cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.DownloadAsync(job.JobId, ContentVariant.Video, Stream.Null, cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.ListRecentAsync(DateTimeOffset.MinValue, cts.Token));
        Assert.Single(await p.ListRecentAsync(DateTimeOffset.MinValue));
    }
}
