using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

/// <summary>The ledger of money: one charge per job created, to the run that sent its submit; reuse costs nothing.</summary>
public sealed class JournalLedgerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly string _path;

    public JournalLedgerTests()
    {
        _path = _dir.Combine(".reel", "state.db");
    }

    public void Dispose() => _dir.Dispose();

    private static Charge ChargeOf(long run, decimal price) => new(run, "kite", "k1", "openai", "sora-2", "1280x720", 4, price);

    [Fact]
    public void A_job_is_charged_once_to_the_run_that_recorded_its_intent()
    {
        using var journal = Journal.Open(_path, _time);
        var first = journal.BeginRun("storyboard", "openai");
        var attempt = journal.BeginAttempt("kite", "k1", "openai", "k1", first);
        var second = journal.BeginRun("storyboard", "openai");

        // The later run found the job the first one's unanswered submit created.
        Assert.Equal(first, journal.RecordSubmitted(attempt, "video_1", ChargeOf(second, 0.40m)));
        Assert.Null(journal.RecordSubmitted(attempt, "video_1", ChargeOf(second, 0.40m)));

        var again = journal.BeginAttempt("kite", "k1", "openai", "k1", second);
        Assert.Null(journal.RecordSubmitted(again, "video_1", ChargeOf(second, 0.40m)));
        Assert.Equal(0.40m, journal.SpentInRun(first));
        Assert.Equal(0m, journal.SpentInRun(second));
        var entry = Assert.Single(journal.Ledger());
        Assert.Equal((LedgerKind.Created, "video_1", "sora-2", "1280x720", 4, 0.40m, "storyboard"), (entry.Kind, entry.JobId, entry.Model, entry.Size, entry.Seconds, entry.Price, entry.Script));
    }

    [Fact]
    public void A_reused_job_is_entered_at_its_price_but_spends_nothing_and_scripts_are_kept_apart()
    {
        using var journal = Journal.Open(_path, _time);
        var run = journal.BeginRun("storyboard", "openai");
        journal.RecordSubmitted(journal.BeginAttempt("kite", "k1", "openai", "k1", run), "video_1", ChargeOf(run, 0.40m));
        var copy = journal.BeginRun("copy", "openai");

        journal.RecordReused(copy, "kite", "k1", "openai", "video_1");

        var reused = Assert.Single(journal.Ledger("copy"));
        Assert.Equal((LedgerKind.Reused, 0.40m, 0m), (reused.Kind, reused.Price, reused.Spent));
        Assert.Equal(0.40m, journal.Ledger("storyboard").Sum(e => e.Spent));
        Assert.Equal(0m, journal.SpentInRun(copy));
    }

    [Fact]
    public void A_journal_of_schema_1_is_brought_up_to_date_and_keeps_its_attempts()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        using (var connection = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, step TEXT NOT NULL, key TEXT NOT NULL, provider TEXT NOT NULL,
                    fingerprint TEXT NOT NULL, state TEXT NOT NULL, job_id TEXT, job_state TEXT, progress INTEGER, output_sha256 TEXT,
                    cost TEXT NOT NULL, error TEXT, intent_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, attempt INTEGER NOT NULL REFERENCES attempts (id),
                    at TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
                INSERT INTO attempts (step, key, provider, fingerprint, state, job_id, cost, intent_at, updated_at)
                VALUES ('kite', 'k1', 'openai', 'k1', 'submitted', 'video_old', '0', '2025-01-01T00:00:00.0000000Z', '2025-01-01T00:00:00.0000000Z');
                PRAGMA user_version = 1;
                """;
            create.ExecuteNonQuery();
        }

        using var journal = Journal.Open(_path, _time);

        var old = Assert.Single(journal.All());
        Assert.Equal(("video_old", (long?)null), (old.JobId, old.Run));
        var run = journal.BeginRun("storyboard", "openai");
        Assert.Equal(run, journal.RecordSubmitted(journal.BeginAttempt("gull", "k2", "openai", "k2", run), "video_2", ChargeOf(run, 0.8m)));
        Assert.Equal(0.8m, journal.SpentInRun(run));
    }
}
