namespace Reel.Engine.Planning;

/// <summary>
/// The smallest of a set of step positions first: the ready steps of <see cref="Planner.Order"/>. A small heap of our
/// own rather than <c>PriorityQueue&lt;int, int&gt;</c>, which a cold process compiled with the JIT (a dozen methods) on
/// every plan, where this is precompiled.
/// </summary>
internal sealed class IndexHeap(int capacity)
{
    private readonly int[] _items = new int[Math.Max(1, capacity)];

    public int Count { get; private set; }

    /// <summary>Adds <paramref name="index"/>; at most the capacity's number of indexes are held at once.</summary>
    public void Push(int index)
    {
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (_items[parent] <= index)
            {
                break;
            }

            _items[i] = _items[parent];
            i = parent;
        }

        _items[i] = index;
    }

    /// <summary>Removes and returns the smallest index held.</summary>
    public int Pop()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("the heap is empty");
        }

        var smallest = _items[0];
        var last = _items[--Count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && _items[child + 1] < _items[child])
            {
                child++;
            }

            if (_items[child] >= last)
            {
                break;
            }

            _items[i] = _items[child];
            i = child;
        }

        _items[i] = last;
        return smallest;
    }
}
