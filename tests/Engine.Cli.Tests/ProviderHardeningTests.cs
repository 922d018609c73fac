using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Reel.Cli.Tests;

/// <summary>
/// Issue 18, points 9 and 13, end to end against the emulator (and a hostile server): a lost batch create is
/// reconciled in the same run without paying twice; a secret a server echoes reaches no output and no file.
/// </summary>
public sealed partial class ProviderHardeningTests
{
    private const string Key = "sk-hardening-7c2e";

    private static string FourScenes(string provider = "openai") =>
        $"reel: 1\nprovider: {provider}\ndefaults: {{ seconds: 4 }}\nscenes:\n"
        + string.Concat(Enumerable.Range(1, 4).Select(i => $"  - id: s{i}\n    prompt: harbour shot number {i}\n"));

    private static List<JsonElement> BatchCreates(Emulator emulator) =>
        emulator.Requests().Where(r => r.GetProperty("method").GetString() == "POST" && r.GetProperty("path").GetString() == "/v1/batches").ToList();

    /// <summary>Every job the emulator created, and that no two share a fingerprint (the same paid generation twice).</summary>
    private static void AssertEachSceneCreatedOnce(Emulator emulator)
    {
        var jobs = emulator.JobsCreated();
        Assert.Equal(4, jobs.Count);
        Assert.All(jobs, j => Assert.Equal("batch", j.GetProperty("kind").GetString()));
        Assert.Equal(4, jobs.Select(j => j.GetProperty("fingerprint").GetString()).Distinct().Count());
    }

    [Fact]
    public void A_batch_create_whose_answer_is_lost_is_found_and_adopted_in_the_same_run()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", FourScenes());

