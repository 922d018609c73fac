using Reel.Engine.Planning;
using Reel.Engine.Scripts;

namespace Reel.Cli.Commands;

/// <summary>Where a script's lock, journal and store live.</summary>
internal static class Workspace
{
    public static IStepHistory History(Script script)
    {
        _ = script;
        return NoHistory.Instance;
    }
}
