using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Reel.Engine.Storage;

/// <summary>
/// The run journal (<c>.reel/state.db</c>): SQLite in WAL mode recording every step attempt before and
/// after each remote call, so a run killed at any instant can be resumed without paying twice.
/// Every record call is its own transaction and is durable when it returns. Thread-safe; other
/// processes wait for the database rather than fail.
/// </summary>
public sealed partial class Journal : IDisposable
{
    /// <summary>The schema version stored in <c>PRAGMA user_version</c>.</summary>
    public const int SchemaVersion = JournalSchema.Version;

    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly System.Threading.Lock _gate = new();
    private bool _synchronousFull;
    private bool _disposed;

    private Journal(SqliteConnection connection, TimeProvider time, string path)
    {
        _connection = connection;
        _time = time;
        Path = path;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating if needed) the journal at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer reel.</exception>
    public static Journal Open(string path, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(time);
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,

            // Without pooling, Dispose really closes the file (tests, and a clean handover to the next run).
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();

        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};");
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL;") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The journal '{full}' could not be switched to WAL mode (journal_mode is '{mode}'); is it on a network filesystem?");
            }

            Execute(connection, "PRAGMA foreign_keys = ON;");
            var journal = new Journal(connection, time, full);
            journal.SetSynchronous(full: true);
            JournalSchema.Migrate(connection, full);
            return journal;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw ProjectStateException.FromJournal(full, ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the database. Unfinished attempts stay open for the next run.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    private long Write(bool durable, Func<SqliteTransaction, string, long> body)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            SetSynchronous(durable);
            var now = FormatTime(_time.GetUtcNow());

            try
            {
                // IMMEDIATE takes the write lock up front, so a second process waits (busy timeout) instead of deadlocking on upgrade.
                using var transaction = _connection.BeginTransaction(deferred: false);
                var result = body(transaction, now);
                transaction.Commit();
                return result;
            }
            catch (SqliteException ex)
            {
                throw ProjectStateException.FromJournal(Path, ex);
            }
        }
    }

    /// <summary>Runs a query; a damaged database is the user's to fix, named with its path.</summary>
    private SqliteDataReader Read(SqliteCommand command)
    {
        try
        {
            return command.ExecuteReader();
        }
        catch (SqliteException ex)
        {
            throw ProjectStateException.FromJournal(Path, ex);
        }
    }

    private void SetSynchronous(bool full)
    {
        // WAL + synchronous=FULL fsyncs the WAL on every commit, so an intent or job id survives power loss:
        // losing one could mean submitting (and paying for) a job twice, or losing a paid job. NORMAL only
        // syncs at checkpoints; it is still safe against a killed process (the WAL is in the OS cache) and
        // only a power cut could lose the latest commits. Status polls use it; the next FULL commit syncs them too.
        if (full == _synchronousFull)
        {
            return;
        }

        Execute(_connection, full ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
        _synchronousFull = full;
    }

    private void AddEvent(SqliteTransaction transaction, long attempt, string now, string kind, string detail)
    {
        using var insert = Command(transaction, "INSERT INTO events (attempt, at, kind, detail) VALUES ($attempt, $now, $kind, $detail);",
            ("$attempt", attempt), ("$now", now), ("$kind", kind), ("$detail", detail));
        insert.ExecuteNonQuery();
    }

    private SqliteCommand Command(SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is built from constants only; values are parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant pragmas.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant pragmas.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        return command.ExecuteScalar();
    }

    // Fixed-width UTC text sorts in time order and reads well in the sqlite3 shell.
    private static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
