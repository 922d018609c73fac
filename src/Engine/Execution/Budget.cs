namespace Reel.Engine.Execution;

/// <summary>
/// The money side of one run. Every paid submit reserves its price first, so a submit that would pass the
/// <c>--max-cost</c> cap is refused before it is sent; once the submit is answered the reservation is settled:
/// spent when it created a job, given back when it did not. <see cref="Spent"/> is what the live footer shows;
/// the ledger in the journal is the record.
/// </summary>
internal sealed class Budget(decimal? cap)
{
    private readonly Lock _gate = new();
    private decimal _spent;
    private decimal _reserved;

    /// <summary>What the jobs this run created cost so far.</summary>
    public decimal Spent
    {
        get
        {
            lock (_gate)
            {
                return _spent;
            }
        }
    }

    /// <summary>Reserves <paramref name="cost"/> for a submit of <paramref name="stepId"/>.</summary>
    /// <exception cref="RunRefusedException">The submit could bring the spend above the cap.</exception>
    public void Reserve(string stepId, decimal cost)
    {
        lock (_gate)
        {
            if (cap is { } limit && _spent + _reserved + cost > limit)
            {
                throw new RunRefusedException($"--max-cost: submitting '{stepId}' (${cost:0.00}) would bring the spend to ${_spent + _reserved + cost:0.00}, above the cap of ${limit:0.00}");
            }

            _reserved += cost;
        }
    }

    /// <summary>Settles a reservation: the submit created a job this run pays for, or it did not.</summary>
    public void Settle(decimal reserved, bool spent)
    {
        lock (_gate)
        {
            _reserved -= reserved;
            if (spent)
            {
                _spent += reserved;
            }
        }
    }

    /// <summary>A job this run created without a reservation (an answer found by reconciliation).</summary>
    public void Add(decimal cost)
    {
        lock (_gate)
        {
            _spent += cost;
        }
    }
}
