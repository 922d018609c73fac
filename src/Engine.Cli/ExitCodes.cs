namespace Reel.Cli;

/// <summary>Process exit codes (design.md §7).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int StepsFailed = 1;
    public const int Invalid = 2;
    public const int Refused = 3;

    /// <summary><c>plan --detailed-exitcode</c>: steps would run.</summary>
    public const int ChangesPending = 4;
    public const int Cancelled = 130;
}
