namespace Reel.Cli.Tests;

/// <summary>
/// Runs <c>reel</c> in this process through its entry point, with string writers, a working directory and an
/// explicit environment: the same as <see cref="ReelProcess"/> sees, without starting a process. Nothing here
/// reads or changes process-wide state (current directory, environment, console), so tests run in parallel.
/// </summary>
public static class ReelInProcess
{
    /// <summary>Variables taken from this process: where executables (ffmpeg) and the home directory are.</summary>
    private static readonly string[] Inherited = ["PATH", "HOME", "TMPDIR"];

    public static ReelResult Run(string workingDirectory, params string[] args) => Run(workingDirectory, args, null);

    public static ReelResult Run(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? env, TimeSpan? timeout = null)
    {
        using var timedOut = new CancellationTokenSource();
        var argList = args.ToArray();

        // Off the caller's synchronization context, so the command's awaits never wait for the blocked test thread.
        var run = Task.Run(() => RunAsync(workingDirectory, argList, env, timedOut.Token));
        if (!run.Wait(timeout ?? TimeSpan.FromMinutes(3)))
        {
            timedOut.Cancel();
            throw new TimeoutException($"reel {string.Join(' ', argList)} did not finish in time");
        }

        return run.GetAwaiter().GetResult();
    }

    /// <summary>Runs <c>reel</c>; <paramref name="cancellationToken"/> is Ctrl+C.</summary>
    public static async Task<ReelResult> RunAsync(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? env = null, CancellationToken cancellationToken = default)
    {
        using var stdout = new SharedStringWriter();
        using var stderr = new SharedStringWriter();
        var exitCode = await ReelCli.InvokeAsync([.. args], Context(workingDirectory, stdout, stderr, env, cancellationToken));
        return new ReelResult(exitCode, Normalize(stdout.ToString()), Normalize(stderr.ToString()));
    }

    /// <summary>The context of a test's <c>reel</c>: not a terminal, <see cref="Environment"/>, and <paramref name="cancellationToken"/> as Ctrl+C.</summary>
    internal static CliContext Context(string workingDirectory, TextWriter stdout, TextWriter stderr, IDictionary<string, string?>? env = null, CancellationToken cancellationToken = default) =>
        new(stdout, stderr, workingDirectory, Environment(env)) { Cancellation = cancellationToken };

    /// <summary>
    /// The environment a test's <c>reel</c> sees: only <see cref="Inherited"/> from this process, <c>NO_COLOR=1</c>,
    /// then <paramref name="overrides"/> (null removes a variable). No keys, no <c>REEL_STORE</c>.
    /// </summary>
    public static Dictionary<string, string?> Environment(IDictionary<string, string?>? overrides = null)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["NO_COLOR"] = "1" };
        foreach (var name in Inherited)
        {
            if (System.Environment.GetEnvironmentVariable(name) is { } value)
            {
                env[name] = value;
            }
        }

        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                env.Remove(name);
            }
            else
            {
                env[name] = value;
            }
        }

        return env;
    }

    /// <summary>Line ends as <see cref="ReelProcess"/> reports them (it reads line by line and appends '\n').</summary>
    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
