using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Reel.Engine.Projects;
using Reel.Engine.Reporting;

namespace Reel.Cli.Review;

/// <summary>
/// <c>reel review</c>'s web server: the live contact sheet of one project on 127.0.0.1. Every request needs the
/// per-start token (query <c>token</c>, or the <c>X-Reel-Token</c> header, which picks must use), a <c>Host</c> of
/// <c>127.0.0.1:PORT</c> or <c>localhost:PORT</c> (DNS rebinding), and may load only the files the page lists.
/// </summary>
internal sealed class ReviewServer : IAsyncDisposable
{
    public const string TokenHeader = "X-Reel-Token";

    private readonly WebApplication _app;
    private readonly Project _project;
    private readonly ProjectWatch _watch;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();

    private ReviewServer(WebApplication app, Project project, string token)
    {
        _app = app;
        _project = project;
        Token = token;
        _watch = new ProjectWatch(() => _project.Review().Watched);
    }

    /// <summary>The secret every request must carry; new at every start.</summary>
    public string Token { get; }

    public int Port { get; private set; }

    /// <summary>The page's address with its token, as printed.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port}/?token={Token}");

    /// <summary>Starts serving <paramref name="project"/> on 127.0.0.1:<paramref name="port"/> (0: a free port).</summary>
    public static async Task<ReviewServer> StartAsync(Project project, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        var server = new ReviewServer(app, project, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            server._watch.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        server._watch.Start();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        // Open event streams end first, so stopping does not wait for the pages to go away.
        await _stopping.CancelAsync().ConfigureAwait(false);
        _watch.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers["Cache-Control"] = "no-store";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        if (!HostAllowed(request.Headers.Host.ToString()) || !OriginAllowed(request.Headers.Origin.ToString()))
        {
            await PlainAsync(context, 403, "forbidden: this server answers only http://127.0.0.1:" + Port).ConfigureAwait(false);
            return;
        }

        var isPost = HttpMethods.IsPost(request.Method);
        // A state-changing request carries the token in a header (a page elsewhere cannot set it without CORS); reads may use the query.
        var given = isPost ? request.Headers[TokenHeader].ToString() : request.Query["token"].ToString() is { Length: > 0 } q ? q : request.Headers[TokenHeader].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(Token)))
        {
            await PlainAsync(context, 403, "forbidden: open the address `reel review` printed (it carries the token)").ConfigureAwait(false);
            return;
        }

        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var path = raw.Split('?', 2)[0];
        var cancellationToken = context.RequestAborted;
        switch (request.Method, path)
        {
            case ("GET", "/"):
                await HtmlAsync(context, Page()).ConfigureAwait(false);
                return;
            case ("GET", "/sheet"):
                await HtmlAsync(context, Fragment()).ConfigureAwait(false);
                return;
            case ("GET", "/events"):
                await EventsAsync(context, cancellationToken).ConfigureAwait(false);
                return;
            case ("POST", "/pick"):
                await PickAsync(context, cancellationToken).ConfigureAwait(false);
                return;
        }

        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            if (ListedFile(path) is { } file)
            {
                response.ContentType = ContentType(file.Name);
                await response.SendFileAsync(file.Store, cancellationToken).ConfigureAwait(false);
                return;
            }

