using System.Text;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Core;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Local;

namespace Reel.Engine.Tests.Media;

/// <summary>
/// A local preview as a viewer sees it: the clip the local provider renders for the prompt <c>Inês João Łódź</c>,
/// decoded by ffmpeg, shows in its caption area exactly the luma of the checked-in reference
/// (<c>Golden/ines-joao-lodz.caption.pgm</c>; <c>REEL_UPDATE_GOLDEN=1</c> rewrites it). H.264 decoding is exact and
/// the encoder is Reel's own, so the comparison is sample for sample; a letter drawn as <c>?</c> changes it.
/// </summary>
public sealed class CaptionPixelTests : IDisposable
{
    private const string Prompt = "Inês João Łódź";

    // The caption line of a 16:9 preview (256x144): "local - Inês João Łódź" with its shadow and a margin around it.
    private const int Left = 56;
    private const int Top = 66;
    private const int Width = 144;
    private const int Height = 15;

    private static readonly string GoldenPath = Path.Combine(Repository.Root, "tests", "Engine.Tests", "Media", "Golden", "ines-joao-lodz.caption.pgm");

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_caption_of_a_local_preview_decodes_to_the_reference_bitmap()
    {
        var actual = Pgm(await CaptionAsync(Prompt));
        if (Environment.GetEnvironmentVariable("REEL_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(GoldenPath, actual);
        }

        var expected = File.ReadAllText(GoldenPath).ReplaceLineEndings("\n");
        Assert.True(expected == actual, $"the caption area differs from {Path.GetFileName(GoldenPath)}:\n{Diff(expected, actual)}");
    }

    [Fact]
    public async Task A_caption_with_question_marks_for_the_accented_letters_does_not_match_the_reference()
    {
        var substituted = Pgm(await CaptionAsync("In?s Jo?o ??d?"));

        Assert.NotEqual(File.ReadAllText(GoldenPath).ReplaceLineEndings("\n"), substituted);
    }

    /// <summary>The luma samples of the caption area of the first frame, as ffmpeg decodes the clip.</summary>
    private async Task<byte[]> CaptionAsync(string prompt)
    {
        var provider = new LocalProvider(_dir.File("state-" + Guid.NewGuid().ToString("N")), new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)));
        var job = await provider.SubmitAsync(new GenerateRequest("open", prompt, "local", new VideoSize(1280, 720), 1));
        var clip = _dir.File(Guid.NewGuid().ToString("N") + ".mp4");
        await using (var file = File.Create(clip))
        {
            await provider.DownloadAsync(job.JobId, ContentVariant.Video, file);
        }

        var (width, height, _, _, _, _) = FfmpegTool.Probe(clip);
        Assert.Equal((256, 144), (width, height));
        var raw = _dir.File(Guid.NewGuid().ToString("N") + ".yuv");
        var (code, _, stderr) = FfmpegTool.Run("ffmpeg", "-v", "error", "-i", clip, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", raw);
        Assert.True(code == 0, $"ffmpeg failed: {stderr}");
        var frame = File.ReadAllBytes(raw);
        Assert.Equal(width * height * 3 / 2, frame.Length);

        var area = new byte[Width * Height];
        for (var y = 0; y < Height; y++)
        {
            Array.Copy(frame, ((Top + y) * width) + Left, area, y * Width, Width);
        }

        return area;
    }

    /// <summary>A plain (text) PGM: a greyscale bitmap any image viewer opens, and a readable diff.</summary>
    private static string Pgm(byte[] luma)
    {
        var sb = new StringBuilder($"P2\n# caption of a local preview of '{Prompt}': luma of x {Left}..{Left + Width - 1}, y {Top}..{Top + Height - 1} of frame 0\n{Width} {Height}\n255\n");
        for (var y = 0; y < Height; y++)
        {
            sb.AppendJoin(' ', luma.Skip(y * Width).Take(Width).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(3))).Append('\n');
        }

        return sb.ToString();
    }

    private static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        return string.Join('\n', Enumerable.Range(0, Math.Max(e.Length, a.Length))
            .Where(i => i >= e.Length || i >= a.Length || e[i] != a[i])
            .Take(4)
            .Select(i => $"line {i + 1}:\n  expected {(i < e.Length ? e[i] : "(none)")}\n  actual   {(i < a.Length ? a[i] : "(none)")}"));
    }
}
