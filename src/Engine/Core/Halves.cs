using System.Runtime.ExceptionServices;

namespace Reel.Engine.Core;

/// <summary>
/// Independent work over many items (a file looked at per step) split between this thread and one more, when there are
/// enough items and cores for the split to pay: the end of a large run stats thousands of files one by one otherwise.
/// </summary>
internal static class Halves
{
    /// <summary>Below this many items the work stays on the calling thread.</summary>
    public const int Minimum = 64;

    /// <summary>Runs <paramref name="body"/> for every index in [0, <paramref name="count"/>); the first exception thrown is rethrown once both halves ended.</summary>
    public static void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count < Minimum || Environment.ProcessorCount < 2)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        var half = count / 2;
        var other = Task.Run(() =>
        {
            for (var i = half; i < count; i++)
            {
                body(i);
            }
        });
        ExceptionDispatchInfo? failed = null;
        try
        {
            for (var i = 0; i < half; i++)
            {
                body(i);
            }
        }
        catch (Exception ex)
        {
            failed = ExceptionDispatchInfo.Capture(ex);
        }

        try
        {
            other.GetAwaiter().GetResult();
        }
        catch (Exception ex) when (failed is null)
        {
            failed = ExceptionDispatchInfo.Capture(ex);
        }
        catch (Exception)
        {
            // The first half's exception is the one reported.
        }

        failed?.Throw();
    }
}
