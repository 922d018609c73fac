using System.Collections.Immutable;
using System.Text;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

public sealed class LockFileTests : IDisposable
{
    private static readonly DateTimeOffset Created = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static LockEntry Entry(string step, string key = "k", decimal cost = 0.4m) =>
        new(step, key, "openai", "sora-2", "video_123", new string('a', 64), new string('b', 64), null, 8, "1280x720", cost, Created, null, null);

    private static ScriptLock Sample() => new([
        Entry("scene-2", "key2", 0.80m),
        new LockEntry("hero", "keyh", "openai", null, "char_1", null, null, null, null, null, 0m, Created.ToOffset(TimeSpan.FromHours(2)), "ch_abc", 42),
        Entry("intro", "key1"),
        new LockEntry("odd \"step\": yes\n", "k\\ey", "local", "m: x", null, "0123", null, "s", 4, "tab\there", 1.000m, Created.AddTicks(1234567), "ünï€😀", -7),
        Entry("true", "kt"),
    ]);

    [Fact]
    public void Format_is_the_documented_layout()
    {
        var text = LockFile.Format(new ScriptLock([Entry("intro", "key1")]));

        Assert.Equal(
            """
            # reel lock — generated; commit this file
            reel-lock: 3
            steps:
              intro:
                - key: "key1"
                  provider: "openai"
                  model: "sora-2"
                  job: "video_123"
                  output: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                  thumbnail: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                  seconds: 8
                  size: "1280x720"
                  cost: 0.4
                  created: 2025-03-04T05:06:07Z

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            text);
    }

    [Fact]
    public void A_step_keeps_one_result_per_provider_model_and_size_and_the_latest_is_its_current_one()
    {
        var openai = Entry("intro", "k-openai") with { Created = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        var local = Entry("intro", "k-local") with { Provider = "local", Model = "local", Created = openai.Created.AddHours(1) };
        var reroll = openai with { Key = "k-openai-2", Created = openai.Created.AddHours(2) };

        var both = ScriptLock.Empty.With(openai).With(local);
        var rerolled = both.With(reroll);
        var final = rerolled.With(reroll with { Key = "k-openai-1080", Size = "1920x1080" });

        Assert.Equal(2, both.AllForStep("intro").Count);
        Assert.Equal("k-local", both.ForStep("intro")!.Key);
        Assert.Equal("k-openai", both.ForStep("intro", "k-openai")!.Key);
        Assert.Equal(["k-local", "k-openai-2"], rerolled.AllForStep("intro").Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(both, LockFile.Parse(LockFile.Format(both), "x.lock.yaml"));
        Assert.Equal(["k-local", "k-openai-1080", "k-openai-2"], final.AllForStep("intro").Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Write_is_byte_stable_regardless_of_entry_order_scale_and_offset()
    {
        var entries = Sample().Entries;
        var shuffled = new ScriptLock([.. entries.Reverse().Select(e => e with { Cost = e.Cost * 1.00m, Created = e.Created.ToOffset(TimeSpan.FromHours(-5)) })]);
        var a = _dir.Combine("a.lock.yaml");
        var b = _dir.Combine("b.lock.yaml");

        LockFile.Write(a, Sample());
        LockFile.Write(b, shuffled);
        LockFile.Write(b, shuffled);

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.Equal(Sample(), shuffled);
        Assert.False(File.ReadAllBytes(a).AsSpan().StartsWith(Encoding.UTF8.Preamble), "no BOM");
        Assert.DoesNotContain("\r", File.ReadAllText(a), StringComparison.Ordinal);
        Assert.DoesNotContain("null", File.ReadAllText(a), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void Entries_are_sorted_by_step_ordinal()
    {
        Assert.Equal(["hero", "intro", "odd \"step\": yes\n", "scene-2", "true"], Sample().Entries.Select(e => e.Step));
    }

    [Fact]
    public void Read_of_Write_round_trips()
    {
        var path = _dir.Combine("storyboard.lock.yaml");
        LockFile.Write(path, Sample());

        var read = LockFile.Read(path);

        Assert.Equal(Sample(), read);
        Assert.Equal<LockEntry>(Sample().Entries, read.Entries);
        Assert.Equal(LockFile.Format(Sample()), LockFile.Format(read));
    }

    [Fact]
    public void A_lock_as_written_reads_the_same_line_by_line_as_through_YAML()
    {
        var withExtras = new ScriptLock([.. Sample().Entries, Entry("scene-2", "key3") with { Provider = "fal", Roll = 2, Previous = "key2", Inputs = "image:abc,video:def", Prompt = "a \u0001 b\r\n\"q\" \u2028 c" }]);
        foreach (var @lock in new[] { Sample(), withExtras, ScriptLock.Empty })
        {
            var text = LockFile.Format(@lock);

            // A comment is valid YAML that the writer never writes: that copy can only be read by the YAML reader.
            var throughYaml = LockFile.Parse(text + "# read by YAML\n", "x.lock.yaml");
            var read = LockFile.Parse(text, "x.lock.yaml");

            Assert.Equal<LockEntry>(throughYaml.Entries, read.Entries);
            Assert.Equal<LockEntry>(@lock.Entries, read.Entries);
            Assert.Equal(text, LockFile.Format(read));
        }
    }

    [Fact]
    public void A_lone_surrogate_the_writer_escapes_is_still_refused_as_the_YAML_reader_refuses_it()
    {
        var text = LockFile.Format(new ScriptLock([Entry("intro") with { Prompt = "x \ud800 y" }]));

        var error = Assert.Throws<LockFileException>(() => LockFile.Parse(text, "x.lock.yaml"));
        Assert.Contains("surrogate", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("      cost: 0.4\n", "      cost: 0.40\n")]
    [InlineData("      seconds: 8\n", "      seconds: 08\n")]
    [InlineData("      model: \"sora-2\"\n", "      model: sora-2\n")]
    [InlineData("      model: \"sora-2\"\n", "      model: 'sora-2'\n")]
    public void A_lock_edited_by_hand_is_read_by_YAML_as_before(string written, string edited)
    {
        var text = LockFile.Format(new ScriptLock([Entry("intro", "key1")]));
        Assert.Contains(written, text, StringComparison.Ordinal);

        var read = LockFile.Parse(text.Replace(written, edited, StringComparison.Ordinal), "x.lock.yaml");

        Assert.Equal(new ScriptLock([Entry("intro", "key1")]), read);
    }

    [Fact]
    public void Round_trips_an_empty_lock()
    {
        var path = _dir.Combine("empty.lock.yaml");
        LockFile.Write(path, ScriptLock.Empty);
        Assert.Contains("steps: {}", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(ScriptLock.Empty, LockFile.Read(path));
    }

    [Fact]
    public void Missing_file_reads_as_an_empty_lock()
    {
        Assert.Empty(LockFile.Read(_dir.Combine("nope.lock.yaml")).Entries);
        Assert.Empty(LockFile.Read(_dir.Combine("no-dir", "nope.lock.yaml")).Entries);
    }

    [Fact]
    public void Lookups_by_step_and_by_key()
    {
        var lockFile = Sample();
        Assert.Equal("key1", lockFile.ForStep("intro")!.Key);
        Assert.Equal("scene-2", lockFile.ForKey("key2")!.Step);
        Assert.Null(lockFile.ForStep("missing"));
        Assert.Null(lockFile.ForKey("missing"));

        var updated = lockFile.With(Entry("intro", "key1b")).With(Entry("zzz", "kz")).Without("hero");
        Assert.Equal("key1b", updated.ForStep("intro")!.Key);
        Assert.Null(updated.ForKey("key1"));
        Assert.NotNull(updated.ForStep("zzz"));
        Assert.Null(updated.ForStep("hero"));
        Assert.Equal(5, updated.Entries.Length);
    }

    [Fact]
    public void Duplicate_steps_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new ScriptLock([Entry("a"), Entry("a")]));
    }

    [Fact]
    public void PathFor_puts_the_lock_beside_the_script()
    {
        Assert.Equal(Path.Combine("films", "storyboard.lock.yaml"), LockFile.PathFor(Path.Combine("films", "storyboard.yaml")));
    }

    [Theory]
    [InlineData("reel-lock: 1\nsteps:\n  intro:\n    key: \"k\n", 4, 10, "invalid YAML")]
    [InlineData("reel-lock: 1\nsteps:\n  intro: 1\n", 3, 10, "must be a mapping of fields")]
    [InlineData("reel-lock: 4\nsteps: {}\n", 1, 12, "unsupported lock format")]
    [InlineData("steps: {}\n", 1, 1, "missing 'reel-lock: 3'")]
    [InlineData("reel-lock: 2\nsteps:\n  intro:\n    - key: \"k\"\n      provider: \"p\"\n      cost: 1\n      created: 2025-01-01T00:00:00Z\n    - key: \"k\"\n      provider: \"q\"\n      cost: 1\n      created: 2025-01-01T00:00:00Z\n", 1, 1, "two entries for step 'intro' with one key")]
    [InlineData("reel-lock: 1\nsteps:\n  intro:\n    key: \"k\"\n    provider: \"p\"\n    cost: abc\n    created: 2025-01-01T00:00:00Z\n", 6, 11, "not a decimal")]
    [InlineData("reel-lock: 1\nsteps:\n  intro:\n    key: \"k\"\n    cost: 1\n    created: 2025-01-01T00:00:00Z\n", 4, 5, "missing 'provider'")]
    [InlineData("reel-lock: 1\nsteps:\n  intro:\n    key: \"k\"\n    provider: \"p\"\n    cost: 1\n    created: 2025-01-01T00:00:00Z\n    colour: red\n", 8, 5, "unknown field 'colour'")]
    [InlineData("reel-lock: 1\nsteps:\n  a:\n    key: \"k\"\n    provider: \"p\"\n    cost: 1\n    created: 2025-01-01T00:00:00Z\n  a:\n    key: \"k\"\n", 8, 3, "duplicate step 'a'")]
    [InlineData("reel-lock: 1\nsteps:\n  a:\n    key: \"k\"\n    provider: \"p\"\n    cost: 1\n    created: yesterday\n", 7, 14, "not an ISO-8601 time")]
    [InlineData("- 1\n", 1, 1, "a lock file is a mapping")]
    [InlineData("reel-lock: 1\nsteps:\n<<<<<<< HEAD\n", 4, 1, "invalid YAML")]
    public void Malformed_lock_reports_file_line_and_column(string text, int line, int column, string message)
    {
        var path = _dir.Combine("bad.lock.yaml");
        File.WriteAllText(path, text);

        var ex = Assert.Throws<LockFileException>(() => LockFile.Read(path));

        Assert.Equal(path, ex.Location.File);
        Assert.Equal((line, column), (ex.Location.Line, ex.Location.Column));
        Assert.Contains(message, ex.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Line:", ex.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"{path}({line},{column}): ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hand_written_lock_with_plain_scalars_and_comments_reads()
    {
        var text = """
            # edited by hand
            reel-lock: 1
            steps:
              intro:   # the opening
                key: abc
                provider: local
                seconds: 4
                cost: 0
                created: 2025-01-01T01:00:00+01:00
            """;

        var read = LockFile.Parse(text, "x.lock.yaml");

        var entry = Assert.Single(read.Entries);
        Assert.Equal(new LockEntry("intro", "abc", "local", null, null, null, null, null, 4, null, 0m, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), null, null), entry);
    }

    [Fact]
    public void Empty_file_reads_as_an_empty_lock()
    {
        Assert.Equal(ScriptLock.Empty, LockFile.Parse("", "x"));
        Assert.Equal(ScriptLock.Empty, LockFile.Parse("# only a comment\n", "x"));
    }

    [Fact]
    public void Entries_default_array_is_treated_as_empty()
    {
        Assert.Equal(ScriptLock.Empty, new ScriptLock(default(ImmutableArray<LockEntry>)));
    }
}
