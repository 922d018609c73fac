using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reel.Emulator.Audit;
using Reel.Emulator.Fal;
using Reel.Emulator.Faults;
using Reel.Emulator.Google;
using Reel.Emulator.Http;
using Reel.Emulator.Comfy;
using Reel.Emulator.Kling;
using Reel.Emulator.OpenAi;
using Reel.Emulator.Rendering;
using Reel.Emulator.Runway;
using Reel.Emulator.S3;

namespace Reel.Emulator;

/// <summary>
/// A local, faithful copy of the provider HTTP APIs (design.md §8), backed by the local renderer:
/// each provider API is an <see cref="IApiFamily"/> (the OpenAI <c>/v1/videos</c> family, files and batches, fal's queue,
/// Google's Veo routes), on 127.0.0.1 only.
/// Job state is computed from timestamps of the injected <see cref="TimeProvider"/>, so tests can
/// move time; faults are drawn from a seeded generator, so a run is reproducible.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AuditLog _audit;
    private readonly IReadOnlyList<IApiFamily> _families;
    private readonly FaultInjector _faults;
    private readonly string? _apiKey;
    private readonly string? _temporaryDirectory;
    private readonly RealisticClips? _realistic;
    private readonly RenderAhead _ahead;

    private EmulatorServer(WebApplication app, AuditLog audit, IReadOnlyList<IApiFamily> families, FaultInjector faults, string? apiKey, string? temporaryDirectory, RealisticClips? realistic, RenderAhead ahead)
    {
        _realistic = realistic;
        _ahead = ahead;
        _app = app;
        _audit = audit;
        _families = families;
        _faults = faults;
        _apiKey = apiKey;
        _temporaryDirectory = temporaryDirectory;
    }

    /// <summary>The root address, <c>http://127.0.0.1:N</c>; the OpenAI API lives under <c>/v1</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The TCP port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Starts listening and returns once requests are accepted.</summary>
    /// <param name="options">Port, speed, faults, key, audit file and data directory.</param>
    /// <param name="time">The clock that drives job progress and expiry; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">The options are invalid (a bad fault profile, a negative speed or port), or realistic mode is asked for and ffmpeg can't be run.</exception>
    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port {options.Port} is outside 0..65535.", nameof(options));
        }

        if (options.Speed < 0 || double.IsNaN(options.Speed) || double.IsInfinity(options.Speed))
        {
            throw new ArgumentException($"Speed {options.Speed} must be a finite number ≥ 0.", nameof(options));
        }

        time ??= TimeProvider.System;
        var faults = new FaultInjector(FaultProfile.Parse(options.Faults), options.Seed);
        var ffmpeg = options.Realistic ? await Ffmpeg.LocateAsync(options.FfmpegPath, cancellationToken).ConfigureAwait(false) : null;
        string? temporary = null;
        var data = options.DataDirectory;
        if (string.IsNullOrEmpty(data))
        {
            data = temporary = Path.Combine(Path.GetTempPath(), "reel-emulator-" + Guid.NewGuid().ToString("N")[..12]);
        }

        Directory.CreateDirectory(data);
        var audit = new AuditLog(options.AuditPath, time);
        var realistic = ffmpeg is null ? null : new RealisticClips(ffmpeg, data);
        var ahead = new RenderAhead();
        var openAi = new OpenAiApi(new JobHost(time, options.Speed, faults, audit, data, "uploads", realistic, options.VideoBytes, ahead, pictures: true));
        var veo = new VeoApi(new JobHost(time, options.Speed, faults, audit, data, "uploads", realistic, options.VideoBytes, ahead));
        var fal = new FalApi(new JobHost(time, options.Speed, faults, audit, data, "fal-uploads", realistic, options.VideoBytes, ahead));
        var kling = new KlingApi(new JobHost(time, options.Speed, faults, audit, data, "kling-uploads", realistic, options.VideoBytes, ahead));
        var runway = new RunwayApi(new JobHost(time, options.Speed, faults, audit, data, "runway-uploads", realistic, options.VideoBytes, ahead));
        var comfy = new JobHost(time, options.Speed, faults, audit, data, "comfy-uploads", realistic, ahead: ahead);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = JsonBody.MaxBodyBytes;

            // A loaded machine (CI, tests side by side) may send or read a big upload slowly: no minimum data rate, so
            // Kestrel never cuts such a connection (which a client reads as a dropped connection, not as a fault).
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });
        var app = builder.Build();
        var server = new EmulatorServer(app, audit, [new S3Family(new S3Buckets(time)), new RunwayFamily(runway), new OpenAiFamily(openAi), new GeminiFamily(veo), new VertexFamily(veo), new FalFamily(fal), new KlingFamily(kling, time), new ComfyFamily(new ComfyApi(comfy))], faults, options.ApiKey, temporary, realistic, ahead);
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await ahead.DisposeAsync().ConfigureAwait(false);
            audit.Dispose();
            if (realistic is not null)
            {
                await realistic.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        server.BaseAddress = new Uri($"http://127.0.0.1:{server.Port}");
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var method = request.Method;
        var path = request.Path.Value ?? "/";
        var cancellationToken = context.RequestAborted;
        context.Response.Headers["x-request-id"] = "req_" + Guid.NewGuid().ToString("N");
        var status = 0;
        try
        {
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            // A SigV4-signed request is an S3 request, whatever its path.
            var family = _families.OfType<S3Family>().FirstOrDefault(_ => S3Family.Owns(request)) ?? _families.FirstOrDefault(f => f.Serves(segments));
            if (family is null)
            {
                status = await WriteAsync(context, Error(new ApiErrorException(404, $"Invalid URL ({method} {path})")), truncate: false, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (family.Authenticate(request, segments, _apiKey) is { } denied)
            {
                status = await WriteAsync(context, denied, truncate: false, cancellationToken).ConfigureAwait(false);
                return;
            }

            // poll503 answers a status poll with 503, createdrop/createreset hit a creating request, before the other faults are drawn.
            // s3reset/s3503 hit only the S3 subset.
            var fault = family is S3Family && _faults.NextS3Fault() is var s3 and not RequestFault.None ? s3
                : family.IsStatusPoll(method, segments) && _faults.NextPollUnavailable() ? RequestFault.Unavailable
                : family.IsCreate(method, segments) && _faults.NextCreateFault() is var create and not RequestFault.None ? create
                : _faults.NextRequestFault();
            if (fault == RequestFault.Drop)
            {
                // Dropped before anything was processed.
                context.Abort();
                return;
            }

            ApiResult result = fault switch
            {
                RequestFault.TooManyRequests or RequestFault.InternalError or RequestFault.Unavailable => family.Fault(fault),
                _ => await DispatchAsync(family, context, segments, cancellationToken).ConfigureAwait(false),
            };

            if (fault == RequestFault.Reset)
            {
                // Processed (a job may now exist) but the client never hears back.
                context.Abort();
                status = 0;
                return;
            }

            var truncate = result is FileResult or BytesResult && family.IsContentDownload(segments) && _faults.NextTruncate();
            status = await WriteAsync(context, result, truncate, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            status = 0;
        }
        finally
        {
            _audit.Request(method, path, status);
        }
    }

    private static async Task<ApiResult> DispatchAsync(IApiFamily family, HttpContext context, string[] segments, CancellationToken cancellationToken)
    {
        try
        {
            return await family.DispatchAsync(context, segments, cancellationToken).ConfigureAwait(false);
        }
        catch (BodyException ex)
        {
            return family.BodyError(ex);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel could not read the body: bad chunking, a short body, or one over the size limit (413).
            return family.BodyError(BodyException.FromTransport(ex));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return family.InternalError($"The emulator failed while processing the request: {ex.Message}");
        }
    }

    private static JsonResult Error(ApiErrorException error) => new(error.Status, error.ToJson());

    /// <summary>Writes a result; a truncated download announces the full length, sends part of it, then drops the connection.</summary>
    private static async Task<int> WriteAsync(HttpContext context, ApiResult result, bool truncate, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = result.Status;
        byte[] bytes;
        IReadOnlyDictionary<string, string>? headers = null;
        switch (result)
        {
            case JsonResult json:
                foreach (var (name, value) in json.Headers ?? new Dictionary<string, string>())
                {
                    response.Headers[name] = value;
                }

                response.ContentType = "application/json";
                bytes = System.Text.Encoding.UTF8.GetBytes(json.Body.ToJsonString());
                break;
            case FileResult file:
                response.ContentType = file.ContentType;
                if (file.FileName is not null)
                {
                    response.Headers.ContentDisposition = $"attachment; filename=\"{file.FileName}\"";
                }

                return await WriteFileAsync(context, file, truncate, cancellationToken).ConfigureAwait(false);
            case BytesResult raw:
                response.ContentType = raw.ContentType;
                bytes = raw.Bytes;
                headers = raw.Headers;
                break;
            case EmptyResult:
                bytes = [];
                break;
            default:
                throw new InvalidOperationException($"Unknown result {result.GetType().Name}.");
        }

        response.ContentLength = bytes.Length;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            // A HEAD answer announces the length of the body it does not send.
            if (name == "Content-Length")
            {
                response.ContentLength = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else
            {
                response.Headers[name] = value;
            }
        }

        if (truncate && bytes.Length > 1)
        {
            await response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

            // Let the partial body reach the socket before the reset discards unsent data (wall clock on purpose:
            // this is transport timing, not job time, and must not wait on a test's fake clock).
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            context.Abort();
            return result.Status;
        }

        if (result.Status is 204 or 304)
        {
            // No body may follow these statuses: Kestrel refuses even an empty write, and closes the connection under
            // the client's next request if one is tried.
            response.Headers.ContentLength = null;
            return result.Status;
        }

        await response.Body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        return result.Status;
    }

    /// <summary>
    /// Streams a file from disk (a clip may be hundreds of megabytes) as providers' CDNs do: <c>Accept-Ranges: bytes</c>,
    /// an ETag, and a <c>Range: bytes=N-</c> request (with a matching or absent <c>If-Range</c>) answered 206 with the rest.
    /// A truncated download sends half of what it announced, then drops the connection.
    /// </summary>
    private static async Task<int> WriteFileAsync(HttpContext context, FileResult file, bool truncate, CancellationToken cancellationToken)
    {
        var response = context.Response;
        var info = new FileInfo(file.Path);
        var length = info.Length;
        var etag = $"\"{length:x}-{info.LastWriteTimeUtc.Ticks:x}\"";
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = etag;
        long from = 0;
        var range = context.Request.Headers.Range.ToString();
        var ifRange = context.Request.Headers.IfRange.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            && long.TryParse(range.AsSpan(6, range.Length - 7), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var start)
            && start < length && (ifRange.Length == 0 || ifRange == etag))
        {
            from = start;
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {from}-{length - 1}/{length}";
        }

        var count = length - from;
        response.ContentLength = count;
        var send = truncate && count > 1 ? count / 2 : count;
        var input = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input.ConfigureAwait(false))
        {
            input.Position = from;
            var buffer = new byte[1 << 16];
            while (send > 0)
            {
                var n = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, send)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                await response.Body.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                send -= n;
            }
        }

        if (truncate && count > 1)
        {
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

            // As for other truncated bodies: let the partial body reach the socket before the reset (wall clock on purpose).
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            context.Abort();
        }

        return response.StatusCode;
    }

    /// <summary>Stops listening and removes the temporary data directory, if one was created.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            await _ahead.DisposeAsync().ConfigureAwait(false);
            _audit.Dispose();
            if (_realistic is not null)
            {
                await _realistic.DisposeAsync().ConfigureAwait(false);
            }

            if (_temporaryDirectory is not null)
            {
                try
                {
                    Directory.Delete(_temporaryDirectory, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>No Ctrl+C hook and no console messages: the host's lifetime belongs to whoever started the emulator.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
