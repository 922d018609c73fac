using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Reel.Engine.Storage;

/// <summary>
/// The journal's tables, by schema version (<c>PRAGMA user_version</c>). Each version adds to the one
/// before, in one transaction, so an older journal is brought up to date when it is opened.
/// </summary>
internal static class JournalSchema
{
    /// <summary>The newest schema version.</summary>
    public const int Version = 2;

    private const string Version1 =
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            step TEXT NOT NULL,
            key TEXT NOT NULL,
            provider TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            state TEXT NOT NULL,
            job_id TEXT,
            job_state TEXT,
            progress INTEGER,
            output_sha256 TEXT,
            cost TEXT NOT NULL,
            error TEXT,
            intent_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX attempts_by_step ON attempts (step, id);
        CREATE INDEX attempts_by_key ON attempts (key, id);
        CREATE INDEX attempts_by_provider_state ON attempts (provider, state);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            attempt INTEGER NOT NULL REFERENCES attempts (id),
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE INDEX events_by_attempt ON events (attempt, id);
        """;

    // Version 2: the ledger of money. A run is one `reel run` of one script; an attempt remembers the run that
    // recorded its intent; every job Reel creates is one 'created' entry (at most one per job), and every job a
    // run reuses instead of creating is a 'reused' entry of that run.
    private const string Version2 =
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            script TEXT NOT NULL,
            provider TEXT NOT NULL,
            started_at TEXT NOT NULL
        );
        ALTER TABLE attempts ADD COLUMN run INTEGER REFERENCES runs (id);
        CREATE TABLE ledger (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run INTEGER NOT NULL REFERENCES runs (id),
            attempt INTEGER REFERENCES attempts (id),
            kind TEXT NOT NULL CHECK (kind IN ('created', 'reused')),
            step TEXT NOT NULL,
            key TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT,
            size TEXT,
            seconds INTEGER,
            job_id TEXT NOT NULL,
            price TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX ledger_one_charge_per_job ON ledger (provider, job_id) WHERE kind = 'created';
        CREATE INDEX ledger_by_run ON ledger (run, id);
        """;

    /// <summary>Brings the database at <paramref name="path"/> up to <see cref="Version"/>.</summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer reel.</exception>
    public static void Migrate(SqliteConnection connection, string path)
    {
        var version = UserVersion(connection, null);
        if (version > Version)
        {
            throw new InvalidOperationException($"The journal '{path}' has schema version {version}; this reel understands up to {Version}. Upgrade reel.");
        }

        if (version == Version)
        {
            return;
        }

        using var transaction = connection.BeginTransaction(deferred: false);

        // Re-read inside the write lock: another process may have migrated meanwhile.
        version = UserVersion(connection, transaction);
        if (version < 1)
        {
            Execute(connection, transaction, Version1);
        }

        if (version < 2)
        {
            Execute(connection, transaction, Version2);
        }

        Execute(connection, transaction, $"PRAGMA user_version = {Version.ToString(CultureInfo.InvariantCulture)};");
        transaction.Commit();
    }

    private static int UserVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        command.Transaction = transaction;
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant schema text.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
