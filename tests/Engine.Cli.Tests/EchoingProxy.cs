using System.Net;
using System.Text;

namespace Reel.Cli.Tests;

/// <summary>
/// A provider gone hostile: a proxy on 127.0.0.1 in front of the emulator that passes every request through and,
/// where the emulator's answer says why a job failed, adds the secrets it was sent (the bearer token, the base URL's
/// password) and those it knows (<paramref name="known"/>, as a real provider knows its customer's key).
/// </summary>
public sealed class EchoingProxy : IDisposable
{
    /// <summary>The failure texts of the emulator's moderation fault, per provider.</summary>
    private static readonly string[] Failures =
    [
        "The prompt was flagged by our content moderation system.",
        "Failure to pass the risk control system",
        "the emulator's moderation fault stopped this",
    ];

    private readonly HttpListener _listener = new();
    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly Uri _upstream;
    private readonly string[] _known;
    private readonly Task _loop;
    private int _echoes;

    public EchoingProxy(Uri upstream, params string[] known)
    {
        _upstream = upstream;
        _known = known;
        for (var attempt = 0; ; attempt++)
        {
            // HttpListener takes no port 0: pick a free one and retry if another process took it first.
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    /// <summary>How many answers carried the secrets back.</summary>
    public int Echoes => Volatile.Read(ref _echoes);

    /// <summary>The bearer tokens the proxy was sent (for Kling, the signed token).</summary>
    public HashSet<string> Tokens { get; } = new(StringComparer.Ordinal);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(_upstream, request.Url!.PathAndQuery));
            var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            if (body.Length > 0 || request.HttpMethod is "POST" or "PUT" or "PATCH")
            {
                forward.Content = new ByteArrayContent(body.ToArray());
                if (request.ContentType is { } type)
                {
                    forward.Content.Headers.TryAddWithoutValidation("Content-Type", type);
                }
            }

            var secrets = new List<string>(_known);
            foreach (var name in request.Headers.AllKeys.OfType<string>())
            {
                if (name is "Host" or "Content-Length" or "Content-Type" or "Connection" or "Expect" or "Transfer-Encoding")
                {
                    continue;
                }

                var value = request.Headers[name]!;
                forward.Headers.TryAddWithoutValidation(name, value);
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    var token = value.StartsWith("Bearer ", StringComparison.Ordinal) ? value["Bearer ".Length..] : value;
                    lock (Tokens)
                    {
                        Tokens.Add(token);
                    }

                    secrets.Add(token);
                }
            }

            using var answer = await _client.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead);
            var bytes = await answer.Content.ReadAsByteArrayAsync();
            if (answer.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true)
            {
                var text = Encoding.UTF8.GetString(bytes);
                var echo = $" (refused for key {string.Join(" and ", secrets)})";
                // As JSON writers spell them: System.Text.Json escapes the apostrophe.
                foreach (var failure in Failures.Select(f => f.Replace("'", "\\u0027", StringComparison.Ordinal)).Concat(Failures).Where(f => text.Contains(f, StringComparison.Ordinal)))
                {
                    text = text.Replace(failure, failure + echo, StringComparison.Ordinal);
                    Interlocked.Increment(ref _echoes);
                }

                bytes = Encoding.UTF8.GetBytes(text);
            }

            var response = context.Response;
            response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (name is "Content-Length" or "Transfer-Encoding" or "Connection" or "Keep-Alive" or "Server" or "Date")
                {
                    continue;
                }

                try
                {
                    response.Headers[name] = string.Join(", ", values);
                }
                catch (ArgumentException)
                {
                    // A header HttpListener sets itself.
                }
            }

            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or HttpRequestException or ObjectDisposedException)
        {
            context.Response.Abort();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _client.Dispose();
    }
}
