using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Core;
using Reel.Engine.Execution;
using Reel.Engine.Media.Ffmpeg;
using Reel.Engine.Storage;
using Reel.Engine.Tests.Media;
using Reel.Engine.Tests.Media.Ffmpeg;

namespace Reel.Engine.Tests.Execution;

/// <summary>Probe once (issue 17): what ffprobe learns when a clip is verified is kept beside the object, and a cut reuses it.</summary>
[Collection(FfmpegCollection.Name)]
public sealed class MediaWorkshopTests(ClipFixture clips)
{
    [Fact]
    public async Task A_cut_of_verified_clips_runs_no_probe_and_is_one_stream_copy()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The counting ffprobe is a shell script.
        }

        using var dir = new TempDir();
        var log = dir.File("ffprobe.log");
        var wrapper = dir.File("ffprobe");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\necho \"$@\" >> '{log}'\nexec '{clips.Tools.Ffprobe}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [FfmpegTools.FfmpegVariable] = clips.Tools.Ffmpeg,
            [FfmpegTools.FfprobeVariable] = wrapper,
        };
        var store = new ObjectStore(dir.File("store"));
        var workshop = new MediaWorkshop(store, environment, NullLogger.Instance);
        var a1 = (await store.PutFileAsync(clips.A1)).Sha256;
        var a2 = (await store.PutFileAsync(clips.A2)).Sha256;

        Assert.Null(await workshop.VerifyAsync(a1, 1, new VideoSize(640, 360), CancellationToken.None));
        Assert.Null(await workshop.VerifyAsync(a2, 2, new VideoSize(640, 360), CancellationToken.None));
        var probesAtDownload = File.ReadAllLines(log).Length;
        Assert.Equal(2, probesAtDownload);
        Assert.NotNull(store.ReadFact(a1, MediaWorkshop.ProbeFact));

        var cut = await workshop.CutAsync([a1, a2, a1], null, new VideoSize(640, 360), CancellationToken.None);

        Assert.Equal(probesAtDownload, File.ReadAllLines(log).Length);
        var film = await MediaProbe.ProbeAsync(store.PathOf(cut), clips.Tools);
        Assert.InRange(film.VideoDuration!.Value, 3.5 - (1 / 30.0), 3.5 + (1 / 30.0));
        Assert.Equal(30 + 45 + 30, await clips.CountFrames(store.PathOf(cut)));
    }

    [Fact]
    public async Task A_clip_never_verified_is_probed_once_and_its_facts_kept()
    {
        using var dir = new TempDir();
        var store = new ObjectStore(dir.File("store"));
        var workshop = new MediaWorkshop(store, new Dictionary<string, string?>(StringComparer.Ordinal) { [FfmpegTools.FfmpegVariable] = clips.Tools.Ffmpeg, [FfmpegTools.FfprobeVariable] = clips.Tools.Ffprobe }, NullLogger.Instance);
        var a1 = (await store.PutFileAsync(clips.A1)).Sha256;
        Assert.Null(store.ReadFact(a1, MediaWorkshop.ProbeFact));

        var info = await workshop.ProbeAsync(a1, clips.Tools, CancellationToken.None);

        Assert.Equal(640, info.Width);
        Assert.Equal(info, MediaProbe.FromJson(store.ReadFact(a1, MediaWorkshop.ProbeFact)!, store.PathOf(a1)));
    }
}