            await PlainAsync(context, 404, "not found").ConfigureAwait(false);
            return;
        }

        await PlainAsync(context, 405, "method not allowed").ConfigureAwait(false);
    }

    /// <summary>True for <c>127.0.0.1:PORT</c> and <c>localhost:PORT</c>: a rebound DNS name reaching this port is refused.</summary>
    internal bool HostAllowed(string host) =>
        string.Equals(host, $"127.0.0.1:{Port}", StringComparison.Ordinal) || string.Equals(host, $"localhost:{Port}", StringComparison.OrdinalIgnoreCase);

    private bool OriginAllowed(string origin) =>
        origin.Length == 0 || string.Equals(origin, $"http://127.0.0.1:{Port}", StringComparison.Ordinal) || string.Equals(origin, $"http://localhost:{Port}", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The file behind <c>/files/…</c>, only when the page lists it: the path must be one the sheet links, compared
    /// as text (no <c>..</c>, no encoded slashes or backslashes), and it is read from the store, never from the tree.
    /// </summary>
    internal (string Name, string Store)? ListedFile(string rawPath)
    {
        const string prefix = "/files/";
        if (!rawPath.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var encoded = rawPath[prefix.Length..];
        if (encoded.Contains("%2f", StringComparison.OrdinalIgnoreCase) || encoded.Contains("%5c", StringComparison.OrdinalIgnoreCase) || encoded.Contains('\\', StringComparison.Ordinal))
        {
            return null;
        }

        var segments = encoded.Split('/').Select(Uri.UnescapeDataString).ToList();
        if (segments.Any(s => s is "" or "." or ".." || s.Contains('/', StringComparison.Ordinal) || s.Contains('\\', StringComparison.Ordinal)))
        {
            return null;
        }

        var name = string.Join('/', segments);
        return _project.Review().Files.TryGetValue(name, out var store) && File.Exists(store) ? (name, store) : null;
    }

    private string Page()
    {
        var snapshot = _project.Review();
        var sheet = snapshot.Sheet ?? Placeholder();
        var html = ContactSheet.Render(sheet, Links());
        return snapshot.Problem is null ? html : html.Replace("<main id=\"sheet\">", "<main id=\"sheet\">" + ProblemHtml(snapshot.Problem), StringComparison.Ordinal);
    }

    private string Fragment()
    {
        var snapshot = _project.Review();
        return snapshot.Sheet is null ? ProblemHtml(snapshot.Problem!) : ContactSheet.Body(snapshot.Sheet, Links());
    }

    private Sheet Placeholder() => new(Path.GetFileNameWithoutExtension(_project.DisplayPath), Path.GetFileName(_project.DisplayPath), "-", "the script has errors", []);

    private static string ProblemHtml(string problem) => $"<p class=\"problem\" role=\"alert\">{WebUtility.HtmlEncode(problem)}</p>";

    private SheetLinks Links() => new(file => "/files/" + string.Join('/', file.Split('/').Select(Uri.EscapeDataString)) + "?token=" + Token, Live: true);

    private async Task PickAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!(context.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await JsonAsync(context, 415, "send the pick as JSON: {\"step\": \"street#2\"}").ConfigureAwait(false);
            return;
        }

        string? step;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            step = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("step", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        }
        catch (JsonException)
        {
            step = null;
        }

        if (string.IsNullOrEmpty(step))
        {
            await JsonAsync(context, 400, "send the pick as JSON: {\"step\": \"street#2\"}").ConfigureAwait(false);
            return;
        }

        ReviewPick outcome;
        lock (_gate)
        {
            outcome = _project.ReviewPick(step);
        }

        if (outcome.Succeeded)
        {
            _watch.Changed();
        }

        await JsonAsync(context, outcome.Status, outcome.Message).ConfigureAwait(false);
    }

    private async Task EventsAsync(HttpContext context, CancellationToken requestAborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _stopping.Token);
        var cancellationToken = linked.Token;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.WriteAsync(": reel review\nretry: 1000\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        var seen = _watch.Version;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var version = await _watch.WaitAsync(seen, TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
                var text = version == seen ? ": keep-alive\n\n" : $"event: changed\ndata: {version}\n\n";
                seen = version;
                await response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    private static Task HtmlAsync(HttpContext context, string html)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self'; media-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        return context.Response.WriteAsync(html, context.RequestAborted);
    }

    private static Task PlainAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }

    private static Task JsonAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { ok = status == 200, message }), context.RequestAborted);
    }

    private static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".mp4" => "video/mp4",
        ".png" => "image/png",
        ".webp" => "image/webp",
        ".jpg" or ".jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
}
