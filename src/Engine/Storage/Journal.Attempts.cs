using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Reel.Engine.Storage;

/// <summary>The journal's attempts: recorded before and after every remote call, and read back.</summary>
public sealed partial class Journal
{
    /// <summary>Records the intent to submit, before the remote call. Returns the attempt id.</summary>
    /// <param name="run">The run recording it (<see cref="BeginRun"/>), which a job it creates is charged to.</param>
    public long BeginAttempt(string step, string key, string provider, string fingerprint, long? run = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(step);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentNullException.ThrowIfNull(fingerprint);
        return Write(durable: true, (transaction, now) =>
        {
            using var insert = Command(transaction,
                """
                INSERT INTO attempts (step, key, provider, fingerprint, state, cost, intent_at, updated_at, run)
                VALUES ($step, $key, $provider, $fingerprint, 'intent', '0', $now, $now, $run)
                RETURNING id;
                """,
                ("$step", step), ("$key", key), ("$provider", provider), ("$fingerprint", fingerprint), ("$now", now), ("$run", (object?)run ?? DBNull.Value));
            var id = (long)insert.ExecuteScalar()!;
            AddEvent(transaction, id, now, "intent", $"key={key} fingerprint={fingerprint}");
            return id;
        });
    }

    /// <summary>
    /// Records the provider's job id, right after the submit returns (or once an unanswered submit's job is found).
    /// With a <paramref name="charge"/>, the job is entered in the ledger as created, in the same transaction, and
    /// charged to the run that recorded the attempt's intent; a job already charged is not charged again.
    /// </summary>
    /// <returns>The run the job was charged to; null without a charge or when the job was charged before.</returns>
    public long? RecordSubmitted(long attempt, string jobId, Charge? charge = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var run = Update(attempt, JournalState.Submitted, durable: true, "submitted", jobId, "job_id = $job", [("$job", jobId)],
            charge is null ? null : (transaction, now) => AddCharge(transaction, now, attempt, jobId, charge));
        return run > 0 ? run : null;
    }

    /// <summary>
    /// Records a status poll: the provider's <paramref name="state"/> and <paramref name="progress"/> (0–100).
    /// The attempt becomes <c>running</c> (a later state is kept).
    /// </summary>
    public void RecordStatus(long attempt, string state, int progress)
    {
        ArgumentNullException.ThrowIfNull(state);

        // A lost status row only means one more poll, so this is the one write that skips the fsync (see SetSynchronous).
        Update(attempt, JournalState.Running, durable: false, "status", $"{state} {progress.ToString(CultureInfo.InvariantCulture)}%",
            "job_state = $jobState, progress = $progress", ("$jobState", state), ("$progress", progress));
    }

    /// <summary>Records that a variant (video, thumbnail, spritesheet) is in the store.</summary>
    public void RecordDownloaded(long attempt, string variant, string sha256)
    {
        ArgumentException.ThrowIfNullOrEmpty(variant);
        ArgumentException.ThrowIfNullOrEmpty(sha256);
        Update(attempt, JournalState.Downloaded, durable: true, "downloaded", $"{variant} {sha256}", null);
    }

