using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

/// <summary>Older lock formats read without loss, and the results of several profiles kept side by side.</summary>
public sealed class LockFormatsTests
{
    private static readonly DateTimeOffset Created = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static LockEntry Entry(string step, string key, string? profile) =>
        new(step, key, "fal", "veo3.1", "job-" + key, new string('a', 64), null, null, 4, "1280x720", 0.4m, Created, null, 7, Profile: profile);

    [Fact]
    public void A_format_1_lock_with_every_field_is_read_and_written_as_the_current_format_without_losing_one()
    {
        const string v1 = """
            reel-lock: 1
            steps:
              a:
                key: "k1"
                provider: "openai"
                model: "sora-2"
                job: "video_1"
                output: "o1"
                thumbnail: "t1"
                spritesheet: "s1"
                seconds: 8
                size: "1280x720"
                cost: 0.4
                created: 2025-01-01T00:00:00Z
                seed: 1234
                inputs: "image:abc,carry:def"
                roll: 2
                previous: "o0,o00"
                prompt: "Dawn over the harbour."
              b:
                key: "k2"
                provider: "local"
                character: "ch_1"
                cost: 0
                created: 2025-01-02T00:00:00Z
            """;

        var read = LockFile.Parse(v1, "old.lock.yaml");
        var text = LockFile.Format(read);
        var again = LockFile.Parse(text, "new.lock.yaml");

        Assert.Equal(1, read.Format);
        Assert.Equal(LockFile.FormatVersion, again.Format);
        Assert.Equal(
            new LockEntry("a", "k1", "openai", "sora-2", "video_1", "o1", "t1", "s1", 8, "1280x720", 0.4m, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), null, 1234, "Dawn over the harbour.", "image:abc,carry:def", 2, "o0,o00"),
            read.ForStep("a"));
        Assert.Equal("ch_1", read.ForStep("b")!.Character);
        Assert.Equal<LockEntry>(read.Entries, again.Entries);
        Assert.StartsWith($"{LockFile.Header}\nreel-lock: {LockFile.FormatVersion}\n", text, StringComparison.Ordinal);
        foreach (var line in new[] { "seed: 1234", "inputs: \"image:abc,carry:def\"", "roll: 2", "previous: \"o0,o00\"", "spritesheet: \"s1\"", "character: \"ch_1\"" })
        {
            Assert.Contains(line, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_format_2_lock_reads_with_its_format_and_the_profile_of_each_result_round_trips()
    {
        var v2 = LockFile.Format(new ScriptLock([Entry("open", "k1", null)])).Replace($"reel-lock: {LockFile.FormatVersion}", "reel-lock: 2", StringComparison.Ordinal);
        var profiled = new ScriptLock([Entry("open", "k1", "draft"), Entry("open", "k2", "final")]);
        var text = LockFile.Format(profiled);

        Assert.Equal(2, LockFile.Parse(v2, "x.lock.yaml").Format);
        Assert.Contains("      profile: \"draft\"\n", text, StringComparison.Ordinal);
        Assert.Equal<LockEntry>(profiled.Entries, LockFile.Parse(text, "x.lock.yaml").Entries);
        Assert.Equal<LockEntry>(profiled.Entries, LockFile.Parse(text + "# read by YAML\n", "x.lock.yaml").Entries);
    }

    [Fact]
    public void Two_profiles_of_one_provider_model_and_size_keep_their_results_side_by_side()
    {
        var audio = Entry("open", "k-audio", "draft");
        var silent = Entry("open", "k-silent", "quiet");

        var both = ScriptLock.Empty.With(audio).With(silent);
        var edited = both.With(audio with { Key = "k-audio-edited" });
        var legacy = new ScriptLock([Entry("open", "k-old", null)]).With(audio);

        Assert.Equal(["k-audio", "k-silent"], both.AllForStep("open").Select(e => e.Key));
        Assert.Equal(["k-audio-edited", "k-silent"], edited.AllForStep("open").Select(e => e.Key));
        Assert.Equal(["k-audio", "k-old"], legacy.AllForStep("open").Select(e => e.Key));
        Assert.Equal("quiet", both.With(silent with { Job = "again" }).ForStep("open", "k-silent")!.Profile);
    }
}
