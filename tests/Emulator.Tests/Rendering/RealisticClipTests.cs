using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Reel.Emulator.Tests.OpenAi;

namespace Reel.Emulator.Tests.Rendering;

/// <summary>Realistic mode: downloads are provider-like clips made by ffmpeg (checked with ffprobe).</summary>
public sealed class RealisticClipTests
{
    [Theory]
    [InlineData("sora-2", "1280x720", "4", "30/1", 48000)]
    [InlineData("sora-2-pro", "720x1280", "4", "24/1", 44100)]
    [InlineData("sora-2-2025-12-08", "1280x720", "4", "30000/1001", 44100)]
    public async Task A_generated_clip_is_h264_high_with_aac_at_the_models_rates_and_exact_size_and_duration(
        string model, string size, string seconds, string frameRate, int sampleRate)
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Realistic: true));
        var video = await emulator.CompletedVideoAsync(model: model, size: size, seconds: seconds);

        var mp4 = await VideoRoutesTests.DownloadAsync(emulator, video);
        var probe = await ProbeAsync(emulator, mp4);

        var (w, h) = ParseSize(size);
        Assert.Equal("h264", probe.Video["codec_name"]!.GetValue<string>());
        Assert.Equal("High", probe.Video["profile"]!.GetValue<string>());
        Assert.Equal("yuv420p", probe.Video["pix_fmt"]!.GetValue<string>());
        Assert.Equal(w, probe.Video["width"]!.GetValue<int>());
        Assert.Equal(h, probe.Video["height"]!.GetValue<int>());
        Assert.Equal(frameRate, probe.Video["r_frame_rate"]!.GetValue<string>());
        Assert.Equal("aac", probe.Audio["codec_name"]!.GetValue<string>());
        Assert.Equal(sampleRate.ToString(CultureInfo.InvariantCulture), probe.Audio["sample_rate"]!.GetValue<string>());

        var frame = 1 / Rate(frameRate);
        var expected = double.Parse(seconds, CultureInfo.InvariantCulture);
        Assert.InRange(Seconds(probe.Video), expected - frame - 1e-6, expected + frame + 1e-6);
        Assert.InRange(Seconds(probe.Audio), Seconds(probe.Video) - 0.05, Seconds(probe.Video) + 0.05);

        // Cached: the second download is the same file.
        Assert.Equal(mp4, await VideoRoutesTests.DownloadAsync(emulator, video));
    }

    [Fact]
    public async Task An_extension_downloads_as_one_clip_of_the_stitched_total_duration_with_continuous_audio()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions(Realistic: true));
        var source = await emulator.CompletedVideoAsync(model: "sora-2-pro", size: "1280x720", seconds: "4");
        var reply = await emulator.PostJsonAsync("videos/extensions", new JsonObject
        {
            ["video"] = new JsonObject { ["id"] = source["id"]!.GetValue<string>() },
            ["prompt"] = "Continue",
            ["seconds"] = "4",
        });
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        emulator.Advance(5);

        var mp4 = await VideoRoutesTests.DownloadAsync(emulator, reply.Json!);
        var probe = await ProbeAsync(emulator, mp4);

        Assert.Equal("High", probe.Video["profile"]!.GetValue<string>());
        Assert.Equal(1280, probe.Video["width"]!.GetValue<int>());
        Assert.Equal(720, probe.Video["height"]!.GetValue<int>());
        Assert.Equal("24/1", probe.Video["r_frame_rate"]!.GetValue<string>());
        Assert.Equal("44100", probe.Audio["sample_rate"]!.GetValue<string>());
        Assert.InRange(Seconds(probe.Video), 8 - (1 / 24.0) - 1e-6, 8 + (1 / 24.0) + 1e-6);
        Assert.InRange(Seconds(probe.Audio), Seconds(probe.Video) - 0.05, Seconds(probe.Video) + 0.05);

        // Continuous: no silent gap at the join (the source's tone runs to its end, the segment's starts there).
        Assert.Empty(await SilencesAsync(emulator, mp4));
    }

    [Fact]
    public async Task Realistic_mode_without_ffmpeg_fails_at_start_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => EmulatorHarness.StartAsync(
            new EmulatorOptions(Realistic: true) { FfmpegPath = "/nonexistent/bin/ffmpeg" }));

        Assert.Contains("--realistic needs ffmpeg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Default_mode_never_runs_ffmpeg_and_still_serves_the_local_preview()
    {
        await using var emulator = await EmulatorHarness.StartAsync(new EmulatorOptions { FfmpegPath = "/nonexistent/bin/ffmpeg" });
        var mp4 = await VideoRoutesTests.DownloadAsync(emulator, await emulator.CompletedVideoAsync());
        var probe = await ProbeAsync(emulator, mp4, requireAudio: false);

        Assert.Null(probe.AudioOrNull);
        Assert.True(probe.Video["width"]!.GetValue<int>() < 1280);
    }

    private sealed record Probe(JsonObject Video, JsonObject? AudioOrNull)
    {
        public JsonObject Audio => AudioOrNull ?? throw new Xunit.Sdk.XunitException("the clip has no audio stream");
    }

    private static async Task<Probe> ProbeAsync(EmulatorHarness emulator, byte[] mp4, bool requireAudio = true)
    {
        var path = Path.Combine(emulator.Directory, Guid.NewGuid().ToString("N") + ".mp4");
        await File.WriteAllBytesAsync(path, mp4);
        var json = await RunAsync("ffprobe", "-v", "error", "-show_entries",
            "stream=codec_type,codec_name,profile,pix_fmt,width,height,r_frame_rate,sample_rate,duration,nb_frames", "-of", "json", path);
        var streams = JsonNode.Parse(json)!["streams"]!.AsArray().Select(s => s!.AsObject()).ToList();
        var audio = streams.FirstOrDefault(s => s["codec_type"]!.GetValue<string>() == "audio");
        if (requireAudio)
        {
            Assert.NotNull(audio);
        }

        return new Probe(streams.Single(s => s["codec_type"]!.GetValue<string>() == "video"), audio);
    }

    /// <summary>The silences (below -50 dB for 0.05 s or more) ffmpeg's silencedetect finds.</summary>
    private static async Task<List<string>> SilencesAsync(EmulatorHarness emulator, byte[] mp4)
    {
        var path = Path.Combine(emulator.Directory, Guid.NewGuid().ToString("N") + ".mp4");
        await File.WriteAllBytesAsync(path, mp4);
        var log = await RunAsync("ffmpeg", "-hide_banner", "-nostdin", "-i", path, "-vn", "-af", "silencedetect=noise=-50dB:d=0.05", "-f", "null", "-");
        return [.. log.Split('\n').Where(l => l.Contains("silence_start", StringComparison.Ordinal))];
    }

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {await stderr}");
        return (await stdout) + (await stderr);
    }

    private static double Seconds(JsonObject stream) => double.Parse(stream["duration"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    private static double Rate(string rational) =>
        rational.Split('/') is [var n, var d]
            ? double.Parse(n, CultureInfo.InvariantCulture) / double.Parse(d, CultureInfo.InvariantCulture)
            : double.Parse(rational, CultureInfo.InvariantCulture);

    private static (int Width, int Height) ParseSize(string size) =>
        size.Split('x') is [var w, var h]
            ? (int.Parse(w, CultureInfo.InvariantCulture), int.Parse(h, CultureInfo.InvariantCulture))
            : throw new ArgumentException(size);
}