    /// <summary>Records success: the output is in the store.</summary>
    public void RecordSucceeded(long attempt, string outputSha256, decimal cost)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputSha256);
        var costText = cost.ToString(CultureInfo.InvariantCulture);
        Update(attempt, JournalState.Succeeded, durable: true, "succeeded", $"{outputSha256} cost={costText}",
            "output_sha256 = $output, cost = $cost", ("$output", outputSha256), ("$cost", costText));
    }

    /// <summary>Records failure of the submit or of the job.</summary>
    public void RecordFailed(long attempt, string errorClass, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorClass);
        ArgumentNullException.ThrowIfNull(message);
        var error = $"{errorClass}: {message}";
        Update(attempt, JournalState.Failed, durable: true, "failed", error, "error = $error", ("$error", error));
    }

    /// <summary>Records that the attempt was given up, e.g. reconciled into or adopted by another attempt.</summary>
    public void RecordAbandoned(long attempt, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Update(attempt, JournalState.Abandoned, durable: true, "abandoned", reason, "error = $error", ("$error", reason));
    }

    /// <summary>
    /// The unfinished attempts on <paramref name="provider"/> (intent, submitted, running or downloaded),
    /// oldest first: what a resumed run must reconcile before submitting anything.
    /// </summary>
    public ImmutableArray<JournalAttempt> OpenAttempts(string provider) =>
        Query("WHERE provider = $provider AND state IN ('intent', 'submitted', 'running', 'downloaded') ORDER BY id", ("$provider", provider));

    /// <summary>The most recent attempt of <paramref name="step"/>, or null.</summary>
    public JournalAttempt? LatestForStep(string step)
    {
        var found = Query("WHERE step = $step ORDER BY id DESC LIMIT 1", ("$step", step));
        return found.IsEmpty ? null : found[0];
    }

    /// <summary>The attempts with this step key, oldest first.</summary>
    public ImmutableArray<JournalAttempt> AttemptsForKey(string key) => Query("WHERE key = $key ORDER BY id", ("$key", key));

    /// <summary>The attempt with this id, or null.</summary>
    public JournalAttempt? Get(long attempt)
    {
        var found = Query("WHERE id = $id", ("$id", attempt));
        return found.IsEmpty ? null : found[0];
    }

    /// <summary>Every attempt, oldest first.</summary>
    public ImmutableArray<JournalAttempt> All() => Query("ORDER BY id");

    /// <summary>The events of one attempt, in order.</summary>
    public ImmutableArray<JournalEvent> Events(long attempt)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = Command(null, "SELECT id, attempt, at, kind, detail FROM events WHERE attempt = $attempt ORDER BY id;", ("$attempt", attempt));
            using var reader = Read(command);
            var events = ImmutableArray.CreateBuilder<JournalEvent>();
            while (reader.Read())
            {
                events.Add(new JournalEvent(reader.GetInt64(0), reader.GetInt64(1), ParseTime(reader.GetString(2)), reader.GetString(3), reader.GetString(4)));
            }

            return events.ToImmutable();
        }
    }

    private void Update(long attempt, JournalState newState, bool durable, string kind, string detail, string? set, params (string Name, object Value)[] parameters) =>
        Update(attempt, newState, durable, kind, detail, set, parameters, null);

    private long Update(long attempt, JournalState newState, bool durable, string kind, string detail, string? set, (string Name, object Value)[] parameters, Func<SqliteTransaction, string, long>? also)
    {
        return Write(durable, (transaction, now) =>
        {
            using (var select = Command(transaction, "SELECT state, job_id FROM attempts WHERE id = $id;", ("$id", attempt)))
            using (var reader = select.ExecuteReader())
            {
                if (!reader.Read())
                {
                    throw new InvalidOperationException($"Journal attempt {attempt} does not exist.");
                }

                var current = JournalStates.Parse(reader.GetString(0));
                if (current.IsFinished())
                {
                    throw new InvalidOperationException($"Journal attempt {attempt} is already {current.Text()}; cannot record '{kind}'.");
                }

                var job = reader.IsDBNull(1) ? null : reader.GetString(1);
                if (kind == "submitted" && job is not null && job != (string)parameters[0].Value)
                {
                    throw new InvalidOperationException($"Journal attempt {attempt} was already submitted as job '{job}'; cannot record job '{parameters[0].Value}'.");
                }

                // A late status poll must not move a downloaded attempt back to running.
                if (JournalStates.Rank(newState) < JournalStates.Rank(current))
                {
                    newState = current;
                }
            }

            var sql = $"UPDATE attempts SET state = $state, updated_at = $now{(set is null ? "" : ", " + set)} WHERE id = $id;";
            var all = new List<(string, object)>(parameters) { ("$state", newState.Text()), ("$now", now), ("$id", attempt) };
            using (var update = Command(transaction, sql, [.. all]))
            {
                update.ExecuteNonQuery();
            }

            AddEvent(transaction, attempt, now, kind, detail);
            return also?.Invoke(transaction, now) ?? 0L;
        });
    }

    private ImmutableArray<JournalAttempt> Query(string where, params (string Name, object Value)[] parameters)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = Command(null,
                $"SELECT id, step, key, provider, fingerprint, state, job_id, output_sha256, cost, error, intent_at, updated_at, run FROM attempts {where};",
                parameters);
            using var reader = Read(command);
            var attempts = ImmutableArray.CreateBuilder<JournalAttempt>();
            while (reader.Read())
            {
                attempts.Add(new JournalAttempt(
                    Id: reader.GetInt64(0),
                    Step: reader.GetString(1),
                    Key: reader.GetString(2),
                    Provider: reader.GetString(3),
                    Fingerprint: reader.GetString(4),
                    State: JournalStates.Parse(reader.GetString(5)),
                    JobId: reader.IsDBNull(6) ? null : reader.GetString(6),
                    OutputSha256: reader.IsDBNull(7) ? null : reader.GetString(7),
                    Cost: decimal.Parse(reader.GetString(8), NumberStyles.Number, CultureInfo.InvariantCulture),
                    Error: reader.IsDBNull(9) ? null : reader.GetString(9),
                    IntentAt: ParseTime(reader.GetString(10)),
                    UpdatedAt: ParseTime(reader.GetString(11)),
                    Run: reader.IsDBNull(12) ? null : reader.GetInt64(12)));
            }

            return attempts.ToImmutable();
        }
    }
}
