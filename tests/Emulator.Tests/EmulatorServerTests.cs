using System.Net;
using System.Net.Sockets;

namespace Reel.Emulator.Tests;

public sealed class EmulatorServerTests
{
    [Fact]
    public async Task It_listens_on_loopback_on_a_free_port_when_asked_for_port_0()
    {
        await using var a = await EmulatorServer.StartAsync(new EmulatorOptions());
        await using var b = await EmulatorServer.StartAsync(new EmulatorOptions());

        Assert.NotEqual(a.Port, b.Port);
        Assert.Equal($"http://127.0.0.1:{a.Port}/", a.BaseAddress.ToString());
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(a.BaseAddress, "/v1/videos"))).StatusCode);
    }

    [Fact]
    public async Task It_listens_on_the_requested_port()
    {
        var port = FreePort();
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions(Port: port));

        Assert.Equal(port, server.Port);
    }

    [Fact]
    public async Task A_busy_port_is_an_error()
    {
        await using var first = await EmulatorServer.StartAsync(new EmulatorOptions());

        await Assert.ThrowsAnyAsync<IOException>(() => EmulatorServer.StartAsync(new EmulatorOptions(Port: first.Port)));
    }

    [Fact]
    public async Task Start_honours_cancellation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => EmulatorServer.StartAsync(new EmulatorOptions(), cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task Dispose_removes_the_temporary_data_directory_but_keeps_a_given_one()
    {
        var given = Path.Combine(Path.GetTempPath(), "reel-emulator-given-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var server = await EmulatorServer.StartAsync(new EmulatorOptions(DataDirectory: given)))
            {
                Assert.True(Directory.Exists(given));
            }

            Assert.True(Directory.Exists(given));
        }
        finally
        {
            Directory.Delete(given, recursive: true);
        }
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public async Task A_bad_speed_is_rejected(double speed)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => EmulatorServer.StartAsync(new EmulatorOptions(Speed: speed)));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
