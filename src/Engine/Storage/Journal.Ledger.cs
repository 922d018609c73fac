using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Reel.Engine.Storage;

/// <summary>What a job Reel creates costs, as entered in the ledger with <see cref="Journal.RecordSubmitted"/>.</summary>
/// <param name="Run">The run creating it; an attempt whose intent an earlier run recorded is charged to that run.</param>
/// <param name="Price">The price used, in USD (the provider's price list for the model, size and seconds).</param>
public sealed record Charge(long Run, string Step, string Key, string Provider, string? Model, string? Size, int? Seconds, decimal Price);

/// <summary>Whether a ledger entry is money spent (a job Reel created) or a job reused instead of paid again.</summary>
public enum LedgerKind
{
    Created,
    Reused,
}

/// <summary>One line of the ledger of money.</summary>
/// <param name="Script">The script of the run the entry belongs to.</param>
/// <param name="Price">For a created job, what it cost; for a reused one, what it cost when it was created (not spent again).</param>
public sealed record LedgerEntry(
    long Id,
    long Run,
    string Script,
    LedgerKind Kind,
    string Step,
    string Key,
    string Provider,
    string? Model,
    string? Size,
    int? Seconds,
    string JobId,
    decimal Price,
    DateTimeOffset At)
{
    /// <summary>The money this entry stands for: its price when Reel created the job, nothing when it reused one.</summary>
    public decimal Spent => Kind == LedgerKind.Created ? Price : 0m;
}

public sealed partial class Journal
{
    /// <summary>Starts a run of <paramref name="script"/> (its path relative to the project) and returns its id.</summary>
    public long BeginRun(string script, string provider)
    {
        ArgumentException.ThrowIfNullOrEmpty(script);
        ArgumentException.ThrowIfNullOrEmpty(provider);
        return Write(durable: true, (transaction, now) =>
        {
            using var insert = Command(transaction, "INSERT INTO runs (script, provider, started_at) VALUES ($script, $provider, $now) RETURNING id;",
                ("$script", script), ("$provider", provider), ("$now", now));
            return (long)insert.ExecuteScalar()!;
        });
    }

    /// <summary>Enters a job that <paramref name="run"/> reused instead of creating (nothing is spent).</summary>
    public void RecordReused(long run, string step, string key, string provider, string jobId)
    {
        ArgumentException.ThrowIfNullOrEmpty(step);
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        Write(durable: true, (transaction, now) =>
        {
            using var insert = Command(transaction,
                """
                INSERT INTO ledger (run, attempt, kind, step, key, provider, model, size, seconds, job_id, price, at)
                SELECT $run, NULL, 'reused', $step, $key, $provider,
                       created.model, created.size, created.seconds, $job, COALESCE(created.price, '0'), $now
                FROM (SELECT 1) LEFT JOIN ledger AS created
                  ON created.kind = 'created' AND created.provider = $provider AND created.job_id = $job;
                """,
                ("$run", run), ("$step", step), ("$key", key), ("$provider", provider), ("$job", jobId), ("$now", now));
            return insert.ExecuteNonQuery();
        });
    }

    /// <summary>The ledger, oldest first: every entry, or only those of the runs of <paramref name="script"/>.</summary>
    public ImmutableArray<LedgerEntry> Ledger(string? script = null)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = Command(null,
                $"""
                SELECT l.id, l.run, r.script, l.kind, l.step, l.key, l.provider, l.model, l.size, l.seconds, l.job_id, l.price, l.at
                FROM ledger AS l JOIN runs AS r ON r.id = l.run
                {(script is null ? "" : "WHERE r.script = $script")}
                ORDER BY l.id;
                """,
                script is null ? [] : [("$script", script)]);
            using var reader = Read(command);
            var entries = ImmutableArray.CreateBuilder<LedgerEntry>();
            while (reader.Read())
            {
                entries.Add(new LedgerEntry(
                    Id: reader.GetInt64(0),
                    Run: reader.GetInt64(1),
                    Script: reader.GetString(2),
                    Kind: reader.GetString(3) == "created" ? LedgerKind.Created : LedgerKind.Reused,
                    Step: reader.GetString(4),
                    Key: reader.GetString(5),
                    Provider: reader.GetString(6),
                    Model: reader.IsDBNull(7) ? null : reader.GetString(7),
                    Size: reader.IsDBNull(8) ? null : reader.GetString(8),
                    Seconds: reader.IsDBNull(9) ? null : reader.GetInt32(9),
                    JobId: reader.GetString(10),
                    Price: decimal.Parse(reader.GetString(11), NumberStyles.Number, CultureInfo.InvariantCulture),
                    At: ParseTime(reader.GetString(12))));
            }

            return entries.ToImmutable();
        }
    }

    /// <summary>What <paramref name="run"/> spent: the prices of the jobs charged to it.</summary>
    public decimal SpentInRun(long run) => Ledger().Where(e => e.Run == run).Sum(e => e.Spent);

    /// <summary>Enters a created job, charged to the run of its attempt's intent; returns that run, or 0 when the job was charged before.</summary>
    private long AddCharge(SqliteTransaction transaction, string now, long attempt, string jobId, Charge charge)
    {
        using var insert = Command(transaction,
            """
            INSERT OR IGNORE INTO ledger (run, attempt, kind, step, key, provider, model, size, seconds, job_id, price, at)
            VALUES (COALESCE((SELECT run FROM attempts WHERE id = $attempt), $run), $attempt, 'created', $step, $key, $provider,
                    $model, $size, $seconds, $job, $price, $now)
            RETURNING run;
            """,
            ("$attempt", attempt), ("$run", charge.Run), ("$step", charge.Step), ("$key", charge.Key), ("$provider", charge.Provider),
            ("$model", (object?)charge.Model ?? DBNull.Value), ("$size", (object?)charge.Size ?? DBNull.Value),
            ("$seconds", (object?)charge.Seconds ?? DBNull.Value), ("$job", jobId),
            ("$price", charge.Price.ToString(CultureInfo.InvariantCulture)), ("$now", now));
        return insert.ExecuteScalar() is long run ? run : 0L;
    }
}
