using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

public sealed class JournalTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _path;

    public JournalTests()
    {
        _path = _dir.Combine(".reel", "state.db");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_creates_the_directory_and_a_WAL_database_with_a_schema_version()
    {
        using (Journal.Open(_path, _time))
        {
            Assert.True(File.Exists(_path));
        }

        using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        connection.Open();
        using var mode = connection.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", mode.ExecuteScalar());
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)Journal.SchemaVersion, version.ExecuteScalar());
    }

    [Fact]
    public void Intent_submitted_succeeded_lifecycle()
    {
        using var journal = Journal.Open(_path, _time);

        var id = journal.BeginAttempt("intro", "key1", "openai", "fp1");
        var intent = journal.LatestForStep("intro")!;
        Assert.Equal(new JournalAttempt(id, "intro", "key1", "openai", "fp1", JournalState.Intent, null, null, 0m, null, Start, Start), intent);
        Assert.False(intent.IsFinished);

        _time.Advance(TimeSpan.FromSeconds(1));
        journal.RecordSubmitted(id, "video_1");
        Assert.Equal((JournalState.Submitted, "video_1"), (journal.LatestForStep("intro")!.State, journal.LatestForStep("intro")!.JobId));

        _time.Advance(TimeSpan.FromSeconds(1));
        journal.RecordStatus(id, "in_progress", 40);
        Assert.Equal(JournalState.Running, journal.LatestForStep("intro")!.State);

        journal.RecordDownloaded(id, "video", new string('c', 64));
        journal.RecordStatus(id, "completed", 100);
        Assert.Equal(JournalState.Downloaded, journal.LatestForStep("intro")!.State);

        _time.Advance(TimeSpan.FromSeconds(1));
        journal.RecordSucceeded(id, new string('c', 64), 0.40m);

        var done = journal.LatestForStep("intro")!;
        Assert.Equal(JournalState.Succeeded, done.State);
        Assert.True(done.IsFinished);
        Assert.Equal(new string('c', 64), done.OutputSha256);
        Assert.Equal(0.40m, done.Cost);
        Assert.Equal(Start, done.IntentAt);
        Assert.Equal(Start.AddSeconds(3), done.UpdatedAt);
        Assert.Empty(journal.OpenAttempts("openai"));
    }

    [Fact]
    public void Events_are_recorded_for_every_call_in_order()
    {
        using var journal = Journal.Open(_path, _time);
        var id = journal.BeginAttempt("intro", "key1", "openai", "fp1");
        journal.RecordSubmitted(id, "video_1");
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        journal.RecordStatus(id, "queued", 0);
        journal.RecordDownloaded(id, "thumbnail", new string('d', 64));
        journal.RecordFailed(id, "ProviderError", "moderation_blocked");

        var events = journal.Events(id);

        Assert.Equal(["intent", "submitted", "status", "downloaded", "failed"], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal(id, e.Attempt));
        Assert.Equal("video_1", events[1].Detail);
        Assert.Equal("queued 0%", events[2].Detail);
        Assert.Equal($"thumbnail {new string('d', 64)}", events[3].Detail);
        Assert.Equal(Start, events[1].Time);
        Assert.Equal(Start.AddMilliseconds(1500), events[2].Time);
        Assert.Equal("ProviderError: moderation_blocked", journal.LatestForStep("intro")!.Error);
        Assert.Empty(journal.Events(id + 100));
    }

    [Fact]
    public void Open_attempts_survive_a_crash_and_reopen()
    {
        long intentOnly, submitted, running, finished, other;
        using (var journal = Journal.Open(_path, _time))
        {
            intentOnly = journal.BeginAttempt("a", "ka", "openai", "fa");
            submitted = journal.BeginAttempt("b", "kb", "openai", "fb");
            journal.RecordSubmitted(submitted, "video_b");
            running = journal.BeginAttempt("c", "kc", "openai", "fc");
            journal.RecordSubmitted(running, "video_c");
            journal.RecordStatus(running, "in_progress", 10);
            finished = journal.BeginAttempt("d", "kd", "openai", "fd");
            journal.RecordSubmitted(finished, "video_d");
            journal.RecordSucceeded(finished, new string('e', 64), 1m);
            other = journal.BeginAttempt("e", "ke", "local", "fe");

            // "Crash": the process goes away without finishing anything.
        }

        using var reopened = Journal.Open(_path, _time);
        var open = reopened.OpenAttempts("openai");

        Assert.Equal([intentOnly, submitted, running], open.Select(a => a.Id));
        Assert.Equal([null, "video_b", "video_c"], open.Select(a => a.JobId));
        Assert.Equal([JournalState.Intent, JournalState.Submitted, JournalState.Running], open.Select(a => a.State));
        Assert.Equal([other], reopened.OpenAttempts("local").Select(a => a.Id));
        Assert.Equal(5, reopened.All().Length);

        // Resuming continues the same attempt.
        reopened.RecordSubmitted(intentOnly, "video_a");
        reopened.RecordAbandoned(submitted, "adopted by attempt 9");
        Assert.Equal([intentOnly, running], reopened.OpenAttempts("openai").Select(a => a.Id));
        Assert.Equal("adopted by attempt 9", reopened.Get(submitted)!.Error);
    }

    [Fact]
    public void Attempts_for_key_and_latest_for_step()
    {
        using var journal = Journal.Open(_path, _time);
        var first = journal.BeginAttempt("intro", "key1", "openai", "fp");
        journal.RecordFailed(first, "Timeout", "gave up");
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = journal.BeginAttempt("intro", "key1", "openai", "fp");
        journal.BeginAttempt("other", "key2", "openai", "fp");

        Assert.Equal([first, second], journal.AttemptsForKey("key1").Select(a => a.Id));
        Assert.Equal(second, journal.LatestForStep("intro")!.Id);
        Assert.Null(journal.LatestForStep("missing"));
        Assert.Empty(journal.AttemptsForKey("missing"));
    }

    [Fact]
    public void Recording_on_a_finished_or_unknown_attempt_throws()
    {
        using var journal = Journal.Open(_path, _time);
        var id = journal.BeginAttempt("intro", "key1", "openai", "fp");
        journal.RecordSubmitted(id, "video_1");
        journal.RecordSubmitted(id, "video_1"); // idempotent
        Assert.Throws<InvalidOperationException>(() => journal.RecordSubmitted(id, "video_2"));
        journal.RecordSucceeded(id, new string('a', 64), 0m);

        Assert.Throws<InvalidOperationException>(() => journal.RecordFailed(id, "X", "y"));
        Assert.Throws<InvalidOperationException>(() => journal.RecordStatus(9999, "queued", 0));
        Assert.Equal(JournalState.Succeeded, journal.LatestForStep("intro")!.State);
    }

    [Fact]
    public async Task Concurrent_writes_from_several_threads_are_all_recorded()
    {
        using var journal = Journal.Open(_path, _time);
        const int threads = 8;
        const int perThread = 25;

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < perThread; i++)
            {
                var id = journal.BeginAttempt($"s{t}-{i}", $"k{t}-{i}", "openai", "fp");
                journal.RecordSubmitted(id, $"job{t}-{i}");
                journal.RecordStatus(id, "in_progress", 50);
                if (i % 2 == 0)
                {
                    journal.RecordSucceeded(id, new string('f', 64), 0.1m);
                }
            }
        })));

        var all = journal.All();
        Assert.Equal(threads * perThread, all.Length);
        Assert.Equal(threads * 13, all.Count(a => a.State == JournalState.Succeeded));
        Assert.Equal(threads * 12, journal.OpenAttempts("openai").Length);
        Assert.Equal(threads * perThread, all.Select(a => a.JobId).Distinct().Count());
        Assert.All(all, a => Assert.Equal(a.State == JournalState.Succeeded ? 4 : 3, journal.Events(a.Id).Length));
    }

    [Fact]
    public void A_second_process_connection_waits_instead_of_failing()
    {
        using var first = Journal.Open(_path, _time);
        using var second = Journal.Open(_path, _time);

        var a = first.BeginAttempt("a", "ka", "openai", "fp");
        var b = second.BeginAttempt("b", "kb", "openai", "fp");
        second.RecordSubmitted(a, "video_a");

        Assert.Equal([a, b], first.All().Select(x => x.Id));
        Assert.Equal("video_a", first.Get(a)!.JobId);
    }

    [Fact]
    public void A_newer_schema_is_refused()
    {
        using (Journal.Open(_path, _time))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        var ex = Assert.Throws<InvalidOperationException>(() => Journal.Open(_path, _time));
        Assert.Contains("99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Use_after_dispose_throws()
    {
        var journal = Journal.Open(_path, _time);
        journal.Dispose();
        journal.Dispose();
        Assert.Throws<ObjectDisposedException>(() => journal.All());
        Assert.Throws<ObjectDisposedException>(() => journal.BeginAttempt("a", "k", "p", "f"));
    }
}