        // createreset=1: every batch create is processed (the batch and its jobs exist) but its answer never arrives.
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.01, faults: "createreset=1");
        var run = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--batch"], emulator.Environment(Key), TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("4 done", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.All, StringComparison.OrdinalIgnoreCase);
        var creates = BatchCreates(emulator);
        Assert.Single(creates);
        Assert.Equal(0, creates[0].GetProperty("status").GetInt32());
        Assert.Contains(emulator.Requests(), r => r.GetProperty("method").GetString() == "GET" && r.GetProperty("path").GetString() == "/v1/batches");
        AssertEachSceneCreatedOnce(emulator);

        var again = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--batch"], emulator.Environment(Key), TimeSpan.FromMinutes(2));
        Assert.True(again.ExitCode == 0, again.All);
        AssertEachSceneCreatedOnce(emulator);
    }

    [Fact]
    public void A_batch_create_dropped_before_it_was_processed_is_looked_for_then_sent_again_once()
    {
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", FourScenes());

        // The create dice are the only dice drawn (no other fault is on): a seed whose first draw drops and second does not.
        var seed = Enumerable.Range(1, 1000).First(s =>
        {
            var random = new Random(s);
            return random.NextDouble() < 0.5 && random.NextDouble() >= 0.5;
        });
        using var emulator = Emulator.Start(dir.Path, Key, speed: 0.01, faults: "createdrop=0.5", seed: seed);
        var run = ReelInProcess.Run(dir.Path, ["run", "storyboard.yaml", "--batch"], emulator.Environment(Key), TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("4 done", run.Stdout, StringComparison.Ordinal);
        var creates = BatchCreates(emulator);
        Assert.Equal([0, 200], creates.Select(c => c.GetProperty("status").GetInt32()));
        AssertEachSceneCreatedOnce(emulator);
    }

    [Fact]
    public async Task A_server_that_echoes_the_key_leaks_it_nowhere()
    {
        const string Password = "url-pa55-9d1e";
        using var dir = new TempDirectory();
        dir.Write("storyboard.yaml", "reel: 1\nprovider: openai\ndefaults: { seconds: 4 }\nscenes:\n  - id: failing\n    prompt: a job that fails\n  - id: undownloadable\n    prompt: a job whose file is refused\n");
        await using var server = await HostileServer.StartAsync(Password);
        var env = new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = Key,
            ["OPENAI_BASE_URL"] = $"http://reel:{Password}@127.0.0.1:{server.Port}/v1",
        };

        var run = ReelProcess.Run(dir.Path, ["run", "storyboard.yaml", "--keep-going", "--verbose"], env, TimeSpan.FromMinutes(2));

        // The run failed as it should, saying why, and the server did echo the secrets it was sent.
        Assert.True(run.ExitCode != 0, run.All);
        Assert.Contains("failing", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("***", run.All, StringComparison.Ordinal);
        Assert.True(server.Echoes >= 2, $"the hostile server echoed {server.Echoes} times");
        var places = new List<(string Where, byte[] Bytes)> { ("stdout", Encoding.UTF8.GetBytes(run.Stdout)), ("stderr", Encoding.UTF8.GetBytes(run.Stderr)) };
        foreach (var file in Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => !f.Contains("objects", StringComparison.Ordinal)))
        {
            places.Add((Path.GetRelativePath(dir.Path, file), await File.ReadAllBytesAsync(file)));
        }

        Assert.Contains(places, p => p.Where.EndsWith("state.db", StringComparison.Ordinal));
        Assert.Contains(places, p => p.Where.EndsWith("report.html", StringComparison.Ordinal));
        foreach (var (where, bytes) in places)
        {
            foreach (var secret in new[] { Key, Password })
            {
                // SQLite stores text as UTF-8; report.html and the lock are UTF-8 too.
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"'{secret}' leaked into {where}");
            }
        }
    }

    /// <summary>
    /// An OpenAI-compatible server on 127.0.0.1 that echoes the bearer key and the base URL's password in every
    /// error: job 1 fails with them in its error, job 2 completes but its download is refused with them.
    /// </summary>
    private sealed class HostileServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly string _password;
        private readonly Task _loop;
        private int _jobs;
        private int _echoes;

        private HostileServer(string password)
        {
            _password = password;
            _listener.Start();
            _loop = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Echoes => Volatile.Read(ref _echoes);

        public static Task<HostileServer> StartAsync(string password) => Task.FromResult(new HostileServer(password));

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var reader = new StreamReader(stream, Encoding.ASCII);
                    var requestLine = await reader.ReadLineAsync() ?? string.Empty;
                    string? key = null;
                    var length = 0;
                    while (await reader.ReadLineAsync() is { Length: > 0 } header)
                    {
                        if (header.StartsWith("Authorization: Bearer ", StringComparison.OrdinalIgnoreCase))
                        {
                            key = header["Authorization: Bearer ".Length..].Trim();
                        }
                        else if (header.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        {
                            length = int.Parse(header["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }

                    var body = new char[length];
                    var read = 0;
                    while (read < length && await reader.ReadAsync(body.AsMemory(read, length - read)) is var n and > 0)
                    {
                        read += n;
                    }

                    var (status, json) = Answer(requestLine, key ?? "(none)", new string(body));
                    var bytes = Encoding.UTF8.GetBytes(json);
                    var head = $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                    await stream.WriteAsync(bytes);
                }
                catch (IOException)
                {
                }
            }
        }

        private (int Status, string Json) Answer(string requestLine, string key, string body)
        {
            var parts = requestLine.Split(' ');
            var (method, path) = (parts[0], parts.Length > 1 ? parts[1] : "/");
            var echo = $"key {key} with password {_password} refused";
            if (method == "POST" && path == "/v1/videos")
            {
                var id = "video_" + Interlocked.Increment(ref _jobs);
                var prompt = JsonDocument.Parse(body).RootElement.GetProperty("prompt").GetString();
                return (200, Video(id, "queued", prompt!, null));
            }

            if (method == "GET" && path.StartsWith("/v1/videos/video_", StringComparison.Ordinal))
            {
                var id = path["/v1/videos/".Length..].Split('/', '?')[0];
                if (path.Contains("/content", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _echoes);
                    return (400, JsonSerializer.Serialize(new { error = new { message = echo, type = "invalid_request_error", code = "echo_" + key, param = key } }));
                }

                Interlocked.Increment(ref _echoes);
                return id == "video_1"
                    ? (200, Video(id, "failed", "a job that fails", new { code = "bad_" + key, message = echo }))
                    : (200, Video(id, "completed", "a job whose file is refused", null));
            }

            // The access check and listings: nothing to list.
            return (200, """{"object":"list","data":[],"has_more":false}""");
        }

        private static string Video(string id, string status, string prompt, object? error) => JsonSerializer.Serialize(new
        {
            id,
            @object = "video",
            model = "sora-2",
            status,
            progress = status == "queued" ? 0 : 100,
            created_at = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            prompt,
            size = "1280x720",
            seconds = "4",
            error,
        });

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }
    }
}
