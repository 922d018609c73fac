namespace Reel.Engine.Execution;

/// <summary>
/// The money side of one run (<c>--max-cost</c>): every paid submit reserves its price first, so a
/// submit that would pass the cap is refused before it is sent; a submit that fails gives it back.
/// </summary>
internal sealed class Budget(decimal? cap)
{
    private readonly Lock _gate = new();
    private decimal _spent;

    /// <summary>What the submits of this run have reserved so far.</summary>
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
    /// <exception cref="RunRefusedException">The submit would bring the spend above the cap.</exception>
    public void Reserve(string stepId, decimal cost)
    {
        lock (_gate)
        {
            if (cap is { } limit && _spent + cost > limit)
            {
                throw new RunRefusedException($"--max-cost: submitting '{stepId}' (${cost:0.00}) would bring the spend to ${_spent + cost:0.00}, above the cap of ${limit:0.00}");
            }

            _spent += cost;
        }
    }

    /// <summary>Gives back a reservation whose submit created no job.</summary>
    public void Release(decimal cost)
    {
        lock (_gate)
        {
            _spent -= cost;
        }
    }
}
