using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Reel.Engine.Storage;
using Reel.Engine.Storage.Remote;

namespace Reel.Cli.Tests.Remote;

/// <summary>The remote store against s3rver, a third-party S3 server (not the emulator): plain objects up and down, verified.</summary>
public sealed class S3rverTests
{
    [S3rverFact]
    public async Task The_remote_store_puts_gets_and_verifies_objects_and_step_records_on_s3rver()
    {
        using var dir = new TempDirectory();
        using var server = await S3rver.StartAsync(Path.Combine(dir.Path, "s3rver"), "films");
        var env = new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = "S3RVER",
            ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
            ["AWS_ENDPOINT_URL_S3"] = server.Url,
        };
        var (settings, error) = RemoteSettings.Resolve(new RemoteDeclaration("s3://films/team"), env);
        Assert.Null(error);
        using var remote = RemoteStore.Open(settings!, env);
        await remote.CheckAccessAsync();

        var store = new ObjectStore(Path.Combine(dir.Path, "store"));
        var bytes = new byte[(1 << 20) + 313];
        Random.Shared.NextBytes(bytes);
        var sha = (await store.PutAsync(new MemoryStream(bytes))).Sha256;
        Assert.True(await remote.UploadObjectAsync(store, sha));
        Assert.False(await remote.UploadObjectAsync(store, sha));

        var fresh = new ObjectStore(Path.Combine(dir.Path, "fresh"));
        Assert.True(await remote.DownloadObjectAsync(fresh, sha));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(fresh.PathOf(sha)));
        Assert.False(await remote.DownloadObjectAsync(fresh, new string('0', 64)));

        var step = new RemoteStep("k1", "fal", "veo3.1-fast", "job-1", sha, null, null, null, 0.6m, 7, DateTimeOffset.UnixEpoch);
        Assert.True(await remote.PutStepAsync(step));
        Assert.Equal(sha, (await remote.GetStepAsync("k1"))!.Output);
        Assert.Null(await remote.GetStepAsync("k2"));

        // A damaged copy is refused, never stored.
        using var s3 = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config { ServiceURL = server.Url, ForcePathStyle = true, AuthenticationRegion = "us-east-1", UseHttp = true });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "films", Key = "team/" + RemoteStore.ObjectPath(sha), ContentBody = "not the clip", UseChunkEncoding = false });
        var other = new ObjectStore(Path.Combine(dir.Path, "other"));
        var damaged = await Assert.ThrowsAsync<RemoteStoreException>(() => remote.DownloadObjectAsync(other, sha));
        Assert.Contains("damaged", damaged.Message, StringComparison.Ordinal);
        Assert.False(other.Contains(sha));
    }
}

/// <summary>A test that needs s3rver (<c>npm install -g s3rver@3.7.1</c>; CI installs it): skipped only where it is absent.</summary>
public sealed class S3rverFactAttribute : FactAttribute
{
    public S3rverFactAttribute()
    {
        if (S3rver.Executable is null)
        {
            Skip = "s3rver is not installed (npm install -g s3rver@3.7.1)";
        }
    }
}

/// <summary>An s3rver process on a free loopback port, with one bucket; killed on dispose.</summary>
internal sealed class S3rver : IDisposable
{
    private readonly Process _process;

    private S3rver(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public static string? Executable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, "s3rver"))
        .FirstOrDefault(File.Exists);

    public static async Task<S3rver> StartAsync(string directory, string bucket)
    {
        Directory.CreateDirectory(directory);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo(Executable!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-d", directory, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-s", "--no-vhost-buckets", "--configure-bucket", bucket })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new S3rver(process, $"http://127.0.0.1:{port}");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);

                // Listening; the bucket is configured just before it listens.
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
