using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Reel.Cli.Tests.Review;

/// <summary><c>reel review</c> as a real process: SIGTERM (what <c>timeout</c> and service managers send) stops it as Ctrl+C does.</summary>
public sealed class ReviewSignalTests
{
    [Fact]
    public async Task Sigterm_stops_the_review_server_and_frees_its_port()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", CliTests.Hello);
        using var p = Process.Start(ReelProcess.StartInfo(dir.Path, ["review", "--no-open"]))!;
        p.StandardInput.Close();
        var stdout = new StringBuilder();
        using var listening = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.Append(e.Data).Append('\n');
                }

                if (e.Data.StartsWith("review: ", StringComparison.Ordinal))
                {
                    listening.Set();
                }
            }
        };
        p.BeginOutputReadLine();
        var stderr = p.StandardError.ReadToEndAsync();

        try
        {
            Assert.True(listening.Wait(TimeSpan.FromMinutes(1)), "review printed no address: " + stdout);
            var address = new Uri(stdout.ToString().Split('\n')[0]["review: ".Length..]);

            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "reel review kept serving after SIGTERM");
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.DoesNotContain("Exception", await stderr, StringComparison.Ordinal);
            using var client = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync("127.0.0.1", address.Port));
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
    }
}
