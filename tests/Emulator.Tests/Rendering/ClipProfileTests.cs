using Reel.Emulator.Rendering;

namespace Reel.Emulator.Tests.Rendering;

public sealed class ClipProfileTests
{
    [Theory]
    [InlineData("sora-2", "30/1", 48000)]
    [InlineData("sora-2-pro", "24/1", 44100)]
    [InlineData("veo-3.1-generate-preview", "24/1", 48000)]
    [InlineData("veo3.1-fast", "24/1", 48000)]
    [InlineData("something-else", "30/1", 48000)]
    public void Each_model_family_has_its_frame_and_sample_rate(string model, string rate, int sampleRate)
    {
        var profile = ClipProfile.For(model);

        Assert.Equal(rate, profile.FrameRate);
        Assert.Equal(sampleRate, profile.SampleRate);
    }
}
