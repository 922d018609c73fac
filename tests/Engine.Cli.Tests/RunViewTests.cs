using Reel.Engine.Projects;

namespace Reel.Cli.Tests;

/// <summary>Ctrl+C stops a run gracefully only while its steps run; before (compiling, planning) and after, it ends the process.</summary>
public sealed class RunViewTests
{
    [Fact]
    public void Ctrl_C_is_trapped_from_the_start_of_the_steps_to_their_end_only()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", "reel: 1\nscenes:\n  - id: a\n    prompt: A pond.\n");
        var planned = Project.Open("s.yaml", new ProjectOptions(), new ProjectHost(new Dictionary<string, string?>(), dir.Path)).Plan();
        var context = new CliContext(new StringWriter(), new StringWriter(), dir.Path, new Dictionary<string, string?>());

        using var view = new RunView(context, live: false);
        Assert.False(context.CancelTrapped);
        view.Starting(planned, []);
        Assert.True(context.CancelTrapped);
        view.Finished();
        Assert.False(context.CancelTrapped);
    }

    [Fact]
    public async Task A_run_that_stops_before_its_steps_never_traps_Ctrl_C()
    {
        using var dir = new TempDirectory();
        dir.Write("s.yaml", "reel: 1\nscenes:\n  - id: a\n    prompt: '{{ nope }}'\n");
        var error = new TrappedWhileWriting();
        var context = new CliContext(new StringWriter(), error, dir.Path, new Dictionary<string, string?>());
        error.Context = context;

        var exit = await ReelCli.InvokeAsync(["run", "s.yaml"], context);

        Assert.Equal(2, exit);
        Assert.NotEmpty(error.Seen);
        Assert.DoesNotContain(true, error.Seen);
        Assert.False(context.CancelTrapped);
    }

    /// <summary>Records, at each write to stderr, whether Ctrl+C was trapped.</summary>
    private sealed class TrappedWhileWriting : StringWriter
    {
        public CliContext? Context { get; set; }

        public List<bool> Seen { get; } = [];

        public override void Write(char value)
        {
            Seen.Add(Context?.CancelTrapped ?? false);
            base.Write(value);
        }

        public override void Write(string? value)
        {
            Seen.Add(Context?.CancelTrapped ?? false);
            base.Write(value);
        }
    }
}
