using System.Globalization;

namespace Reel.Emulator.Rendering;

/// <summary>
/// The stream parameters of a provider-like (realistic) clip, which depend on the model, so that a pipeline meets
/// several frame rates and sample rates — as it does with real providers — and cuts are tested on each:
/// <list type="table">
/// <listheader><term>model</term><description>frame rate / audio sample rate</description></listheader>
/// <item><term><c>sora-2</c></term><description>30 fps / 48 000 Hz</description></item>
/// <item><term><c>sora-2-pro</c></term><description>24 fps / 44 100 Hz</description></item>
/// <item><term><c>sora-2-2025-10-06</c></term><description>25 fps / 48 000 Hz</description></item>
/// <item><term><c>sora-2-pro-2025-10-06</c></term><description>24 fps / 48 000 Hz</description></item>
/// <item><term><c>sora-2-2025-12-08</c></term><description>30000/1001 fps (29.97, NTSC) / 44 100 Hz</description></item>
/// <item><term>Veo models (<c>veo…</c>, <c>veo3.1…</c>)</term><description>24 fps / 48 000 Hz, as Veo delivers</description></item>
/// <item><term>anything else</term><description>as <c>sora-2</c></description></item>
/// </list>
/// </summary>
/// <param name="FrameRateNumerator">Frames per <paramref name="FrameRateDenominator"/> seconds.</param>
/// <param name="FrameRateDenominator">1, or 1001 for NTSC rates.</param>
/// <param name="SampleRate">Audio samples per second.</param>
internal sealed record ClipProfile(int FrameRateNumerator, int FrameRateDenominator, int SampleRate)
{
    private static readonly Dictionary<string, ClipProfile> Table = new(StringComparer.Ordinal)
    {
        ["sora-2"] = new(30, 1, 48000),
        ["sora-2-pro"] = new(24, 1, 44100),
        ["sora-2-2025-10-06"] = new(25, 1, 48000),
        ["sora-2-pro-2025-10-06"] = new(24, 1, 48000),
        ["sora-2-2025-12-08"] = new(30000, 1001, 44100),
    };

    /// <summary>The frame rate as ffmpeg takes it, e.g. <c>30/1</c> or <c>30000/1001</c>.</summary>
    public string FrameRate => string.Create(CultureInfo.InvariantCulture, $"{FrameRateNumerator}/{FrameRateDenominator}");

    public double FramesPerSecond => (double)FrameRateNumerator / FrameRateDenominator;

    private static readonly ClipProfile Veo = new(24, 1, 48000);

    public static ClipProfile For(string model) =>
        Table.GetValueOrDefault(model) ?? (model.StartsWith("veo", StringComparison.Ordinal) ? Veo : Table["sora-2"]);
}
