namespace Reel.Cli;

/// <summary>
/// Everything one invocation of <c>reel</c> reads from and writes to its surroundings: the output and
/// error writers, the working directory, the environment, whether the writers are terminals, and
/// Ctrl+C. <see cref="Program"/> builds it from the process; tests build it from string writers, so
/// commands run in-process and in parallel without touching <see cref="Console"/> or process state.
/// </summary>
internal sealed class CliContext
{
    private int _cancelTraps;

    /// <param name="output">Standard output; must be safe to write from several threads.</param>
    /// <param name="error">Standard error; must be safe to write from several threads.</param>
    /// <param name="workingDirectory">Relative paths are resolved, and printed paths made relative, against this.</param>
    /// <param name="environment">The environment variables the invocation sees (keys are secrets: never print them).</param>
    public CliContext(TextWriter output, TextWriter error, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        ArgumentNullException.ThrowIfNull(environment);
        Out = output;
        Error = error;
        WorkingDirectory = Path.GetFullPath(workingDirectory);
        Environment = environment;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public string WorkingDirectory { get; }

    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>True when <see cref="Out"/> is a terminal (not redirected).</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>True when <see cref="Error"/> is a terminal (not redirected).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The terminal's width in columns, asked each time (the window may be resized).</summary>
    public Func<int> TerminalWidth { get; init; } = () => 80;

    /// <summary>
    /// Cancelled by Ctrl+C while a command holds <see cref="TrapCancel"/>; at any other moment Ctrl+C
    /// ends the process as usual.
    /// </summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Colour on stdout: only on a terminal, and never when <c>NO_COLOR</c> is set (no-color.org).</summary>
    public bool OutColor => OutIsTerminal && !NoColor;

    /// <summary>Colour and live progress on stderr: only on a terminal, and never when <c>NO_COLOR</c> is set.</summary>
    public bool ErrorColor => ErrorIsTerminal && !NoColor;

    /// <summary>True while some command holds <see cref="TrapCancel"/>.</summary>
    public bool CancelTrapped => Volatile.Read(ref _cancelTraps) > 0;

    private bool NoColor => Variable("NO_COLOR") is not (null or "");

    /// <summary>The value of an environment variable, or null when it is not set.</summary>
    public string? Variable(string name) => Environment.TryGetValue(name, out var value) ? value : null;

    /// <summary><paramref name="path"/> made absolute against <see cref="WorkingDirectory"/>.</summary>
    public string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary><paramref name="path"/> relative to <see cref="WorkingDirectory"/>, for printing.</summary>
    public string RelativePath(string path) => Path.GetRelativePath(WorkingDirectory, path);

    /// <summary>
    /// Until disposed, Ctrl+C cancels <see cref="Cancellation"/> instead of ending the process, so a
    /// command can wind down (a run leaves its journal consistent and prints its summary).
    /// </summary>
    public IDisposable TrapCancel()
    {
        Interlocked.Increment(ref _cancelTraps);
        return new Trap(this);
    }

    private sealed class Trap(CliContext context) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref context._cancelTraps);
            }
        }
    }
}
