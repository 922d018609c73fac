using Reel.Engine.Planning;

namespace Reel.Engine.Tests.Planning;

/// <summary>The ready steps of a plan's order come out smallest position first, however pushes and pops interleave.</summary>
public sealed class IndexHeapTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(12345)]
    public void Pops_give_the_smallest_index_held_as_a_sorted_list_would(int seed)
    {
        var random = new Random(seed);
        var heap = new IndexHeap(600);
        var model = new List<int>();
        var pool = Enumerable.Range(0, 600).OrderBy(_ => random.Next()).ToList();
        while (pool.Count > 0 || model.Count > 0)
        {
            if (pool.Count > 0 && (model.Count == 0 || random.Next(3) > 0))
            {
                heap.Push(pool[^1]);
                model.Add(pool[^1]);
                pool.RemoveAt(pool.Count - 1);
            }
            else
            {
                var expected = model.Min();
                model.Remove(expected);
                Assert.Equal(expected, heap.Pop());
            }

            Assert.Equal(model.Count, heap.Count);
        }
    }

    [Fact]
    public void Popping_an_empty_heap_is_a_bug_not_a_zero()
    {
        var heap = new IndexHeap(3);
        heap.Push(2);
        Assert.Equal(2, heap.Pop());
        Assert.Throws<InvalidOperationException>(() => heap.Pop());
    }
}
